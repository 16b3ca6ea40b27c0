"""A torch.fx module from an ONNX CNN, so PyTorch (fp32 and FX static PTQ) can run the suite's
ONNX-only classifiers. Covers the ops of the suite's CNNs; any other op is a Missing, which
leaves the torch rows "not available" rather than guessing. Weighted ops become nn modules
(Conv2d, Linear, BatchNorm2d) because FX quantization replaces modules, not functions."""
from __future__ import annotations

import operator
import re
from pathlib import Path

import numpy as np

from suite import Missing


class _Builder:
    def __init__(self, model):
        import torch
        from onnx import numpy_helper

        self.torch = torch
        self.root = torch.nn.Module()
        self.graph = torch.fx.Graph()
        self.consts = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        self.env = {}
        self.count = 0

    def name(self, hint: str) -> str:
        self.count += 1
        return f"{re.sub(r'[^0-9a-zA-Z_]', '_', hint)}_{self.count}"

    def module(self, hint: str, mod, arg):
        n = self.name(hint)
        self.root.add_module(n, mod)
        return self.graph.call_module(n, (arg,))

    def value(self, name: str):
        """An fx node for a graph value; constants become buffers read with get_attr."""
        if name in self.env:
            return self.env[name]
        if name in self.consts:
            n = self.name("const")
            self.root.register_buffer(n, self.torch.from_numpy(np.array(self.consts[name])))
            self.env[name] = self.graph.get_attr(n)
            return self.env[name]
        raise Missing(f"onnx_to_torch: value {name!r} has no producer")

    def const(self, name: str) -> np.ndarray:
        if name not in self.consts:
            raise Missing(f"onnx_to_torch: {name!r} must be a constant")
        return self.consts[name]


def _attrs(node) -> dict:
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _pads2d(node, a: dict) -> tuple[int, int]:
    pads = list(a.get("pads", [0, 0, 0, 0]))
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET") or pads[:2] != pads[2:]:
        raise Missing(f"onnx_to_torch: {node.op_type} {node.name}: only symmetric explicit pads")
    return tuple(pads[:2])


def _has_bias(node) -> bool:
    return len(node.input) > 2 and bool(node.input[2])


def _weighted(b: _Builder, node, mod, hint: str):
    """`mod` (a Conv2d or ConvTranspose2d built for the node) with the node's weight and bias."""
    mod.weight.data = b.torch.from_numpy(b.const(node.input[1]).copy())
    if mod.bias is not None:
        mod.bias.data = b.torch.from_numpy(b.const(node.input[2]).copy())
    return b.module(hint, mod, b.value(node.input[0]))


def _conv(b: _Builder, node, a):
    w = b.const(node.input[1])
    if w.ndim != 4:
        raise Missing(f"onnx_to_torch: Conv {node.name}: only 2-D convolutions")
    groups = a.get("group", 1)
    conv = b.torch.nn.Conv2d(w.shape[1] * groups, w.shape[0], tuple(w.shape[2:]),
                             stride=tuple(a.get("strides", [1, 1])), padding=_pads2d(node, a),
                             dilation=tuple(a.get("dilations", [1, 1])), groups=groups, bias=_has_bias(node))
    return _weighted(b, node, conv, "conv")


def _conv_transpose(b: _Builder, node, a):
    """ConvTranspose (weight [in, out / group, kH, kW]) as nn.ConvTranspose2d; no output_shape."""
    w = b.const(node.input[1])
    if w.ndim != 4 or "output_shape" in a:
        raise Missing(f"onnx_to_torch: ConvTranspose {node.name}: only 2-D, without output_shape")
    groups = a.get("group", 1)
    conv = b.torch.nn.ConvTranspose2d(w.shape[0], w.shape[1] * groups, tuple(w.shape[2:]),
                                      stride=tuple(a.get("strides", [1, 1])), padding=_pads2d(node, a),
                                      output_padding=tuple(a.get("output_padding", [0, 0])), groups=groups,
                                      dilation=tuple(a.get("dilations", [1, 1])), bias=_has_bias(node))
    return _weighted(b, node, conv, "deconv")


def _resize(b: _Builder, node, a):
    """Resize, nearest with asymmetric coordinates and floor rounding (what nn.Upsample's
    "nearest" computes) by constant integer scales on H and W."""
    modes = (a.get("mode", b"nearest"), a.get("coordinate_transformation_mode", b"half_pixel"),
             a.get("nearest_mode", b"round_prefer_floor"))
    scales = b.const(node.input[2]) if len(node.input) > 2 and node.input[2] else np.array([])
    if modes != (b"nearest", b"asymmetric", b"floor") or len(scales) != 4 or list(scales[:2]) != [1, 1] \
            or any(s != int(s) for s in scales):
        raise Missing(f"onnx_to_torch: Resize {node.name}: only nearest/asymmetric/floor by integer scales")
    up = b.torch.nn.Upsample(scale_factor=tuple(float(s) for s in scales[2:]), mode="nearest")
    return b.module("upsample", up, b.value(node.input[0]))


def _hard_sigmoid(b: _Builder, node, a):
    """HardSigmoid: max(0, min(1, alpha·x + beta)); nn.Hardsigmoid is alpha 1/6, beta 1/2."""
    alpha, beta = a.get("alpha", 0.2), a.get("beta", 0.5)
    x = b.value(node.input[0])
    if abs(alpha - 1 / 6) < 1e-6 and beta == 0.5:
        return b.module("hardsigmoid", b.torch.nn.Hardsigmoid(), x)
    y = b.graph.call_function(operator.add, (b.graph.call_function(operator.mul, (x, alpha)), beta))
    return b.graph.call_function(b.torch.clamp, (y, 0.0, 1.0))


def _gemm(b: _Builder, node, a):
    """Gemm (ONNX: Y = alpha·A'·B' + beta·C) with constant B as nn.Linear, weight = B'ᵀ."""
    torch = b.torch
    if a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
        raise Missing(f"onnx_to_torch: Gemm {node.name}: only transA=0, alpha=beta=1")
    w = b.const(node.input[1])
    w = w if a.get("transB", 0) else w.T
    has_bias = _has_bias(node)
    lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=has_bias)
    lin.weight.data = torch.from_numpy(np.ascontiguousarray(w))
    if has_bias:
        lin.bias.data = torch.from_numpy(np.broadcast_to(b.const(node.input[2]), (w.shape[0],)).copy())
    return b.module("linear", lin, b.value(node.input[0]))


def _matmul(b: _Builder, node, a):
    if node.input[1] not in b.consts or b.consts[node.input[1]].ndim != 2:
        return b.graph.call_function(b.torch.matmul, (b.value(node.input[0]), b.value(node.input[1])))
    w = b.const(node.input[1])
    lin = b.torch.nn.Linear(w.shape[0], w.shape[1], bias=False)
    lin.weight.data = b.torch.from_numpy(np.ascontiguousarray(w.T))
    return b.module("linear", lin, b.value(node.input[0]))


def _batchnorm(b: _Builder, node, a):
    scale, bias, mean, var = (b.const(n) for n in node.input[1:5])
    bn = b.torch.nn.BatchNorm2d(scale.shape[0], eps=a.get("epsilon", 1e-5))
    for attr, arr in (("weight", scale), ("bias", bias), ("running_mean", mean), ("running_var", var)):
        getattr(bn, attr).data = b.torch.from_numpy(arr.copy())
    return b.module("bn", bn.eval(), b.value(node.input[0]))


def _clip(b: _Builder, node, a):
    lo = float(b.const(node.input[1])) if len(node.input) > 1 and node.input[1] else a.get("min", -np.inf)
    hi = float(b.const(node.input[2])) if len(node.input) > 2 and node.input[2] else a.get("max", np.inf)
    mod = b.torch.nn.ReLU6() if (lo, hi) == (0.0, 6.0) else b.torch.nn.Hardtanh(lo, hi)
    return b.module("clip", mod, b.value(node.input[0]))


def _pool(b: _Builder, node, a):
    nn = b.torch.nn
    kw = dict(kernel_size=tuple(a["kernel_shape"]), stride=tuple(a.get("strides", a["kernel_shape"])),
              padding=_pads2d(node, a), ceil_mode=bool(a.get("ceil_mode", 0)))
    if node.op_type == "MaxPool":
        mod = nn.MaxPool2d(dilation=tuple(a.get("dilations", [1, 1])), **kw)
    else:
        mod = nn.AvgPool2d(count_include_pad=bool(a.get("count_include_pad", 0)), **kw)
    return b.module("pool", mod, b.value(node.input[0]))


def _binary(fn):
    return lambda b, node, a: b.graph.call_function(fn, (b.value(node.input[0]), b.value(node.input[1])))


def _reshape(b: _Builder, node, a):
    shape = [int(s) for s in b.const(node.input[1])]
    if 0 in shape:  # ONNX: 0 copies the input's dim (allowzero=0); keep the batch axis dynamic
        if shape.index(0) != 0 or shape.count(0) != 1:
            raise Missing(f"onnx_to_torch: Reshape {node.name}: 0 only as the first dim")
        x = b.value(node.input[0])
        batch = b.graph.call_method("size", (x, 0))
        return b.graph.call_method("reshape", (x, batch, *shape[1:]))
    return b.graph.call_method("reshape", (b.value(node.input[0]), *shape))


CONVERTERS = {
    "Conv": _conv, "ConvTranspose": _conv_transpose, "Resize": _resize, "HardSigmoid": _hard_sigmoid,
    "Sigmoid": lambda b, n, a: b.module("sigmoid", b.torch.nn.Sigmoid(), b.value(n.input[0])),
    "Gemm": _gemm, "MatMul": _matmul, "BatchNormalization": _batchnorm,
    "Clip": _clip, "MaxPool": _pool, "AveragePool": _pool, "Reshape": _reshape,
    "Relu": lambda b, n, a: b.module("relu", b.torch.nn.ReLU(), b.value(n.input[0])),
    "HardSwish": lambda b, n, a: b.module("hardswish", b.torch.nn.Hardswish(), b.value(n.input[0])),
    "GlobalAveragePool": lambda b, n, a: b.module("gap", b.torch.nn.AdaptiveAvgPool2d(1), b.value(n.input[0])),
    "Flatten": lambda b, n, a: b.graph.call_function(b.torch.flatten, (b.value(n.input[0]), a.get("axis", 1))),
    "Add": _binary(operator.add), "Sub": _binary(operator.sub),
    "Mul": _binary(operator.mul), "Div": _binary(operator.truediv),
    "Concat": lambda b, n, a: b.graph.call_function(b.torch.cat, ([b.value(i) for i in n.input], a["axis"])),
    "Softmax": lambda b, n, a: b.graph.call_function(b.torch.softmax, (b.value(n.input[0]), a.get("axis", -1))),
    "Identity": lambda b, n, a: b.value(n.input[0]),
    "Dropout": lambda b, n, a: b.value(n.input[0]),
}


def convert(path: Path):
    """fx.GraphModule computing the ONNX graph's outputs (a tuple, in graph output order)."""
    import onnx
    import torch
    from onnx import numpy_helper

    model = onnx.load(str(path))
    b = _Builder(model)
    for inp in model.graph.input:
        if inp.name not in b.consts:
            b.env[inp.name] = b.graph.placeholder(b.name(inp.name))
    for node in model.graph.node:
        if node.op_type == "Constant":
            b.consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
            continue
        if node.op_type not in CONVERTERS:
            raise Missing(f"onnx_to_torch: no converter for {node.op_type}")
        b.env[node.output[0]] = CONVERTERS[node.op_type](b, node, _attrs(node))
    b.graph.output(tuple(b.value(o.name) for o in model.graph.output))
    return torch.fx.GraphModule(b.root, b.graph).eval()
