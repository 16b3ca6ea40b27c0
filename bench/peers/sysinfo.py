"""Where the numbers came from: date, CPU model and ISA flags, library versions."""
from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

# The flags that decide which kernels any of the three engines can use.
RELEVANT_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw",
                  "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16")


def _amd_core(family: int, model: int) -> str | None:
    """AMD's core generation from the CPUID family and model (families 17h, 19h, 1Ah). VMs often
    show only "AMD EPYC", and Zen 4 runs vpdpbusd zmm at half Zen 5's rate."""
    if family == 0x1A:
        return "Zen 5"
    if family == 0x19:
        return "Zen 4" if any(lo <= model <= lo + 0xF for lo in (0x10, 0x60, 0x70, 0xA0)) else "Zen 3"
    if family == 0x17:
        return "Zen / Zen 2"
    return None


def cpu(cpuinfo: str | None = None) -> dict:
    """CPU model name (with the family and model numbers, and AMD's core generation) and flags from
    /proc/cpuinfo (first processor block)."""
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
    model = fields.get("model name", platform.processor() or "unknown")
    if fields.get("cpu family", "").isdigit() and fields.get("model", "").isdigit():
        family, number = int(fields["cpu family"]), int(fields["model"])
        core = _amd_core(family, number) if fields.get("vendor_id") == "AuthenticAMD" else None
        model += f" (family {family} model {number}{', ' + core if core else ''})"
    return {"model": model,
            "flags": [f for f in RELEVANT_FLAGS if f in flags],
            "all_flags": flags,
            "logical_cpus": os.cpu_count()}


def _version(module: str) -> str:
    """The module's __version__, else its distribution's version (rapidocr_onnxruntime has none)."""
    from importlib import metadata
    try:
        return __import__(module).__version__
    except AttributeError:
        return metadata.version(module)
    except ImportError:
        return "not installed"


def meta(command: str, quick: bool, threads: list[int], more_modules: tuple = ()) -> dict:
    """The header facts of a run; `more_modules`: further Python packages whose versions it names."""
    import engine_octet
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": command, "quick": quick, "threads": threads, "cpu": cpu(),
            "python": platform.python_version(),
            "versions": {"octet": engine_octet.version(), "onnxruntime": _version("onnxruntime"),
                         "torch": _version("torch"), "openvino": _version("openvino"), "onnx": _version("onnx"),
                         "numpy": _version("numpy")} | {m: _version(m) for m in more_modules}}
