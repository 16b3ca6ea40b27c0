"""INT8 kernel peers: octet's GEMM / convolution kernels beside ONNX Runtime (MatMulInteger,
QLinearMatMul, QLinearConv single-op models built with onnx.helper) and PyTorch's x86 quantized
engine (quantized::linear, quantized conv), on the same shapes and thread counts.

Runs are interleaved (every engine takes a turn each round, after the same idle pause as the model
harness's turns, bench/peers/interleave.py) and the median is reported.
The harness imports `run(threads, quick)`; run standalone it prints a markdown table and writes
JSON:  .venv/bin/python bench/peers/kernel_peers.py [--quick] [--threads 1 2] [--out FILE]
octet's numbers come from `octet_bench` (build/bin/, or $OCTET_BENCH_BIN) in JSON mode."""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import interleave
import sysinfo

REPO = Path(__file__).resolve().parents[2]
BENCH_BIN = Path(os.environ.get("OCTET_BENCH_BIN", REPO / "build" / "bin" / "octet_bench"))

# (M, N, K): square, transformer projections (M = tokens), ResNet-50 convolutions as GEMM.
GEMM_FULL = [(s, s, s) for s in (256, 512, 1024, 2048)] + [
    (m, n, k) for m in (1, 8, 128) for k, n in ((384, 384), (384, 1536), (1536, 384), (768, 3072))
] + [(3136, 256, 64), (3136, 64, 576), (784, 128, 1152), (196, 1024, 256)]
GEMM_QUICK = [(512, 512, 512), (1024, 1024, 1024), (1, 384, 384), (128, 1536, 384), (128, 3072, 768)]
# (HW, C, OC, kernel, stride, groups): as in bench/qconv_bench.cc.
CONV_FULL = [(56, 64, 64, 3, 1, 1), (28, 128, 128, 3, 1, 1), (14, 256, 256, 3, 1, 1),
             (112, 32, 32, 3, 1, 32), (56, 144, 144, 3, 2, 144), (28, 192, 192, 3, 1, 192),
             (14, 576, 576, 3, 1, 576), (14, 672, 672, 5, 2, 672), (7, 960, 960, 5, 1, 960)]
CONV_QUICK = [(56, 64, 64, 3, 1, 1), (28, 192, 192, 3, 1, 192)]


def gemm_macs(s):
    m, n, k = s
    return m * n * k


def conv_macs(s):
    hw, c, oc, k, stride, g = s
    out = (hw + 2 * (k // 2) - k) // stride + 1
    return out * out * oc * (c // g) * k * k


# ---------------------------------------------------------------- ONNX Runtime
def _ort_session(model, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def _ort_gemm(shape, threads, op):
    from onnx import TensorProto, helper, numpy_helper
    m, n, k = shape
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.integers(-128, 128, (k, n), dtype=np.int8), "W")
    a_info = helper.make_tensor_value_info("A", TensorProto.UINT8, [m, k])
    inits = [w, numpy_helper.from_array(np.array(128, np.uint8), "a_zp"),
             numpy_helper.from_array(np.array(0, np.int8), "w_zp")]
    if op == "MatMulInteger":
        node = helper.make_node("MatMulInteger", ["A", "W", "a_zp", "w_zp"], ["Y"])
        y_info = helper.make_tensor_value_info("Y", TensorProto.INT32, [m, n])
    else:
        inits += [numpy_helper.from_array(np.array(0.02, np.float32), s) for s in ("a_s", "w_s")]
        inits += [numpy_helper.from_array(np.array(0.5, np.float32), "y_s"),
                  numpy_helper.from_array(np.array(128, np.uint8), "y_zp")]
        node = helper.make_node("QLinearMatMul", ["A", "a_s", "a_zp", "W", "w_s", "w_zp", "y_s", "y_zp"], ["Y"])
        y_info = helper.make_tensor_value_info("Y", TensorProto.UINT8, [m, n])
    graph = helper.make_graph([node], "g", [a_info], [y_info], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    sess = _ort_session(model, threads)
    feed = {"A": rng.integers(0, 256, (m, k), dtype=np.uint8)}
    return lambda: sess.run(None, feed)


def _ort_conv(shape, threads):
    from onnx import TensorProto, helper, numpy_helper
    hw, c, oc, k, stride, g = shape
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.integers(-127, 128, (oc, c // g, k, k), dtype=np.int8), "W"),
             numpy_helper.from_array(np.array(0.02, np.float32), "x_s"),
             numpy_helper.from_array(np.array(128, np.uint8), "x_zp"),
             numpy_helper.from_array(np.full(oc, 0.01, np.float32), "w_s"),
             numpy_helper.from_array(np.zeros(oc, np.int8), "w_zp"),
             numpy_helper.from_array(np.array(0.5, np.float32), "y_s"),
             numpy_helper.from_array(np.array(128, np.uint8), "y_zp"),
             numpy_helper.from_array(np.zeros(oc, np.int32), "B")]
    node = helper.make_node("QLinearConv", ["X", "x_s", "x_zp", "W", "w_s", "w_zp", "y_s", "y_zp", "B"], ["Y"],
                            kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4, group=g)
    x_info = helper.make_tensor_value_info("X", TensorProto.UINT8, [1, c, hw, hw])
    y_info = helper.make_tensor_value_info("Y", TensorProto.UINT8, None)
    model = helper.make_model(helper.make_graph([node], "g", [x_info], [y_info], inits),
                              opset_imports=[helper.make_opsetid("", 13)])
    sess = _ort_session(model, threads)
    feed = {"X": rng.integers(0, 256, (1, c, hw, hw), dtype=np.uint8)}
    return lambda: sess.run(None, feed)


# ---------------------------------------------------------------- PyTorch (x86 engine)
def _torch_setup(threads):
    import torch
    torch.backends.quantized.engine = "x86"
    torch.set_num_threads(threads)
    return torch


def _torch_linear(shape, threads):
    torch = _torch_setup(threads)
    m, n, k = shape
    w = torch.quantize_per_channel(torch.randn(n, k), torch.full((n,), 0.01), torch.zeros(n, dtype=torch.long), 0,
                                   torch.qint8)
    packed = torch.ops.quantized.linear_prepack(w, torch.zeros(n))
    x = torch.quantize_per_tensor(torch.rand(m, k), 0.02, 128, torch.quint8)
    return lambda: torch.ops.quantized.linear(x, packed, 0.5, 128)


def _torch_conv(shape, threads):
    torch = _torch_setup(threads)
    hw, c, oc, k, stride, g = shape
    conv = torch.ao.nn.quantized.Conv2d(c, oc, k, stride=stride, padding=k // 2, groups=g)
    w = torch.quantize_per_channel(torch.randn(oc, c // g, k, k), torch.full((oc,), 0.01),
                                   torch.zeros(oc, dtype=torch.long), 0, torch.qint8)
    conv.set_weight_bias(w, torch.zeros(oc))
    conv.scale, conv.zero_point = 0.5, 128
    x = torch.quantize_per_tensor(torch.rand(1, c, hw, hw), 0.02, 128, torch.quint8)
    x = x.contiguous(memory_format=torch.channels_last)  # fbgemm's native layout, like octet's NHWC
    return lambda: conv(x)


# ---------------------------------------------------------------- octet (octet_bench)
def _octet(kind, shape, threads, op):
    if not BENCH_BIN.exists():
        raise FileNotFoundError(f"{BENCH_BIN} not built (cmake -DOCTET_BENCH=ON, or set OCTET_BENCH_BIN)")
    if kind == "gemm":
        m, n, k = shape
        name = f"BM_{op}/M:{m}/N:{n}/K:{k}/threads:{threads}/"
    else:
        hw, c, oc, kk, stride, g = shape
        name = f"BM_qconv_u8s8/HW:{hw}/C:{c}/OC:{oc}/k:{kk}/stride:{stride}/groups:{g}/threads:{threads}/"

    def once():
        out = subprocess.run([str(BENCH_BIN), f"--benchmark_filter=^{re.escape(name)}",
                              "--benchmark_format=json", "--benchmark_min_time=0.05"],
                             check=True, capture_output=True, text=True).stdout
        runs = json.loads(out)["benchmarks"]
        if not runs:
            raise RuntimeError(f"octet_bench has no benchmark {name}")
        return runs[0]["real_time"] * {"ns": 1e-3, "us": 1.0, "ms": 1e3}[runs[0]["time_unit"]]
    return once


def _timed(fn, reps):
    """Median microseconds of `reps` calls of a Python callable."""
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(ts)


def _has_vnni() -> bool:
    flags = sysinfo.cpu()["all_flags"]
    return "avx512_vnni" in flags or "avx_vnni" in flags


def notes() -> dict:
    """What each GEMM row computes: the ops differ in their output (MatMulInteger stops at int32,
    the others requantize to u8) and, without VNNI, in exactness."""
    int32_out = "int32 output, no requantization (the other rows requantize to u8)"
    out = {("octet", "qgemm_u8s8_7bit"): "activations 0..127 only (reduce_range): exact then; its own weight packing",
           ("octet", "qgemm_u8s8_int32"): f"{int32_out}: what MatMulInteger computes",
           ("onnxruntime", "MatMulInteger"): int32_out}
    if not _has_vnni():
        saturates = "no VNNI here: vpmaddubsw, saturates int16 (ORT docs: reduce_range)"
        out[("octet", "qgemm_u8s8")] = "exact for any u8 x s8 (no VNNI here: 16-bit madd)"
        out[("onnxruntime", "MatMulInteger")] = f"{int32_out}; {saturates}"
        out[("onnxruntime", "QLinearMatMul")] = saturates
    return out


def run(threads: list[int], quick: bool) -> list[dict]:
    """Rows with keys shape, threads, engine, op, median_us, gops, note (None and an 'error' on
    failure)."""
    cases = [("gemm", s, gemm_macs(s)) for s in (GEMM_QUICK if quick else GEMM_FULL)]
    cases += [("conv", s, conv_macs(s)) for s in (CONV_QUICK if quick else CONV_FULL)]
    rounds, reps = (3, 5) if quick else (7, 10)
    rows, row_notes = [], notes()
    for kind, shape, macs in cases:
        for t in threads:
            engines = {}
            for op in ("qgemm_u8s8", "qgemm_u8s8_7bit", "qgemm_u8s8_int32") if kind == "gemm" else ("qconv_u8s8",):
                engines[("octet", op)] = lambda op=op: _octet(kind, shape, t, op)
            if kind == "gemm":
                engines[("onnxruntime", "MatMulInteger")] = lambda: _ort_gemm(shape, t, "MatMulInteger")
                engines[("onnxruntime", "QLinearMatMul")] = lambda: _ort_gemm(shape, t, "QLinearMatMul")
                engines[("torch", "quantized.linear")] = lambda: _torch_linear(shape, t)
            else:
                engines[("onnxruntime", "QLinearConv")] = lambda: _ort_conv(shape, t)
                engines[("torch", "quantized.conv2d")] = lambda: _torch_conv(shape, t)
            fns, times, errors = {}, {key: [] for key in engines}, {}
            for key, make in engines.items():
                try:
                    fns[key] = make()
                    fns[key]()  # warm-up (and first-call packing)
                except Exception as err:  # an engine that cannot run the shape is a result
                    errors[key] = f"{type(err).__name__}: {str(err).splitlines()[0][:120] if str(err) else ''}"
            for _ in range(rounds):  # interleaved: every engine takes a turn each round
                for key, fn in fns.items():
                    if key in errors:
                        continue
                    # The model harness's rule (interleave.py): a turn starts after the previous
                    # engine's spinning threads have stopped. octet_bench warms up in its own
                    # process; the in-process peers get one unrecorded call after the pause.
                    time.sleep(interleave.FULL.quiet_s)
                    try:
                        if key[0] != "octet":
                            fn()
                        times[key].append(fn() if key[0] == "octet" else _timed(fn, reps))
                    except Exception as err:
                        errors[key] = f"{type(err).__name__}: {str(err)[:120]}"
            for key in engines:
                med = statistics.median(times[key]) if times[key] and key not in errors else None
                row = {"shape": "x".join(map(str, shape)), "kind": kind, "threads": t, "engine": key[0],
                       "op": key[1], "median_us": med, "gops": 2 * macs / med * 1e-3 if med else None,
                       "note": row_notes.get(key, "")}
                if key in errors:
                    row["error"] = errors[key]
                rows.append(row)
    return rows


def markdown(rows: list[dict]) -> str:
    lines = ["| kind | shape | threads | engine | op | median us | GOPS | note |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        us = f"{r['median_us']:.1f}" if r["median_us"] else r.get("error", "n/a")
        gops = f"{r['gops']:.1f}" if r["gops"] else ""
        lines.append(f"| {r['kind']} | {r['shape']} | {r['threads']} | {r['engine']} | {r['op']} | {us} | {gops} "
                     f"| {r.get('note', '')} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "kernel_peers.json")
    args = ap.parse_args(argv)
    rows = run(args.threads, args.quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    print(markdown(rows))
    print(f"\nJSON: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
