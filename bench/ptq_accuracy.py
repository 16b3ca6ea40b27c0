#!/usr/bin/env python3
"""Static PTQ study (issue 4): accuracy of octet's int8 models, observers and granularities, beside
PyTorch's x86 static PTQ and ONNX Runtime's quantize_static on the same calibration data; int8
latency beside fp32 and the peers; calibration wall time. Writes the `static-ptq` section of
bench/RESULTS.md.

  .venv/bin/python bench/ptq_accuracy.py [--octet build/bin/octet] [--quick]

Data: the MNIST split of scripts/train_examples.py (examples/): 1,000 calibration digits, 1,000 test
digits. Latency: batch 1, interleaved runs (bench/peers/interleave.py), median.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench" / "peers"))
import engine_octet  # noqa: E402
import engine_ort  # noqa: E402
import engine_torch  # noqa: E402
import interleave  # noqa: E402
import sections  # noqa: E402
import stats  # noqa: E402
import sysinfo  # noqa: E402

EX = ROOT / "examples"
MODELS = [("mnist_cnn", "MNIST CNN (default model)"), ("mobilenetv2", "MobileNetV2-style (depthwise)")]
OBSERVERS = ["minmax", "moving_average", "histogram", "percentile", "entropy", "mse"]


def top1(logits: np.ndarray, labels: np.ndarray) -> float:
    return float((logits.argmax(1) == labels).mean() * 100)


def octet_quantize(octet: Path, model: Path, out: Path, *flags) -> float:
    t0 = time.perf_counter()
    done = subprocess.run([str(octet), "quantize", str(model), "-o", str(out), "--mode", "static", "--calib",
                           str(EX / "mnist_calib.npz"), *flags], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"octet quantize {' '.join(flags)}: {done.stderr.strip()}")
    return time.perf_counter() - t0


def octet_logits(octet: Path, model: Path, work: Path) -> np.ndarray:
    out = work / f"{model.stem}.logits.npz"
    subprocess.run([str(octet), "run", str(model), "--data", str(EX / "mnist_test.npz"), "-o", str(out)],
                   capture_output=True, text=True, check=True)
    with np.load(out) as z:
        return z[z.files[0]]


def scores(logits: np.ndarray, labels: np.ndarray, fp32: np.ndarray) -> dict:
    """top-1, and the less noisy closeness to the float model: the share of test digits whose
    predicted class is fp32's, and the mean squared logit error."""
    return {"top1": top1(logits, labels), "agree": float((logits.argmax(1) == fp32.argmax(1)).mean() * 100),
            "mse": float(((logits - fp32) ** 2).mean())}


def study(octet: Path, name: str, work: Path, quick: bool, threads: list[int]) -> dict:
    fp32 = EX / f"{name}.onnx"
    x_test = np.load(EX / "mnist_test.npz")["input"]
    labels = np.load(EX / "mnist_test_labels.npy")
    x_calib = np.load(EX / "mnist_calib.npz")["input"]
    fp32_logits = octet_logits(octet, fp32, work)
    res = {"fp32": top1(fp32_logits, labels), "octet": {}, "calib_s": {}}
    variants = [("per-channel", "histogram")] if name == "mnist_cnn" else \
        [(g, o) for g in ("per-channel", "per-tensor") for o in OBSERVERS]
    for gran, obs in variants:
        for bias_correction in (True, False):
            out = work / f"{name}.{gran}.{obs}.{bias_correction}.onnx"
            flags = ["--observer", obs] + (["--per-tensor"] if gran == "per-tensor" else []) + \
                ([] if bias_correction else ["--no-bias-correction"])
            seconds = octet_quantize(octet, fp32, out, *flags)
            res["octet"][(gran, obs, bias_correction)] = scores(octet_logits(octet, out, work), labels, fp32_logits)
            if (gran, obs) == ("per-channel", "histogram"):
                res["calib_s"]["octet histogram" + ("" if bias_correction else ", no bias correction")] = seconds
                if bias_correction:
                    res["int8_path"] = out
    # Peers on the same calibration data in equal batches of 25 (ORT's histogram calibrators
    # cannot stack a short last batch), evaluated on the same test digits.
    calib = [{"input": x_calib[i:i + 25]} for i in range(0, len(x_calib), 25)]
    tests = [{"input": x_test[i:i + 100]} for i in range(0, len(x_test), 100)]
    ort_int8 = work / f"{name}.ort.qdq.onnx"
    res["calib_s"]["ORT quantize_static (MinMax)"] = engine_ort.quantize(fp32, ort_int8, "static", calib)
    ort_run = engine_ort.OrtRunner(ort_int8, 1, tests[0])
    res["ort"] = scores(ort_run.infer(tests)[0], labels, fp32_logits)
    ort_run.close()
    ent = work / f"{name}.ort.entropy.onnx"
    res["calib_s"]["ORT quantize_static (Entropy, histogram)"] = engine_ort.quantize(fp32, ent, "static", calib,
                                                                                     method="Entropy")
    from onnx_to_torch import convert
    torch_fp32 = convert(fp32).eval()
    torch_int8, res["calib_s"]["torch x86 prepare/calibrate/convert"] = engine_torch.quantize(
        torch_fp32, "static", calib, ["input"])
    run = engine_torch.TorchRunner(torch_int8, 1, tests[0], ["input"])
    res["torch"] = scores(run.infer(tests)[0], labels, fp32_logits)
    # Latency, batch 1, interleaved.
    one = {"input": x_test[:1]}
    res["latency"] = {}
    for t in threads:
        runners = {"octet fp32": engine_octet.OctetRunner(fp32, t, one),
                   "octet int8": engine_octet.OctetRunner(res["int8_path"], t, one),
                   "ORT fp32": engine_ort.OrtRunner(fp32, t, one),
                   "ORT int8 (QDQ)": engine_ort.OrtRunner(ort_int8, t, one),
                   "torch fp32": engine_torch.TorchRunner(torch_fp32, t, one, ["input"]),
                   "torch int8 (x86)": engine_torch.TorchRunner(torch_int8, t, one, ["input"])}
        lat, failed = interleave.measure(runners, interleave.QUICK if quick else interleave.FULL)
        for r in runners.values():
            r.close()
        res["latency"][t] = {k: stats.median(v) for k, v in lat.items()} | {k: None for k in failed}
    return res


def render(results: dict, meta: dict) -> str:
    lines = ["## Static PTQ (issue 4): accuracy, latency, calibration time", "",
             f"Command: `{meta['command']}` ({meta['date']}, {meta['cpu'].get('model', '?')}, load before the run "
             f"{meta['load']}). Data: 1,000 calibration and 1,000 test MNIST digits (examples/). octet's default "
             "qconfig: histogram activations (u8 affine), per-channel s8 weights. Peers: PyTorch x86 FX static PTQ "
             "(default x86 qconfig), ONNX Runtime quantize_static (QDQ, per-channel, u8/s8, MinMax), same "
             "calibration batches. octet rows use bias correction (on by default) unless marked; "
             "`same class as fp32` and `logit MSE` compare with the fp32 model on the test digits (top-1 on 1,000 "
             "digits moves in steps of 0.1 and is noisier).", ""]
    for name, title in MODELS:
        r = results.get(name)
        if r is None:
            continue
        lines += [f"### {title}", "",
                  "| quantizer | top-1 % | drop (points; negative: better than fp32) | same class as fp32 % | "
                  "logit MSE vs fp32 |", "|---|---|---|---|---|", f"| fp32 (octet) | {r['fp32']:.2f} | | | |"]
        rows = [(f"octet {gran} {obs}" + ("" if bc else ", no bias correction"), sc)
                for (gran, obs, bc), sc in r["octet"].items()]
        rows += [("PyTorch x86 static PTQ", r["torch"]), ("ONNX Runtime quantize_static QDQ", r["ort"])]
        lines += [f"| {label} | {sc['top1']:.2f} | {r['fp32'] - sc['top1']:+.2f} | {sc['agree']:.1f} | "
                  f"{sc['mse']:.4f} |" for label, sc in rows]
        lines += ["", "Latency, batch 1, median ms (ratio to octet int8):", ""]
        keys = list(next(iter(r["latency"].values())).keys())
        lines += ["| threads | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
        for t, lat in r["latency"].items():
            base = lat.get("octet int8")
            cells = [("failed" if lat[k] is None else f"{lat[k]:.3f}" +
                      (f" ({lat[k] / base:.2f}x)" if base and lat[k] else "")) for k in keys]
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
        lines += ["", "Calibration wall time (1,000 samples, quantizer end to end):", ""]
        lines += [f"- {k}: {v:.2f} s" for k, v in r["calib_s"].items()]
        lines.append("")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--octet", type=Path, default=ROOT / "build" / "bin" / "octet")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--markdown", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = p.parse_args()
    engine_octet.BINARY = args.octet.resolve()
    threads = [int(t) for t in args.threads.split(",")]
    meta = sysinfo.meta("make bench-ptq" + (" QUICK=1" if args.quick else ""), args.quick, threads)
    meta["load"] = open("/proc/loadavg").read().split()[0]
    results = {}
    with tempfile.TemporaryDirectory(prefix="octet_ptq_") as tmp:
        for name, title in MODELS:
            if not (EX / f"{name}.onnx").is_file():
                print(f"skip {name}: examples/{name}.onnx missing (scripts/train_examples.py)", flush=True)
                continue
            print(f"== {title}", flush=True)
            results[name] = study(args.octet, name, Path(tmp), args.quick, threads)
    text = render(results, meta)
    print(text)
    sections.replace_section(args.markdown, "static-ptq", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
