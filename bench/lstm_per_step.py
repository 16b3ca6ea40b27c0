#!/usr/bin/env python3
"""Per-step input ranges for dynamic LSTM (issue 27): accuracy and time of a synthetic 3-layer
LSTM speaker encoder (201 linear-spectrogram bins, hidden 256, 160 frames, batch 1; random weights,
the first layer's 8x larger as on unnormalized magnitudes) quantized by `octet quantize --mode
dynamic`, run with X's range per time step (the default) and with one range ("rnn_per_step": false
in the file's octet.dynamic metadata). Prints the cosine to fp32 over 8 spectrograms and
`octet bench` medians, both variants interleaved, for the spectrogram (every step's zero point 0)
and for it minus its mean (a different zero point per step). Numbers: docs/dynamic_ptq.md.

  .venv/bin/python bench/lstm_per_step.py [--octet build/bin/octet] [--rounds 10] [--threads 1]
"""
import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]
SEQ, BINS, HIDDEN, LAYERS = 160, 201, 256, 3


def speaker_encoder(path: Path, rng) -> None:
    nodes, inits, x = [], [numpy_helper.from_array(np.array([1], np.int64), "axis1")], "x"
    for layer in range(LAYERS):
        k = 1 / np.sqrt(HIDDEN)
        shapes = {"W": (1, 4 * HIDDEN, BINS if layer == 0 else HIDDEN), "R": (1, 4 * HIDDEN, HIDDEN),
                  "B": (1, 8 * HIDDEN)}
        for name, shape in shapes.items():
            w = rng.uniform(-k, k, shape).astype(np.float32) * (8 if layer == 0 and name == "W" else 1)
            inits.append(numpy_helper.from_array(w, f"{name}{layer}"))
        nodes.append(helper.make_node("LSTM", [x, f"W{layer}", f"R{layer}", f"B{layer}"], [f"y{layer}"],
                                      name=f"lstm{layer}", hidden_size=HIDDEN))
        nodes.append(helper.make_node("Squeeze", [f"y{layer}", "axis1"], [f"h{layer}"], name=f"squeeze{layer}"))
        x = f"h{layer}"
    graph = helper.make_graph(nodes, "speaker_encoder",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [SEQ, 1, BINS])],
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, [SEQ, 1, HIDDEN])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def spectrogram(rng, shift: int) -> np.ndarray:
    """Linear magnitudes: mostly ~0.03, three bins per frame louder, 0.05 to 31 on a log scale."""
    x = rng.exponential(0.03, (SEQ, 1, BINS)).astype(np.float32)
    for t in range(SEQ):
        peak = 0.05 * 620 ** rng.uniform()
        for j in range(3):
            x[t, 0, (t * 7 + j + shift) % BINS] = peak / (1 + j)
    return x


def octet(binary: Path, *args) -> str:
    return subprocess.run([str(binary), *map(str, args)], check=True, capture_output=True, text=True).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--octet", type=Path, default=ROOT / "build" / "bin" / "octet")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    work = Path(tempfile.mkdtemp(prefix="octet_lstm_per_step_"))
    fp32 = work / "encoder.onnx"
    speaker_encoder(fp32, rng)
    models = {"per step": work / "encoder.step.onnx", "one range": work / "encoder.range.onnx"}
    octet(args.octet, "quantize", fp32, "-o", models["per step"], "--mode", "dynamic")
    m = onnx.load(models["per step"])
    for p in m.metadata_props:
        if p.key == "octet.dynamic":
            p.value = json.dumps(dict(json.loads(p.value), rnn_per_step=False))
    onnx.save(m, models["one range"])

    def run(model: Path, x: np.ndarray) -> np.ndarray:
        np.save(work / "x.npy", x)
        octet(args.octet, "run", model, "-i", f"x={work / 'x.npy'}", "-o", work / "y.npz")
        with np.load(work / "y.npz") as z:
            return z[z.files[0]].ravel().astype(np.float64)

    samples = [spectrogram(rng, s) for s in range(8)]
    want = [run(fp32, x) for x in samples]
    for name, model in models.items():
        cos = [a @ b / np.sqrt((a @ a) * (b @ b)) for a, b in zip(want, (run(model, x) for x in samples))]
        print(f"{name}: cosine to fp32 mean {np.mean(cos):.4f}, min {np.min(cos):.4f}")
    inputs = {"spectrogram": samples[0], "spectrogram - mean": samples[0] - samples[0].mean()}
    for label, x in inputs.items():
        np.save(work / "bench.npy", x)
        times = {name: [] for name in models}
        for _ in range(args.rounds):
            for name, model in models.items():
                out = octet(args.octet, "bench", model, "-i", f"x={work / 'bench.npy'}", "--threads", args.threads,
                            "--iters", 40, "--warmup", 3, "--json")
                times[name].append(json.loads(out)["median_ms"])
        step, one = np.median(times["per step"]), np.median(times["one range"])
        print(f"{label}: one range {one:.2f} ms, per step {step:.2f} ms ({100 * (step / one - 1):+.1f} %), "
              f"median of {args.rounds} interleaved medians, {args.threads} thread(s)")


if __name__ == "__main__":
    main()
