"""Sections of bench/RESULTS.md owned by other scripts: `<!-- BEGIN name -->` ... `<!-- END name -->`.
harness.py regenerates the rest of the file and keeps them; each study script replaces its own."""
from __future__ import annotations

import os
import re
from pathlib import Path

_SECTION = re.compile(r"<!-- BEGIN (?P<name>[\w-]+) -->\n.*?<!-- END (?P=name) -->\n?", re.S)


def sections(text: str) -> dict[str, str]:
    return {m.group("name"): m.group(0).rstrip("\n") + "\n" for m in _SECTION.finditer(text)}


def replace_section(path: Path, name: str, body: str) -> None:
    """Writes `body` as section `name` of `path` (appended if new), atomically."""
    text = path.read_text() if path.is_file() else ""
    block = f"<!-- BEGIN {name} -->\n{body.rstrip()}\n<!-- END {name} -->\n"
    current = sections(text)
    if name in current:
        text = text.replace(current[name], block)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    write_atomic(path, text)


def keep_sections(old: str, new: str) -> str:
    """`new` (a regenerated file) with the sections of `old` appended."""
    kept = [s for s in sections(old).values()]
    return new.rstrip("\n") + "\n" + ("\n" + "\n".join(kept) if kept else "")


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".tmp.{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)
