"""Where the numbers came from: date, CPU model and ISA flags, library versions."""
from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

# The flags that decide which kernels any of the three engines can use.
RELEVANT_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw",
                  "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16")


def cpu(cpuinfo: str | None = None) -> dict:
    """CPU model name and flags from /proc/cpuinfo (first processor block)."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text() if path.is_file() else ""
    fields = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    flags = fields.get("flags", "").split()
    return {"model": fields.get("model name", platform.processor() or "unknown"),
            "flags": [f for f in RELEVANT_FLAGS if f in flags],
            "all_flags": flags,
            "logical_cpus": os.cpu_count()}


def _version(module: str) -> str:
    try:
        return __import__(module).__version__
    except ImportError:
        return "not installed"


def meta(command: str, quick: bool, threads: list[int]) -> dict:
    import engine_octet
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": command, "quick": quick, "threads": threads, "cpu": cpu(),
            "python": platform.python_version(),
            "versions": {"octet": engine_octet.version(), "onnxruntime": _version("onnxruntime"),
                         "torch": _version("torch"), "onnx": _version("onnx"),
                         "numpy": _version("numpy")}}
