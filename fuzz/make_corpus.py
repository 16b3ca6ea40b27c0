"""Writes the fuzzers' seed corpora (committed) into fuzz/corpus/<harness>/:

  onnx_import/, onnx_run/  the same small valid ONNX models (a few hundred bytes each): a CNN, an
                           MLP with LayerNorm, shape ops in opsets 11 and 17, QDQ Conv and MatMul
                           (lowered onto the INT8 kernels), QLinear ops, dynamic quantization ops,
                           LSTM and GRU, If, upsampling and pooling, external data read from the
                           harness's scratch folder (fuzz/fuzz_model.h: weights.bin)
  npy/                     .npy of every dtype octet reads, Fortran order, format 2.0, a scalar, an
                           empty array; .npz stored and compressed
  qconfig/                 qconfig JSON files (docs/static_ptq.md "QConfig")

Seeds only need to be valid and varied; the fuzzers mutate them. Small weights keep each model
well under libFuzzer's default input size, so mutations reach the graph, not just the weights.

Run: .venv/bin/python fuzz/make_corpus.py   (deterministic: fixed seeds)
"""
import io
import json
import os
import shutil
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
rng = np.random.default_rng(0)
F = TensorProto.FLOAT


def weights(name, shape, dtype=np.float32):
    a = rng.standard_normal(shape).astype(np.float32)
    if np.issubdtype(dtype, np.integer):
        a = np.clip(np.round(a * 40), np.iinfo(dtype).min, np.iinfo(dtype).max)
    return numpy_helper.from_array(a.astype(dtype), name)


def const(name, values, dtype):
    return numpy_helper.from_array(np.array(values, dtype=dtype), name)


def model(name, nodes, inputs, outputs, inits=(), opset=17, extra_opsets=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="octet-fuzz")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def cnn():
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["g"], transB=1),
        helper.make_node("Softmax", ["g"], ["y"], axis=1),
    ]
    inits = [weights("w", [2, 1, 3, 3]), weights("b", [2]), weights("fw", [3, 18]), weights("fb", [3])]
    return model("cnn", nodes, [vi("x", ["N", 1, 6, 6])], [vi("y", ["N", 3])], inits)


def mlp():
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["m"]),
        helper.make_node("Add", ["m", "b1"], ["a"]),
        helper.make_node("LayerNormalization", ["a", "gamma", "beta"], ["n"], axis=-1),
        helper.make_node("Tanh", ["n"], ["t"]),
        helper.make_node("MatMul", ["t", "w2"], ["m2"]),
        helper.make_node("Sigmoid", ["m2"], ["y"]),
    ]
    inits = [weights("w1", [4, 4]), weights("b1", [4]), weights("gamma", [4]), weights("beta", [4]),
             weights("w2", [4, 2])]
    return model("mlp", nodes, [vi("x", ["batch", 4])], [vi("y", ["batch", 2])], inits)


def shapes_op17():
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 1]),
        helper.make_node("Reshape", ["t", "shape"], ["r"]),
        helper.make_node("Slice", ["r", "starts", "ends", "axes"], ["s"]),
        helper.make_node("Concat", ["s", "s"], ["c"], axis=1),
        helper.make_node("Gather", ["c", "idx"], ["g"], axis=1),
        helper.make_node("Unsqueeze", ["g", "axes"], ["u"]),
        helper.make_node("Squeeze", ["u", "axes"], ["q"]),
        helper.make_node("ReduceMean", ["q"], ["m"], axes=[1], keepdims=1),
        helper.make_node("Expand", ["m", "eshape"], ["e"]),
        helper.make_node("Tile", ["e", "reps"], ["ti"]),
        helper.make_node("Pad", ["ti", "pads"], ["p"], mode="reflect"),
        helper.make_node("Greater", ["p", "zero"], ["gt"]),
        helper.make_node("Where", ["gt", "p", "zero"], ["w"]),
        helper.make_node("Cast", ["w"], ["i"], to=TensorProto.INT64),
        helper.make_node("Cast", ["i"], ["y"], to=F),
        helper.make_node("Shape", ["x"], ["shp"]),
        helper.make_node("ConstantOfShape", ["shp"], ["zeros"]),
        helper.make_node("Range", ["r0", "r5", "r1"], ["rng"]),
    ]
    inits = [const("shape", [2, -1], np.int64), const("starts", [1], np.int64), const("ends", [10], np.int64),
             const("axes", [1], np.int64), const("idx", [0, 2, 4], np.int64), const("eshape", [2, 3], np.int64),
             const("reps", [1, 2], np.int64), const("pads", [0, 1, 0, 1], np.int64), const("zero", 0.0, np.float32),
             const("r0", 0, np.int64), const("r5", 5, np.int64), const("r1", 1, np.int64)]
    outs = [vi("y", [2, 8]), vi("zeros", [2, 3, 4]), helper.make_tensor_value_info("rng", TensorProto.INT64, [5])]
    return model("shapes17", nodes, [vi("x", [2, 3, 4])], outs, inits)


def shapes_op11():  # attribute forms that later opsets moved to inputs
    nodes = [
        helper.make_node("Unsqueeze", ["x"], ["u"], axes=[0]),
        helper.make_node("Squeeze", ["u"], ["s"], axes=[0]),
        helper.make_node("Clip", ["s", "lo", "hi"], ["c"]),
        helper.make_node("Split", ["c"], ["a", "b"], axis=1, split=[1, 2]),
        helper.make_node("ReduceSum", ["b"], ["r"], axes=[1], keepdims=0),
        helper.make_node("Softmax", ["a"], ["sm"], axis=1),
        helper.make_node("Mul", ["r", "sm"], ["y"]),
    ]
    inits = [const("lo", -0.5, np.float32), const("hi", 0.5, np.float32)]
    return model("shapes11", nodes, [vi("x", ["n", 3])], [vi("y", ["n", "n"])], inits, opset=11)


def qdq_conv():
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
        helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], axis=0),
        helper.make_node("Conv", ["xd", "wd", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("QuantizeLinear", ["r", "ys", "yz"], ["rq"]),
        helper.make_node("DequantizeLinear", ["rq", "ys", "yz"], ["rd"]),
        helper.make_node("MaxPool", ["rd"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("QuantizeLinear", ["p", "ys", "yz"], ["pq"]),
        helper.make_node("DequantizeLinear", ["pq", "ys", "yz"], ["pd"]),
        helper.make_node("GlobalAveragePool", ["pd"], ["y"]),
    ]
    inits = [const("xs", 0.02, np.float32), const("xz", 128, np.uint8), weights("wq", [4, 2, 3, 3], np.int8),
             const("ws", [0.01, 0.02, 0.015, 0.01], np.float32), const("wz", [0, 0, 0, 0], np.int8),
             const("b", [0.1, -0.1, 0.0, 0.2], np.float32), const("ys", 0.05, np.float32),
             const("yz", 0, np.uint8)]
    return model("qdq_conv", nodes, [vi("x", [1, 2, 4, 4])], [vi("y", [1, 4, 1, 1])], inits)


def qdq_matmul():
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
        helper.make_node("DequantizeLinear", ["wq", "ws"], ["wd"]),
        helper.make_node("MatMul", ["xd", "wd"], ["m"]),
        helper.make_node("QuantizeLinear", ["m", "ys", "yz"], ["mq"]),
        helper.make_node("DequantizeLinear", ["mq", "ys", "yz"], ["md"]),
        helper.make_node("Add", ["md", "md"], ["a"]),
        helper.make_node("QuantizeLinear", ["a", "ys", "yz"], ["aq"]),
        helper.make_node("DequantizeLinear", ["aq", "ys", "yz"], ["y"]),
    ]
    inits = [const("xs", 0.01, np.float32), const("xz", -3, np.int8), weights("wq", [8, 4], np.int8),
             const("ws", 0.02, np.float32), const("ys", 0.1, np.float32), const("yz", 10, np.int8)]
    return model("qdq_matmul", nodes, [vi("x", ["b", 8])], [vi("y", ["b", 4])], inits)


def qlinear():
    u8 = TensorProto.UINT8
    nodes = [
        helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["c"]),
        helper.make_node("QLinearMatMul", ["c", "ys", "yz", "m", "ws", "wz", "ys", "yz"], ["y"]),
    ]
    inits = [const("xs", 0.02, np.float32), const("xz", 128, np.uint8), weights("w", [2, 1, 1, 1], np.int8),
             const("ws", 0.01, np.float32), const("wz", 0, np.int8), const("ys", 0.05, np.float32),
             const("yz", 100, np.uint8), const("b", [5, -5], np.int32), weights("m", [3, 2], np.int8)]
    return model("qlinear", nodes, [vi("x", [1, 1, 2, 3], u8)], [vi("y", [1, 2, 2, 2], u8)], inits, opset=13)


def dynamic():
    u8 = TensorProto.UINT8
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
        helper.make_node("MatMulInteger", ["xq", "w", "xz", "wz"], ["mi"]),
        helper.make_node("Cast", ["mi"], ["mf"], to=F),
        helper.make_node("Mul", ["xs", "ws"], ["s"]),
        helper.make_node("Mul", ["mf", "s"], ["y"]),
        helper.make_node("ConvInteger", ["xi", "cw", "xiz"], ["ci"]),
    ]
    inits = [weights("w", [4, 3], np.int8), const("wz", 0, np.int8), const("ws", 0.03, np.float32),
             weights("cw", [2, 1, 2, 2], np.uint8), const("xiz", 3, np.uint8)]
    outs = [vi("y", ["b", 3]), helper.make_tensor_value_info("ci", TensorProto.INT32, [1, 2, 2, 2])]
    return model("dynamic", nodes, [vi("x", ["b", 4]), vi("xi", [1, 1, 3, 3], u8)], outs, inits)


def rnn():
    nodes = [
        helper.make_node("LSTM", ["x", "lw", "lr", "lb"], ["ly", "lh"], hidden_size=2),
        helper.make_node("Squeeze", ["ly", "one"], ["ls"]),
        helper.make_node("GRU", ["ls", "gw", "gr"], ["gy", "y"], hidden_size=3, linear_before_reset=1),
    ]
    inits = [weights("lw", [1, 8, 3]), weights("lr", [1, 8, 2]), weights("lb", [1, 16]), const("one", [1], np.int64),
             weights("gw", [1, 9, 2]), weights("gr", [1, 9, 3])]
    return model("rnn", nodes, [vi("x", ["seq", 1, 3])], [vi("y", [1, 1, 3])], inits)


def upsample():
    nodes = [
        helper.make_node("Resize", ["x", "", "scales"], ["r"], mode="nearest"),
        helper.make_node("ConvTranspose", ["r", "tw"], ["t"], strides=[2, 2], output_padding=[1, 1]),
        helper.make_node("BatchNormalization", ["t", "g", "b", "m", "v"], ["bn"]),
        helper.make_node("HardSwish", ["bn"], ["h"]),
        helper.make_node("AveragePool", ["h"], ["a"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("LeakyRelu", ["a"], ["l"], alpha=0.1),
        helper.make_node("Pow", ["l", "two"], ["p"]),
        helper.make_node("Sqrt", ["p"], ["s"]),
        helper.make_node("Erf", ["s"], ["e"]),
        helper.make_node("Div", ["e", "two"], ["y"]),
    ]
    inits = [const("scales", [1, 1, 2, 2], np.float32), weights("tw", [1, 2, 2, 2]), weights("g", [2]),
             weights("b", [2]), weights("m", [2]), const("v", [1.0, 2.0], np.float32), const("two", 2.0, np.float32)]
    return model("upsample", nodes, [vi("x", [1, 1, 2, 2])], [vi("y", [1, 2, 9, 9])], inits)


def if_model():
    then = helper.make_graph([helper.make_node("Add", ["x", "x"], ["t"])], "then", [], [vi("t", [2])])
    other = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [], [vi("e", [2])])
    nodes = [helper.make_node("If", ["c"], ["y"], then_branch=then, else_branch=other)]
    return model("if", nodes, [helper.make_tensor_value_info("c", TensorProto.BOOL, []), vi("x", [2])],
                 [vi("y", [2])])


def external():
    w = TensorProto(name="w", data_type=F, dims=[4, 4])
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "weights.bin"), ("offset", "64"), ("length", "64")):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"])]
    graph = helper.make_graph(nodes, "external", [vi("x", [1, 4])], [vi("y", [1, 4])], [w])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="octet-fuzz")
    m.ir_version = 8
    return m  # the checker would look for weights.bin beside this script


MODELS = [cnn, mlp, shapes_op17, shapes_op11, qdq_conv, qdq_matmul, qlinear, dynamic, rnn, upsample, if_model,
          external]


def npy_bytes(a, version=None):
    buf = io.BytesIO()
    if version:
        np.lib.format.write_array(buf, a, version=version)
    else:
        np.save(buf, a)
    return buf.getvalue()


def npz_bytes(arrays, compress):
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **arrays)
    return buf.getvalue()


def npy_files():
    out = {}
    for dt in ["<f4", "<f8", "<f2", "|i1", "|u1", "<i2", "<u2", "<i4", "<i8", "<u4", "<u8", "|b1"]:
        a = (np.arange(6) % 3).astype(dt).reshape(2, 3)
        out[f"{np.dtype(dt).name}.npy"] = npy_bytes(a)
    out["fortran.npy"] = npy_bytes(np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)))
    out["v2.npy"] = npy_bytes(np.arange(3, dtype=np.int16), version=(2, 0))
    out["scalar.npy"] = npy_bytes(np.float32(1.5))
    out["empty.npy"] = npy_bytes(np.zeros((0, 4), np.float32))
    arrays = {"input": np.arange(8, dtype=np.float32).reshape(2, 4), "mask": np.array([True, False])}
    out["stored.npz"] = npz_bytes(arrays, False)
    out["compressed.npz"] = npz_bytes(arrays, True)
    zbuf = io.BytesIO()  # a zip written by zipfile, not numpy: other header fields
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.npy", npy_bytes(np.arange(4, dtype=np.int64)))
    out["zipfile.npz"] = zbuf.getvalue()
    return out


QCONFIGS = {
    "docs.json": {
        "global": {"activation": {"dtype": "u8", "observer": "histogram", "reduce_range": False},
                   "weight": {"per_channel": True}},
        "op_type": {"Gemm": None, "Conv": {"activation": {"observer": "entropy"}}},
        "name": {"stem.conv": {"activation": {"dtype": "s8"}}},
        "name_regex": [{"pattern": "^head\\.", "qconfig": None}],
    },
    "observers.json": {
        "global": {"activation": {"observer": "moving_average", "averaging_constant": 0.01, "symmetric": True}},
        "op_type": {"MatMul": {"activation": {"observer": "percentile", "percentile": 99.99}},
                    "Add": {"activation": {"observer": "mse", "bins": 2048}}},
    },
    "null_global.json": {"global": None, "name": {"fc1": {"weight": {"per_channel": False}}}},
    "regex.json": {"name_regex": [{"pattern": "layer(1[0-9]|2)+\\.conv$", "qconfig": {"activation": {"dtype": "s8"}}},
                                  {"pattern": "a{2,100}b", "qconfig": None}]},
}


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    for harness in ["onnx_import", "onnx_run", "npy", "qconfig"]:
        shutil.rmtree(os.path.join(CORPUS, harness), ignore_errors=True)
    for make in MODELS:
        data = make().SerializeToString()
        for harness in ["onnx_import", "onnx_run"]:
            write(os.path.join(CORPUS, harness), make.__name__ + ".onnx", data)
    for name, data in npy_files().items():
        write(os.path.join(CORPUS, "npy"), name, data)
    for name, cfg in QCONFIGS.items():
        write(os.path.join(CORPUS, "qconfig"), name, json.dumps(cfg, indent=1).encode())


if __name__ == "__main__":
    main()
