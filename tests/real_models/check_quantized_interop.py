#!/usr/bin/env python3
"""Quantized models between octet and ONNX Runtime, both ways (issues 4 and 5).

  check_quantized_interop.py OCTET_BIN [--work DIR] [--threads N]

What each check guarantees holds on every x86-64 CPU: octet's INT8 answer is compared with ONNX
Runtime's *reference semantics*, the model computed as written (graph optimizations off, and the
integer ops in exact arithmetic), which no CPU changes. ONNX Runtime's optimized kernels are CPU
dependent: its u8s8 GEMMs saturate int16 pairs (vpmaddubsw) on CPUs without VNNI (ORT documents
this and recommends reduce_range). Agreement with them is printed everywhere and required only on
CPUs with AVX512-VNNI or AVX-VNNI (vpdpbusd does not saturate), which the message names.

- octet static QDQ -> ONNX Runtime: `octet quantize --mode static` on the bundled MNIST CNN; the
  file passes onnx.checker (full check), ONNX Runtime runs it, and its output agrees with octet's
  INT8 output (lowered onto octet's kernels) within one output quantization step on >= 99.9 % of
  the elements of ORT's reference execution. With `--reduce-range` (7-bit activations, no
  saturation possible) agreement with the optimized ORT is required on every CPU.
- ONNX Runtime quantize_static QDQ -> octet: ORT's QDQ models (per-channel weights, u8 and s8
  activations) of the same CNN run every multiply-accumulate on octet's INT8 kernels (checked with
  `inspect --lowered`) and agree with ONNX Runtime's reference execution within one step on
  >= 99.9 % of the elements.
- octet dynamic -> ONNX Runtime: `octet quantize --mode dynamic` on MiniLM; onnx.checker passes,
  ONNX Runtime runs the file (weight-only), and octet's INT8 sentence embeddings have cosine
  >= 0.99 with the fp32 ones.
- ONNX Runtime quantize_dynamic -> octet: ORT's dynamic MiniLM (DynamicQuantizeLinear +
  MatMulInteger + Cast + Mul, ONNX-domain ops only) runs in octet, and octet's sentence embeddings
  of that file have cosine >= 0.99999 with ORT's on the same file with its MatMulIntegers computed
  exactly (in float64, `exact_integer_ops`).
- octet compare on ONNX Runtime's models: its QDQ CNN (every Conv and Gemm a layer, weight SQNR
  against the float weight ORT quantized) and its dynamic MiniLM (every weighted MatMul a layer).
Prints PASS/FAIL per check, then 'N passed, M failed'; exits 1 if any check failed.
"""
import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "real_models"))
import real_models  # noqa: E402
from check_real_models import CheckFailed, cpu_vnni, octet_run, ort_session, run_checks  # noqa: E402

EXAMPLES = ROOT / "examples"
MIN_WITHIN_ONE_STEP = 0.999


def octet(octet_bin: Path, *args) -> str:
    proc = subprocess.run([str(octet_bin), *map(str, args)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise CheckFailed(f"octet {args[0]} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def output_step(model: Path, output: str) -> float:
    """The scale of the DequantizeLinear that writes `output` (the output's quantization step)."""
    m = onnx.load(str(model))
    inits = {t.name: t for t in m.graph.initializer}
    for node in m.graph.node:
        if node.op_type == "DequantizeLinear" and node.output[0] == output:
            return float(onnx.numpy_helper.to_array(inits[node.input[1]]).reshape(-1)[0])
    raise CheckFailed(f"{model.name}: no DequantizeLinear writes '{output}'")


def compare_steps(want: np.ndarray, got: np.ndarray, step: float) -> tuple[float, float]:
    steps = np.abs(want.astype(np.float64) - got) / step
    return float(np.mean(steps <= 1.0001)), float(steps.max())


def mnist_inputs(work: Path) -> tuple[Path, np.ndarray]:
    x = np.load(EXAMPLES / "mnist_test.npz")["input"]
    path = work / "mnist_test_input.npy"
    np.save(path, x)
    return path, x


def ort_outputs(model: Path, feeds: dict, optimized: bool, output: str = "logits") -> np.ndarray:
    """ONNX Runtime's `output`: optimized (its fused kernels), or the reference execution (graph
    optimizations off: every node as written)."""
    so = ort.SessionOptions()
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimized
                                   else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    return ort.InferenceSession(str(model), so, providers=["CPUExecutionProvider"]).run([output], feeds)[0]


def check_octet_static_in_ort(octet_bin: Path, work: Path, threads: int) -> str:
    x_path, x = mnist_inputs(work)
    vnni = cpu_vnni()
    summary = []
    for reduce_range in (False, True):
        out = work / f"mnist_cnn.octet.int8{'.rr' if reduce_range else ''}.onnx"
        octet(octet_bin, "quantize", EXAMPLES / "mnist_cnn.onnx", "-o", out, "--mode", "static", "--calib",
              EXAMPLES / "mnist_calib.npz", *(["--reduce-range"] if reduce_range else []))
        onnx.checker.check_model(onnx.load(str(out)), full_check=True)
        got = octet_run(octet_bin, out, {"input": x_path}, work / "mnist.octet.npz", threads)["logits"]
        step = output_step(out, "logits")
        for optimized in (False, True):
            fraction, worst = compare_steps(ort_outputs(out, {"input": x}, optimized), got, step)
            label = f"{'reduce_range' if reduce_range else '8-bit'} vs ORT {'optimized' if optimized else 'reference'}"
            required = not optimized or reduce_range or vnni
            summary.append(f"{label}: {fraction:.2%} (worst {worst:.0f} steps){'' if required else ', reported only'}")
            if required and fraction < MIN_WITHIN_ONE_STEP:
                raise CheckFailed(f"{label}: {fraction:.4%} of elements within one step (worst {worst:.1f} steps)"
                                  + (f"; required here because this CPU has {vnni}" if optimized else ""))
    return (f"checker ok; within one step: {'; '.join(summary)} ({optimized_rule(vnni)}"
            f"{'' if vnni else '; with reduce_range no int16 pair can saturate: required'})")


def optimized_rule(vnni: str | None) -> str:
    """Why agreement with ONNX Runtime's optimized kernels is or is not required on this CPU."""
    if vnni:
        return f"ORT's optimized u8s8 kernels are exact on this CPU ({vnni}): required"
    return "this CPU has no VNNI: ORT's optimized u8s8 kernels saturate int16 pairs, reported only"


def ort_static_mnist(work: Path, activations: str = "QUInt8") -> Path:
    """ONNX Runtime's quantize_static QDQ model of the MNIST CNN (per-channel weights; QUInt8 or
    QInt8 activations)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    calib = np.load(EXAMPLES / "mnist_calib.npz")["input"][:200]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{"input": calib[i:i + 1]} for i in range(len(calib))])

        def get_next(self):
            return next(self.it, None)

    out = work / f"mnist_cnn.ort.qdq.{activations}.onnx"
    quantize_static(str(EXAMPLES / "mnist_cnn.onnx"), str(out), Reader(), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType[activations], weight_type=QuantType.QInt8)
    return out


def check_ort_static_in_octet(octet_bin: Path, work: Path, threads: int) -> str:
    vnni = cpu_vnni()
    summary = []
    for activations in ("QUInt8", "QInt8"):  # ORT's u8 and s8 activations: both lowered
        out = ort_static_mnist(work, activations)
        lowered = octet(octet_bin, "inspect", out, "--lowered")
        if "Int8Conv" not in lowered or "100.0 % of the multiply-accumulates" not in lowered:
            raise CheckFailed(f"{activations}: octet did not lower ORT's QDQ model onto its INT8 kernels")
        x_path, x = mnist_inputs(work)
        got = octet_run(octet_bin, out, {"input": x_path}, work / "mnist.ortqdq.octet.npz", threads)["logits"]
        step = output_step(out, "logits")
        fraction, worst = compare_steps(ort_outputs(out, {"input": x}, optimized=False), got, step)
        if fraction < MIN_WITHIN_ONE_STEP:
            raise CheckFailed(f"{activations}: {fraction:.4%} of elements within one step (worst {worst:.1f} steps)")
        opt_fraction, opt_worst = compare_steps(ort_outputs(out, {"input": x}, optimized=True), got, step)
        if vnni and opt_fraction < MIN_WITHIN_ONE_STEP:
            raise CheckFailed(f"{activations} vs ORT optimized: {opt_fraction:.4%} of elements within one step (worst "
                              f"{opt_worst:.1f} steps); required here because this CPU has {vnni}")
        summary.append(f"{activations}: octet int8 vs ORT reference {fraction:.2%} within one step (worst "
                       f"{worst:.0f}), vs ORT optimized {opt_fraction:.2%} (worst {opt_worst:.0f})")
    return f"lowered; {'; '.join(summary)} ({optimized_rule(vnni)})"


def check_octet_dynamic_in_ort(octet_bin: Path, work: Path, threads: int) -> str:
    fp32 = work / "minilm.onnx"
    if not fp32.is_file():
        real_models.export_minilm(fp32)
    out = work / "minilm.octet.dynamic.onnx"
    octet(octet_bin, "quantize", fp32, "-o", out, "--mode", "dynamic")
    onnx.checker.check_model(onnx.load(str(out)), full_check=True)
    feeds, paths = minilm_feeds(work)
    want = ort_session(fp32).run(["sentence_embedding"], feeds)[0]
    ort_int8 = ort_session(out).run(["sentence_embedding"], feeds)[0]
    got = octet_run(octet_bin, out, paths, work / "minilm.int8.octet.npz", threads)["sentence_embedding"]
    c_octet, c_ort = cosine(got, want), cosine(ort_int8, want)
    if not np.all(c_octet >= 0.99) or not np.all(c_ort >= 0.99):
        raise CheckFailed(f"cosine to fp32: octet int8 {c_octet.min():.5f}, ORT on octet's file {c_ort.min():.5f}")
    return f"checker ok; cosine to fp32: octet int8 min {c_octet.min():.5f}, ORT (weight-only) min {c_ort.min():.5f}"


def minilm_feeds(work: Path) -> tuple[dict, dict]:
    feeds = real_models.tokenize([
        "The quick brown fox jumps over the lazy dog.",
        "Quantization maps real numbers onto a small set of integers.",
        "It was the best of times, it was the worst of times.",
    ])
    paths = {}
    for name, value in feeds.items():
        paths[name] = work / f"interop.{name}.npy"
        np.save(paths[name], value)
    return feeds, paths


def cosine(a, b):
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def ort_dynamic_minilm(work: Path) -> Path:
    """ONNX Runtime's quantize_dynamic MiniLM (DynamicQuantizeLinear + MatMulInteger, int8 weights)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = work / "minilm.onnx"
    if not fp32.is_file():
        real_models.export_minilm(fp32)
    out = work / "minilm.ort.dynamic.onnx"
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)
    ops = {n.op_type for n in onnx.load(str(out)).graph.node}
    if "MatMulInteger" not in ops:
        raise CheckFailed(f"ORT's dynamic model has no MatMulInteger (ops: {sorted(ops)})")
    return out


def exact_integer_ops(model: onnx.ModelProto) -> onnx.ModelProto:
    """The same model with every MatMulInteger computed in float64: Cast, subtract the zero points,
    MatMul, Cast to int32. Exact (|(a - za)(b - zb)| < 2^16, so sums of up to 2^37 products stay
    below 2^53), so ONNX Runtime's answer is the op's definition on any CPU, where its own u8s8
    kernel saturates int16 pairs on CPUs without VNNI."""
    from onnx import TensorProto, helper

    graph = model.graph
    nodes = []
    for index, node in enumerate(graph.node):
        if node.op_type != "MatMulInteger" or node.domain not in ("", "ai.onnx"):
            nodes.append(node)
            continue
        operands = []
        for i, side in ((0, "a"), (1, "b")):
            x = f"exact_integer_ops.{index}.{side}"
            nodes.append(helper.make_node("Cast", [node.input[i]], [x], to=TensorProto.DOUBLE))
            if len(node.input) > i + 2 and node.input[i + 2]:
                # Scalar zero points (DynamicQuantizeLinear's) and b's per-column [N] broadcast as
                # they are; a per-row a zero point ([M]) would need a trailing axis (not handled).
                zp = f"{x}.zero_point"
                nodes.append(helper.make_node("Cast", [node.input[i + 2]], [zp], to=TensorProto.DOUBLE))
                centred = f"{x}.centred"
                nodes.append(helper.make_node("Sub", [x, zp], [centred]))
                x = centred
            operands.append(x)
        product = f"exact_integer_ops.{index}.y"
        nodes.append(helper.make_node("MatMul", operands, [product]))
        nodes.append(helper.make_node("Cast", [product], [node.output[0]], to=TensorProto.INT32))
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def check_ort_dynamic_in_octet(octet_bin: Path, work: Path, threads: int) -> str:
    out = ort_dynamic_minilm(work)
    model = onnx.load(str(out))
    count = sum(n.op_type == "MatMulInteger" for n in model.graph.node)
    exact = work / "minilm.ort.dynamic.exact.onnx"
    onnx.save(exact_integer_ops(model), str(exact))
    feeds, paths = minilm_feeds(work)
    want = ort_outputs(exact, feeds, optimized=False, output="sentence_embedding")
    got = octet_run(octet_bin, out, paths, work / "minilm.ortdyn.octet.npz", threads)["sentence_embedding"]
    c = cosine(got, want)
    if not np.all(c >= 0.99999):
        raise CheckFailed(f"cosine of octet's embeddings to ORT's exact reference on ORT's file: min {c.min():.6f}")
    vnni = cpu_vnni()
    c_opt = cosine(got, ort_outputs(out, feeds, optimized=True, output="sentence_embedding"))
    if vnni and not np.all(c_opt >= 0.99999):
        raise CheckFailed(f"cosine of octet's embeddings to ORT's optimized run of its file: min {c_opt.min():.6f}; "
                          f"required here because this CPU has {vnni}")
    return (f"{count} MatMulInteger; octet vs ORT on "
            f"the same file, exact reference: min cosine {c.min():.7f}, max |diff| {np.abs(got - want).max():.2e}; "
            f"vs ORT optimized: min cosine {c_opt.min():.7f} ({optimized_rule(vnni)})")


def check_compare_on_ort_models(octet_bin: Path, work: Path, threads: int) -> str:
    """octet compare reads models ONNX Runtime quantized: every Conv/Gemm of the MNIST CNN in ORT's
    QDQ model (ORT does not fold BatchNormalization, so the weight SQNR must pick the unfolded float
    weight), every weighted MatMul and embedding Gather of MiniLM in ORT's dynamic model."""
    import json

    summary = []
    qdq = ort_static_mnist(work)
    report = json.loads(octet(octet_bin, "compare", EXAMPLES / "mnist_cnn.onnx", qdq, "--data",
                              EXAMPLES / "mnist_test.npz", "--samples", "200", "--json", "--threads", threads))
    layers = {l["name"]: l for l in report["layers"]}
    for node in onnx.load(str(EXAMPLES / "mnist_cnn.onnx")).graph.node:
        if node.op_type not in ("Conv", "Gemm"):
            continue
        layer = layers.get(node.name)
        if layer is None or not layer["weights"] or layer["weights"][0]["sqnr_db"] < 30 or layer["sqnr_db"] < 20:
            raise CheckFailed(f"compare on ORT's QDQ CNN: {node.name}: {layer}")
    summary.append(f"QDQ CNN: {len(layers)} layers, worst {report['layers'][0]['name']} "
                   f"{report['layers'][0]['sqnr_db']:.1f} dB")
    dynamic = ort_dynamic_minilm(work)
    feeds, _ = minilm_feeds(work)
    data = work / "interop.minilm.npz"
    np.savez(data, **feeds)
    report = json.loads(octet(octet_bin, "compare", work / "minilm.onnx", dynamic, "--data", data, "--json",
                              "--threads", threads))
    fp32 = onnx.load(str(work / "minilm.onnx"))
    constants = {i.name for i in fp32.graph.initializer}
    weighted = {n.name for n in fp32.graph.node if n.op_type == "MatMul" and n.input[1] in constants}
    found = {l["name"] for l in report["layers"]}
    if not weighted <= found or any(l["sqnr_db"] is None or l["sqnr_db"] < 10 for l in report["layers"]):
        raise CheckFailed(f"compare on ORT's dynamic MiniLM: missing {sorted(weighted - found)[:5]}, "
                          f"worst {report['layers'][:1]}")
    summary.append(f"dynamic MiniLM: {len(weighted)} weighted MatMuls of {len(found)} layers, worst "
                   f"{report['layers'][0]['sqnr_db']:.1f} dB")
    return "; ".join(summary)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("octet", type=Path, help="the octet CLI binary")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "models")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    checks = [("octet static QDQ in ONNX Runtime", check_octet_static_in_ort),
              ("ONNX Runtime QDQ in octet", check_ort_static_in_octet),
              ("octet dynamic in ONNX Runtime", check_octet_dynamic_in_ort),
              ("ONNX Runtime dynamic in octet", check_ort_dynamic_in_octet),
              ("octet compare on ONNX Runtime's models", check_compare_on_ort_models)]
    return run_checks(checks, args, failures=(CheckFailed, onnx.checker.ValidationError))

if __name__ == "__main__":
    sys.exit(main())
