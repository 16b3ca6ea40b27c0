#!/usr/bin/env python3
"""The entropy observer on real models (issue 26): `octet quantize --mode static` with the minmax,
histogram, percentile and entropy observers on the same calibration samples, each model's output
compared with its fp32 output on held-out samples (mean cosine, top-1 agreement, mean squared
error), the best of --repeat quantize wall times, and the share of the calibration values that the
entropy ranges clip.

Models: the bundled MobileNetV2-style net (MNIST calibration / test digits); an EfficientNet-B0
ONNX file (--effb0; timm efficientnet_b0 as scripts/suite_models.py builds it, random weights, so
its outputs are nearly flat and only the cosine means much) on crops of scikit-learn's two sample
photos, ImageNet-normalized, calibration from the left halves and evaluation from the right; the
magika file-type classifier (the installed wheel's model, features by magika's own extraction
from files under /usr/share and /usr/lib, files split by a hash of their path). A model whose
file or package is missing is skipped.

  .venv/bin/python bench/entropy_observer.py [--octet build/bin/octet] [--before OTHER_OCTET]
                                             [--effb0 effb0.onnx] [--repeat 3]

--before runs the entropy observer of another octet build too (the observer before a change).
"""
import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parents[1]
OBSERVERS = ("minmax", "histogram", "percentile", "entropy")


def magika_data(work: Path):
    from magika import Magika
    from magika.types.seekable import Seekable
    cfg = Magika()._model_config
    by_ext = {}
    for root in ("/usr/share", "/usr/lib"):
        for dirpath, dirnames, files in os.walk(root):
            dirnames.sort()
            for f in sorted(files):
                p = os.path.join(dirpath, f)
                if not os.path.islink(p) and os.path.isfile(p) and os.path.getsize(p) >= 64:
                    by_ext.setdefault(Path(p).suffix.lower() or "/" + Path(p).parent.name, []).append(p)
    digest = lambda p: hashlib.md5(p.encode()).hexdigest()  # noqa: E731
    calib, evals = [], []
    for ext in sorted(by_ext):  # at most 4 files of a kind, so no kind dominates
        for p in sorted(by_ext[ext], key=digest)[:4]:
            with open(p, "rb") as fh:
                fs = Magika._extract_features_from_seekable(Seekable(fh), cfg.beg_size, cfg.mid_size, cfg.end_size,
                                                             cfg.padding_token, cfg.block_size,
                                                             cfg.use_inputs_at_offsets)
            if fs.beg[cfg.min_file_size_for_dl - 1] == cfg.padding_token:
                continue  # magika answers these without the model
            (calib if int(digest(p), 16) % 2 == 0 else evals).append(fs.beg[:cfg.beg_size] + fs.end[-cfg.end_size:])
    rng = np.random.default_rng(0)
    calib, evals = np.array(calib, np.int32), np.array(evals, np.int32)
    np.savez(work / "magika_calib.npz", bytes=calib[rng.permutation(len(calib))[:256]])
    np.savez(work / "magika_eval.npz", bytes=evals[rng.permutation(len(evals))[:400]])
    spec = importlib.util.find_spec("magika")
    return Path(spec.origin).parent / "models" / "standard_v3_3" / "model.onnx"


def image_data(work: Path):
    from PIL import Image
    from sklearn.datasets import load_sample_image
    mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
    rng = np.random.default_rng(1)

    def crops(half, n):
        out = []
        for name in ("china.jpg", "flower.jpg"):
            img = load_sample_image(name)
            part = img[:, : img.shape[1] // 2] if half == 0 else img[:, img.shape[1] // 2:]
            for _ in range(n // 2):
                s = int(rng.integers(120, min(part.shape[:2])))
                y, x = int(rng.integers(0, part.shape[0] - s + 1)), int(rng.integers(0, part.shape[1] - s + 1))
                a = (np.asarray(Image.fromarray(part[y:y + s, x:x + s]).resize((224, 224), Image.BILINEAR),
                                np.float32) / 255 - mean) / std
                out.append((a[:, ::-1] if rng.random() < 0.5 else a).transpose(2, 0, 1))
        return np.ascontiguousarray(np.stack(out), dtype=np.float32)

    np.savez(work / "img_calib.npz", input=crops(0, 64))
    np.savez(work / "img_eval.npz", input=crops(1, 100))


def run(octet: Path, model: Path, data: Path, out: Path) -> np.ndarray:
    subprocess.run([str(octet), "run", str(model), "--data", str(data), "-o", str(out)], check=True,
                   capture_output=True)
    y = np.load(out)
    return y[list(y.keys())[0]].reshape(len(y[list(y.keys())[0]]), -1)


def ranges(qdq: Path) -> dict:
    """Activation name -> (lo, hi) of each per-tensor QuantizeLinear of a QDQ model."""
    m = onnx.load(qdq)
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    out = {}
    for n in m.graph.node:
        if n.op_type == "QuantizeLinear" and n.input[0] not in init and init[n.input[1]].size == 1:
            s, z = float(init[n.input[1]]), init[n.input[2]]
            q0, q1 = (0, 255) if z.dtype == np.uint8 else (-128, 127)
            out[n.input[0]] = ((q0 - float(z)) * s, (q1 - float(z)) * s)
    return out


def clipped_shares(model: Path, calib: Path, clip: dict, minmax: dict) -> list:
    """The share of the calibration values more than half a step outside each range of `clip` (the
    zero point's rounding moves a range's ends by up to half a step), for the activations the
    float model computes as the quantizer saw them: where the minmax ranges match the float model's
    min and max within two steps (a value that folding renamed, such as a Conv output with its
    BatchNormalization folded in, does not)."""
    m = onnx.load(model)
    fixed = ("Sigmoid", "Tanh", "Softmax")  # fixed qparams (docs/static_ptq.md): no observer chose them
    names = [v for n in m.graph.node if n.op_type not in fixed for v in n.output if v in clip and v in minmax]
    for v in names:
        m.graph.output.append(onnx.helper.make_empty_tensor_value_info(v))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    data = dict(np.load(calib))
    key = next(iter(data))
    outside, total = dict.fromkeys(names, 0), dict.fromkeys(names, 0)
    lo, hi = dict.fromkeys(names, np.inf), dict.fromkeys(names, -np.inf)
    for b in range(0, len(data[key]), 16):
        for v, y in zip(names, sess.run(names, {key: data[key][b:b + 16]})):
            half = (clip[v][1] - clip[v][0]) / 510  # within half a step of the range is rounding, not clipping
            outside[v] += int(np.count_nonzero((y < clip[v][0] - half) | (y > clip[v][1] + half)))
            total[v] += y.size
            lo[v], hi[v] = min(lo[v], float(y.min())), max(hi[v], float(y.max()))
    same = [v for v in names if max(abs(min(lo[v], 0) - minmax[v][0]), abs(max(hi[v], 0) - minmax[v][1]))
            <= 2 * (minmax[v][1] - minmax[v][0]) / 255]
    return [outside[v] / total[v] for v in same]


def study(name, model: Path, calib: Path, evals: Path, octet: Path, before, work: Path, repeat: int) -> dict:
    ref = run(octet, model, evals, work / f"{name}.fp32.npz")
    rows = {}
    runs = [(obs, octet, obs) for obs in OBSERVERS] + ([("entropy (before)", before, "entropy")] if before else [])
    for label, binary, obs in runs:
        q = work / f"{name}.{label.split()[0]}{'.before' if 'before' in label else ''}.onnx"
        seconds = float("inf")
        for _ in range(repeat):  # the best of `repeat` wall times: this machine is shared
            t = time.perf_counter()
            subprocess.run([str(binary), "quantize", str(model), "-o", str(q), "--mode", "static", "--calib",
                            str(calib), "--observer", obs], check=True, capture_output=True)
            seconds = min(seconds, time.perf_counter() - t)
        y = run(binary, q, evals, work / f"{name}.{label.split()[0]}.npz")
        cos = np.sum(y * ref, 1) / np.maximum(np.linalg.norm(y, axis=1) * np.linalg.norm(ref, axis=1), 1e-30)
        rows[label] = {"cosine": float(cos.mean()), "top1": float(np.mean(y.argmax(1) == ref.argmax(1))),
                       "mse": float(np.mean((y - ref) ** 2)), "seconds": seconds}
        if obs == "entropy":
            shares = clipped_shares(model, calib, ranges(q), ranges(work / f"{name}.minmax.onnx"))
            rows[label]["clipped"] = {"values": len(shares), "min": float(np.min(shares)),
                                      "median": float(np.median(shares)), "max": float(np.max(shares))}
        print(f"{name:12s} {label:17s} cosine {rows[label]['cosine']:.4f} top-1 {100 * rows[label]['top1']:5.1f} % "
              f"output MSE {rows[label]['mse']:.3g} quantize {seconds:6.1f} s", flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--octet", type=Path, default=ROOT / "build" / "bin" / "octet")
    ap.add_argument("--before", type=Path, help="another octet build whose entropy observer to compare")
    ap.add_argument("--effb0", type=Path, default=Path("/tmp/emb/effb0.onnx"))
    ap.add_argument("--repeat", type=int, default=3, help="quantize runs timed per observer (the best counts)")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results["mobilenetv2"] = study("mobilenetv2", ROOT / "examples" / "mobilenetv2.onnx",
                                       ROOT / "examples" / "mnist_calib.npz", ROOT / "examples" / "mnist_test.npz",
                                       args.octet, args.before, work, args.repeat)
        if args.effb0.exists():
            image_data(work)
            results["effb0"] = study("effb0", args.effb0, work / "img_calib.npz", work / "img_eval.npz",
                                     args.octet, args.before, work, args.repeat)
        if importlib.util.find_spec("magika"):
            model = magika_data(work)
            results["magika"] = study("magika", model, work / "magika_calib.npz", work / "magika_eval.npz",
                                      args.octet, args.before, work, args.repeat)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
