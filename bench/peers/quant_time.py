"""Quantizer wall time side by side, one CPU each, on the harness's calibration samples:
`octet quantize` (default settings) at --threads 1 and 2, optionally an earlier octet binary at
--threads 1, and ONNX Runtime's quantize_static with MinMax and Entropy calibration pinned to one
CPU (engine_ort.quantize(one_cpu=True)). One JSON line per model. The harness's own table
(make bench-peers) times octet and ORT the same way inside its full run; this is the quick probe.

  .venv/bin/python bench/peers/quant_time.py resnet50 deit_small [--before /path/to/old/octet]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import engine_octet
import engine_ort
import suite


def octet_seconds(binary: Path, model: Path, calib_npz: Path, out: Path, threads: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(binary), "quantize", str(model), "-o", str(out), "--mode", "static", "--threads",
                    str(threads), "--calib", str(calib_npz)], capture_output=True, check=True)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="+", help="static models of bench/models.json (built like the harness builds them)")
    p.add_argument("--before", type=Path, help="an earlier octet binary, timed at --threads 1 beside")
    args = p.parse_args()
    models = {m.name: m for m in suite.load_suite()}
    for name in args.models:
        model = models[name]
        path = suite.resolve_onnx(model)
        calib = suite.calib_feeds(model, path, model.variants[0], True)
        with tempfile.TemporaryDirectory(prefix="octet_quant_time_") as tmp:
            npz = Path(tmp) / "calib.npz"
            np.savez(npz, **{k: np.concatenate([f[k] for f in calib]) for k in calib[0]})
            row = {"model": name, "samples": len(calib)}
            if args.before:
                row["octet_before_t1"] = octet_seconds(args.before, path, npz, Path(tmp) / "before.onnx", 1)
            for threads in (1, 2):
                row[f"octet_t{threads}"] = octet_seconds(engine_octet.binary(), path, npz, Path(tmp) / "o.onnx", threads)
            for method in ("MinMax", "Entropy"):
                row[f"ort_{method}_1cpu"] = engine_ort.quantize(path, Path(tmp) / "r.onnx", "static", calib, method,
                                                                one_cpu=True)
            print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}), flush=True)


if __name__ == "__main__":
    main()
