#!/usr/bin/env python3
"""octet's answer does not depend on the CPU: every kernel path gives the same bits end to end.

  check_isa_paths.py OCTET_BIN [--work DIR] [--threads N]

Runs each model below with `octet run` once per INT8 kernel path this CPU has (OCTET_ISA=ref,
avx2, avx512bw, avxvnni, avx512vnni; `octet --version` lists them) and requires the outputs of
every path to equal the best path's byte for byte:
- the bundled MNIST CNN and MobileNetV2-style net, quantized by `octet quantize --mode static`
  (whole networks on INT8 convolutions, depthwise, pooling, GEMMs), on 1000 / 200 test digits;
- all-MiniLM-L6-v2 quantized by `octet quantize --mode dynamic` (dynamic INT8 GEMMs between float
  attention, LayerNorm and GELU), and the same model in fp32;
- the LSTM and GRU fixtures quantized by `octet quantize --mode dynamic` (X's range per time step,
  H's per step, float gates);
- ONNX Runtime's quantize_static QDQ MNIST CNN (u8 and s8 activations) and quantize_dynamic MiniLM
  (MatMulInteger), as octet lowers and runs them.
The float parts run on oneDNN, whose own ISA this check leaves alone (on another CPU oneDNN may
round differently; `make test` covers that by running the tolerance checks with oneDNN capped).
Prints PASS/FAIL per model, then 'N passed, M failed'; exits 1 if any check failed.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "real_models"))
from check_quantized_interop import (EXAMPLES, minilm_feeds, octet, ort_dynamic_minilm,  # noqa: E402
                                     ort_static_mnist)
from check_real_models import CheckFailed, kernel_paths, prepare, run_checks  # noqa: E402


def run_on_path(octet_bin: Path, isa: str, model: Path, feeds: list[str], out: Path, threads: int) -> dict:
    """`octet run` with OCTET_ISA=isa; the outputs by name."""
    env = dict(os.environ, OCTET_ISA=isa)
    proc = subprocess.run([str(octet_bin), "run", str(model), *feeds, "-o", str(out), "--threads", str(threads)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise CheckFailed(f"OCTET_ISA={isa} octet run {model.name} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    with np.load(out) as z:
        return {k: z[k] for k in z.files}


def same_bits_on_every_path(octet_bin: Path, work: Path, threads: int, model: Path, feeds: list[str]) -> str:
    best, supported = kernel_paths(octet_bin)
    paths = [best] + [isa for isa in supported if isa != best]
    want = run_on_path(octet_bin, best, model, feeds, work / f"{model.stem}.{best}.npz", threads)
    for isa in paths[1:]:
        got = run_on_path(octet_bin, isa, model, feeds, work / f"{model.stem}.{isa}.npz", threads)
        for name, value in want.items():
            other = got.get(name)
            if other is None or other.dtype != value.dtype or other.shape != value.shape:
                raise CheckFailed(f"{isa}: output '{name}' missing or of another type or shape")
            if other.tobytes() != value.tobytes():
                differ = np.count_nonzero(other.view(np.uint8) != value.view(np.uint8))
                raise CheckFailed(f"{isa} vs {best}: output '{name}' differs in {differ} bytes, max |diff| "
                                  f"{np.nanmax(np.abs(other.astype(np.float64) - value)):.3g}")
    shapes = ", ".join(f"{k} {list(v.shape)}" for k, v in want.items())
    return f"same bits on {', '.join(paths)} ({shapes})"


def static_example(name: str, samples: int):
    def check(octet_bin: Path, work: Path, threads: int) -> str:
        model = work / f"{name}.octet.int8.onnx"
        octet(octet_bin, "quantize", EXAMPLES / f"{name}.onnx", "-o", model, "--mode", "static",
              "--calib", EXAMPLES / "mnist_calib.npz")
        data = work / f"mnist_test.{samples}.npz"
        np.savez(data, input=np.load(EXAMPLES / "mnist_test.npz")["input"][:samples])
        return same_bits_on_every_path(octet_bin, work, threads, model, ["--data", str(data)])
    return check


def minilm_inputs(work: Path) -> list[str]:
    _, paths = minilm_feeds(work)
    return [arg for name, path in paths.items() for arg in ("-i", f"{name}={path}")]


def check_minilm_fp32(octet_bin: Path, work: Path, threads: int) -> str:
    return same_bits_on_every_path(octet_bin, work, threads, work / "minilm.onnx", minilm_inputs(work))


def check_minilm_dynamic(octet_bin: Path, work: Path, threads: int) -> str:
    model = work / "minilm.octet.dynamic.onnx"
    octet(octet_bin, "quantize", work / "minilm.onnx", "-o", model, "--mode", "dynamic")
    return same_bits_on_every_path(octet_bin, work, threads, model, minilm_inputs(work))


def ort_static(activations: str):
    def check(octet_bin: Path, work: Path, threads: int) -> str:
        data = work / "mnist_test.1000.npz"
        np.savez(data, input=np.load(EXAMPLES / "mnist_test.npz")["input"][:1000])
        model = ort_static_mnist(work, activations)
        return same_bits_on_every_path(octet_bin, work, threads, model, ["--data", str(data)])
    return check


def rnn_fixture_dynamic(name: str):
    def check(octet_bin: Path, work: Path, threads: int) -> str:
        fixture = ROOT / "tests" / "fixtures" / "models" / name
        model = work / f"{name}.octet.dynamic.onnx"
        octet(octet_bin, "quantize", fixture.with_suffix(".onnx"), "-o", model, "--mode", "dynamic")
        feeds = []
        with np.load(fixture.with_suffix(".inputs.npz")) as z:
            for key in z.files:
                np.save(work / f"{name}.{key}.npy", z[key])
                feeds += ["-i", f"{key}={work / f'{name}.{key}.npy'}"]
        return same_bits_on_every_path(octet_bin, work, threads, model, feeds)
    return check


def check_ort_dynamic(octet_bin: Path, work: Path, threads: int) -> str:
    return same_bits_on_every_path(octet_bin, work, threads, ort_dynamic_minilm(work), minilm_inputs(work))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("octet", type=Path, help="the octet CLI binary")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "models")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if os.environ.get("OCTET_ISA"):
        parser.error("OCTET_ISA is set: this check chooses the path of each run itself")
    args.work.mkdir(parents=True, exist_ok=True)
    prepare(args.work)
    checks = [("MNIST CNN, octet static INT8", static_example("mnist_cnn", 1000)),
              ("MobileNetV2-style, octet static INT8", static_example("mobilenetv2", 200)),
              ("MiniLM fp32", check_minilm_fp32),
              ("MiniLM, octet dynamic INT8", check_minilm_dynamic),
              ("LSTM fixture, octet dynamic INT8", rnn_fixture_dynamic("lstm_op17")),
              ("GRU fixture, octet dynamic INT8", rnn_fixture_dynamic("gru_op17")),
              ("MNIST CNN, ONNX Runtime QDQ (u8 activations)", ort_static("QUInt8")),
              ("MNIST CNN, ONNX Runtime QDQ (s8 activations)", ort_static("QInt8")),
              ("MiniLM, ONNX Runtime quantize_dynamic", check_ort_dynamic)]
    return run_checks(checks, args)


if __name__ == "__main__":
    sys.exit(main())
