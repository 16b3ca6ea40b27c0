#!/usr/bin/env python3
"""QAT side by side (issue 22): `octet qat` against PyTorch's FX graph mode QAT (torch.ao, x86 backend)
on the bundled MobileNetV2-style model, same data and training settings; top-1 of the INT8 models
and training seconds per epoch at each thread count. Writes the `qat` section of bench/RESULTS.md.

  .venv/bin/python bench/qat_peers.py [--octet build/bin/octet] [--epochs 2] [--threads 1,2] [--quick]

Data: the MNIST split of scripts/train_examples.py (examples/): 4,000 training digits, 1,000 test
digits (--quick: 1 epoch on the first 1,000 training digits). Both tools: SGD, momentum 0.9, batch
32, lr 1e-3, cosine schedule stepped per batch (lr_t = lr * 0.5 * (1 + cos(pi * t / T)), T all
steps), samples shuffled each epoch from seed 0 (each with its own RNG, so the orders differ).
"""
from __future__ import annotations

import argparse
import copy
import math
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench" / "peers"))
sys.path.insert(0, str(ROOT / "scripts"))
import engine_octet  # noqa: E402
import sections  # noqa: E402
import sysinfo  # noqa: E402

EX = ROOT / "examples"
MODEL = EX / "mobilenetv2.onnx"
BATCH, LR, MOMENTUM, SEED = 32, 1e-3, 0.9, 0
# Configurations: (label, octet qat flags) and (label, torch per-channel weights, BN statistics frozen).
OCTET_QAT = [("octet QAT per-channel, BN trained", []),
             ("octet QAT per-channel, BN frozen", ["--freeze-bn-after", "0"]),
             ("octet QAT per-tensor, BN trained", ["--per-tensor"]),
             ("octet QAT per-tensor, BN frozen", ["--per-tensor", "--freeze-bn-after", "0"]),
             ("octet QAT per-tensor, BN trained, --distill kl (no labels)", ["--per-tensor", "--distill", "kl"])]
TORCH_QAT = [("torch.ao QAT per-channel, BN trained", True, False),
             ("torch.ao QAT per-channel, BN frozen", True, True),
             ("torch.ao QAT per-tensor, BN trained", False, False),
             ("torch.ao QAT per-tensor, BN frozen", False, True)]


def run(cmd: list) -> str:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))}: {done.stderr.strip()}")
    return done.stdout


def octet_top1(octet: Path, model: Path) -> float:
    out = run([octet, "eval", model, "--data", EX / "mnist_test.npz", "--labels", EX / "mnist_test_labels.npy"])
    return float(re.search(r"top-1: ([\d.]+)%", out).group(1))


def octet_ptq(octet: Path, work: Path, per_tensor: bool) -> float:
    out = work / f"ptq.{'per-tensor' if per_tensor else 'per-channel'}.onnx"
    run([octet, "quantize", MODEL, "-o", out, "--mode", "static", "--calib", EX / "mnist_calib.npz"] +
        (["--per-tensor"] if per_tensor else []))
    return octet_top1(octet, out)


def octet_qat(octet: Path, work: Path, data: dict, flags: list, epochs: int, threads: int) -> tuple[float, list]:
    """Without --val, so each epoch's seconds are the training loop alone; the written model's top-1
    comes from `octet eval` on octet's INT8 kernels."""
    out = work / "qat.onnx"
    labels = [] if "--distill" in flags else ["--labels", data["train_labels"]]
    text = run([octet, "qat", MODEL, "--train", data["train"], *labels, "--epochs", epochs, "--batch", BATCH,
                "--lr", LR, "--optimizer", "sgd", "--momentum", MOMENTUM, "--schedule", "cosine", "--seed", SEED,
                "--threads", threads, "--no-checkpoint", "-o", out, *flags])
    seconds = [float(s) for s in re.findall(r"^epoch \d+/\d+: .*, ([\d.]+) s", text, re.M)]
    if len(seconds) != epochs:
        raise RuntimeError(f"octet qat printed {len(seconds)} epoch lines, expected {epochs}:\n{text}")
    return octet_top1(octet, out), seconds


def torch_fp32():
    """scripts/train_examples.py's module with the ONNX file's weights (its initializers are named by the
    state_dict keys), checked against ONNX Runtime on the test digits."""
    import onnx
    import onnxruntime as ort
    import torch
    from onnx import numpy_helper
    from train_examples import MobileNetV2Mnist
    model = MobileNetV2Mnist()
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in onnx.load(MODEL).graph.initializer}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    x = np.load(EX / "mnist_test.npz")["input"]
    with torch.no_grad():
        ours = model.eval()(torch.from_numpy(x)).numpy()
    theirs = ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    return model


def torch_qat(fp32, data: dict, per_channel: bool, freeze_bn: bool, epochs: int, threads: int) -> tuple[float, list]:
    import torch
    import torch.nn.functional as F
    from torch.ao.nn.intrinsic.qat import freeze_bn_stats
    from torch.ao.quantization import QConfig, get_default_qat_qconfig_mapping
    from torch.ao.quantization.fake_quantize import default_fused_wt_fake_quant
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_qat_fx
    torch.backends.quantized.engine = "x86"
    torch.set_num_threads(threads)
    torch.manual_seed(SEED)
    mapping = get_default_qat_qconfig_mapping("x86")
    if not per_channel:  # the default's activations (u8 MovingAverageMinMax), per-tensor symmetric s8 weights
        mapping.set_global(QConfig(activation=mapping.global_qconfig.activation, weight=default_fused_wt_fake_quant))
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
    qat = prepare_qat_fx(copy.deepcopy(fp32).train(), mapping, (x[:1],))
    if freeze_bn:
        qat.apply(freeze_bn_stats)
    steps = math.ceil(len(x) / BATCH)
    opt = torch.optim.SGD(qat.parameters(), lr=LR, momentum=MOMENTUM)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.5 * (1 + math.cos(math.pi * t / (epochs * steps))))
    g = torch.Generator().manual_seed(SEED)
    seconds = []
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        t0 = time.perf_counter()
        for s in range(steps):
            b = perm[s * BATCH:(s + 1) * BATCH]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(qat(x[b]), y[b]).backward()
            opt.step()
            sched.step()
        seconds.append(time.perf_counter() - t0)
    int8 = convert_fx(qat.eval())
    x_test = torch.from_numpy(data["x_test"])
    with torch.inference_mode():
        logits = torch.cat([int8(x_test[i:i + 100]) for i in range(0, len(x_test), 100)])
    return float((logits.argmax(1).numpy() == data["y_test"]).mean() * 100), seconds


def load_data(work: Path, quick: bool) -> dict:
    x = np.load(EX / "mnist_train.npz")["input"]
    y = np.load(EX / "mnist_train_labels.npy")
    data = {"x": x, "y": y, "x_test": np.load(EX / "mnist_test.npz")["input"],
            "y_test": np.load(EX / "mnist_test_labels.npy"),
            "train": EX / "mnist_train.npz", "train_labels": EX / "mnist_train_labels.npy"}
    if quick:
        data["x"], data["y"] = x[:1000], y[:1000]
        data["train"], data["train_labels"] = work / "train.npz", work / "train_labels.npy"
        np.savez(data["train"], input=data["x"])
        np.save(data["train_labels"], data["y"])
    return data


def cell(seconds: list | None) -> str:
    return f"{sum(seconds) / len(seconds):.1f}" if seconds else ""


def render(res: dict, meta: dict, threads: list) -> str:
    def top1_cell(by_thread: dict) -> str:
        values = sorted({f"{v:.1f}" for v in by_thread.values()})
        return " / ".join(f"{v:.1f}" for v in by_thread.values()) if len(values) > 1 else values[0]

    lines = ["## QAT (octet vs torch.ao)", "",
             f"Command: `{meta['command']}` ({meta['date']}, {meta['cpu'].get('model', '?')}, flags "
             f"{' '.join(meta['cpu']['flags'])}; load before the run {meta['load']}; torch "
             f"{meta['versions']['torch']}, octet {meta['versions']['octet']}). Model: examples/mobilenetv2.onnx "
             f"(torch: scripts/train_examples.py's `MobileNetV2Mnist` with its weights, logits checked against ONNX "
             f"Runtime). Training: {meta['samples']} MNIST digits, {meta['epochs']} epoch(s), SGD momentum 0.9, batch "
             f"{BATCH}, lr {LR:g}, cosine per batch to 0, seed {SEED} (each tool its own RNG). Top-1 on the 1,000 test "
             "digits of the converted INT8 model (octet: `octet eval` on its INT8 kernels; torch: `convert_fx`, x86 "
             "engine), from the run at each thread count (one figure where they agree). s/epoch: the training loop "
             "only, mean over the epochs (octet's own per-epoch seconds, run without --val; torch: perf_counter "
             "around the batches).", "",
             "BN trained: each Conv+BatchNormalization pair normalizes with the batch statistics and updates the "
             "running ones (octet's default, torch's prepare_qat_fx ConvBn modules); BN frozen: the running "
             "statistics from the first step (octet `--freeze-bn-after 0`, torch `freeze_bn_stats`). torch's "
             "activations follow "
             "its x86 default (u8, MovingAverageMinMax, reduce_range: a 7-bit range); octet's use the full u8 "
             "range.", "",
             "| model / config | top-1 % (INT8) | " + " | ".join(f"s/epoch, {t} thread{'s' * (t > 1)}" for t in threads)
             + " |", "|---|---|" + "---|" * len(threads)]
    for label, by_thread in res.items():
        lines.append(f"| {label} | {top1_cell({t: v[0] for t, v in by_thread.items()})} | " +
                     " | ".join(cell(by_thread.get(t, (0, None))[1]) for t in threads) + " |")
    lines += ["", "Targets (issue 22), from this table:", ""]
    fp32 = res["fp32 (octet eval)"][threads[0]][0]
    mean_top1 = {k: np.mean([v[0] for v in by.values()]) for k, by in res.items()}
    pt = max(mean_top1["octet QAT per-tensor, BN trained"], mean_top1["octet QAT per-tensor, BN frozen"])
    lines.append(f"- per-tensor QAT within 0.2 points of fp32 ({fp32:.1f}): octet's better BN mode {pt:.2f} "
                 f"({'met' if fp32 - pt <= 0.2 else 'missed'})")
    for gran in ("per-channel", "per-tensor"):
        for bn in ("BN frozen", "BN trained"):
            o, t = mean_top1[f"octet QAT {gran}, {bn}"], mean_top1[f"torch.ao QAT {gran}, {bn}"]
            lines.append(f"- top-1 octet >= torch, {gran} ({bn}): {o:.2f} vs {t:.2f} ({'met' if o >= t else 'missed'})")
    for th in threads:
        for bn in ("BN frozen", "BN trained"):
            o = np.mean(res[f"octet QAT per-tensor, {bn}"][th][1])
            t = np.mean(res[f"torch.ao QAT per-tensor, {bn}"][th][1])
            lines.append(f"- s/epoch octet <= torch, per-tensor ({bn}), {th} thread(s): {o:.1f} vs {t:.1f} "
                         f"({o / t:.2f}x, {'met' if o <= t else 'missed'})")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--octet", type=Path, default=ROOT / "build" / "bin" / "octet")
    p.add_argument("--quick", action="store_true", help="1 epoch on 1,000 training digits (smoke run)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--markdown", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = p.parse_args()
    engine_octet.BINARY = args.octet.resolve()
    threads = [int(t) for t in args.threads.split(",")]
    epochs = 1 if args.quick else args.epochs
    command = "make bench-qat" + (" QUICK=1" if args.quick else "")
    meta = sysinfo.meta(command, args.quick, threads) | {"epochs": epochs,
                                                         "load": open("/proc/loadavg").read().split()[0]}
    res: dict = {}
    with tempfile.TemporaryDirectory(prefix="octet_qat_") as tmp:
        work = Path(tmp)
        data = load_data(work, args.quick)
        meta["samples"] = f"{len(data['x']):,}"
        fp32_top1 = octet_top1(args.octet, MODEL)
        res["fp32 (octet eval)"] = {t: (fp32_top1, None) for t in threads}
        for per_tensor in (False, True):
            top1 = octet_ptq(args.octet, work, per_tensor)
            res[f"octet PTQ {'per-tensor' if per_tensor else 'per-channel'} (mnist_calib)"] = \
                {t: (top1, None) for t in threads}
        fp32 = torch_fp32()
        for t in threads:
            for label, flags in OCTET_QAT:
                print(f"== {label}, {t} thread(s)", flush=True)
                res.setdefault(label, {})[t] = octet_qat(args.octet, work, data, flags, epochs, t)
                print(res[label][t], flush=True)
            for label, per_channel, freeze_bn in TORCH_QAT:
                print(f"== {label}, {t} thread(s)", flush=True)
                res.setdefault(label, {})[t] = torch_qat(fp32, data, per_channel, freeze_bn, epochs, t)
                print(res[label][t], flush=True)
    text = render(res, meta, threads)
    print(text)
    sections.replace_section(args.markdown, "qat", text)


if __name__ == "__main__":
    main()
