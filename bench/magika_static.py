#!/usr/bin/env python3
"""Static INT8 accuracy of octet on Magika's file-type classifier (the `magika` wheel's
standard_v3_3 model: jax2tf's written-out LayerNorms and softmax), against octet's own fp32 run.

  .venv/bin/python bench/magika_static.py [--octet build/bin/octet] [--work DIR]

Inputs are Magika's own features (its `_extract_features_from_seekable`: the first and last 1024
bytes, whitespace stripped, padded with 256) of real files under /usr/share, /usr/lib and /etc, split
by a hash of the path: calibration and evaluation files never overlap. Prints the quantize summary,
then the output cosine to fp32 (mean over samples) and the top-1 agreement.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import zlib
from pathlib import Path

import magika
import numpy as np
from magika import Magika
from magika.types.seekable import Seekable

ROOT = Path(__file__).resolve().parents[1]
MODEL = Path(magika.__file__).parent / "models/standard_v3_3/model.onnx"
DIRS = ["/usr/share", "/usr/lib", "/etc"]


def files(min_size: int = 8) -> list[str]:
    out = []
    for top in DIRS:
        for d, _, names in os.walk(top):
            for n in names:
                p = os.path.join(d, n)
                if os.path.isfile(p) and not os.path.islink(p) and os.path.getsize(p) >= min_size:
                    out.append(p)
    return sorted(out, key=lambda p: zlib.crc32(p.encode()))  # spread over directories


def features(path: str) -> np.ndarray:
    with open(path, "rb") as f:
        fs = Magika._extract_features_from_seekable(Seekable(f), 1024, 0, 1024, 256, 4096, False)
    return np.array(fs.beg + fs.end, dtype=np.int32)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--octet", default=str(ROOT / "build/bin/octet"))
    ap.add_argument("--work", default="/tmp/magika_static")
    ap.add_argument("--calib", type=int, default=256)
    ap.add_argument("--eval", type=int, default=512)
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    all_files = files()
    calib = [p for p in all_files if zlib.crc32(p.encode()) % 2 == 0][: args.calib]
    evals = [p for p in all_files if zlib.crc32(p.encode()) % 2 == 1][: args.eval]
    np.savez(work / "calib.npz", bytes=np.stack([features(p) for p in calib]))
    np.save(work / "eval.npy", np.stack([features(p) for p in evals]))
    print(f"{len(calib)} calibration files, {len(evals)} evaluation files; model {MODEL}")

    def run(model: Path, out: str) -> np.ndarray:
        subprocess.run([args.octet, "run", str(model), "-i", f"bytes={work / 'eval.npy'}", "-o", str(work / out)],
                       check=True, stdout=subprocess.DEVNULL)
        return next(iter(np.load(work / out).values()))

    q = work / "magika.int8.onnx"
    subprocess.run([args.octet, "quantize", str(MODEL), "-o", str(q), "--mode", "static",
                    "--calib", str(work / "calib.npz")], check=True)
    ref, got = run(MODEL, "fp32.npz"), run(q, "int8.npz")
    cos = (ref * got).sum(1) / np.maximum(np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1), 1e-30)
    agree = (ref.argmax(1) == got.argmax(1)).mean() * 100
    print(f"output cosine to fp32: mean {cos.mean():.4f} (min {cos.min():.4f}); top-1 agreement {agree:.1f} %")


if __name__ == "__main__":
    main()
