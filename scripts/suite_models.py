#!/usr/bin/env python3
"""Real architectures for the peer benchmark (bench/models.json), built from their PyPI packages with
randomly initialised weights: speed does not depend on the values, and nothing is downloaded.

  suite_models.py export NAME OUT.onnx   export NAME at opset 17 (TorchScript exporter), batch axis
                                         dynamic, eval mode; then ONNX Runtime must run the file and
                                         match torch's output on another batch size
  suite_models.py list                   the names, with the input each one takes

Every model is built after torch.manual_seed(0), so the same name always gives the same file.
CNNs with BatchNorm get random affine parameters and running statistics measured on ImageNet-like
inputs (crops of real photos), so that every layer's activations have the scale a trained network's have
(timm's init zero-initialises the last BatchNorm of each ResNet block, which would leave every
residual branch silent). Run in the tooling venv (scripts/venv.sh).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # random init only: never let a hub lookup happen
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# torchvision (timm imports it) needs the stand-in scripts/venv.sh installs in .venv for its
# CUDA-built C extension; see there.

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench" / "peers"))
from suite import photo_crops  # noqa: E402  (the benchmark's ImageNet-like inputs)

SEED = 0
IMAGE_INPUT = "input"


@dataclass
class Spec:
    title: str
    build: Callable                      # () -> torch.nn.Module returning a tensor or a tuple
    inputs: dict                         # name -> (shape at export, dtype, dynamic axes)
    outputs: list[str]
    out_axes: dict = field(default_factory=dict)
    check_dims: dict = field(default_factory=dict)  # "@axis" -> size for the ORT check
    fold_constants: bool = False         # replace small constant-only subgraphs by initializers


def _timm(name: str, **kwargs):
    def build():
        import timm

        # exportable=True: what timm's own ONNX export script asks for (attention as explicit
        # MatMul/Softmax instead of F.scaled_dot_product_attention). _USE_EXPORT_CONV: TF 'SAME'
        # convolutions (the tf_ models' strided ones) as timm's Conv2dSameExport, a ZeroPad2d
        # whose amounts are fixed by the first forward pass (the BatchNorm passes below, at the
        # export's height and width), so the graph has a Pad with constant pads before each of
        # them, as TF-converted models do, instead of pads computed from Shape at run time.
        # (timm.layers re-exports a function named conv2d_same, hence sys.modules.)
        sys.modules["timm.layers.conv2d_same"]._USE_EXPORT_CONV = True
        return timm.create_model(name, pretrained=False, exportable=True, **kwargs)
    return build


def _lraspp():
    from torchvision.models.segmentation import lraspp_mobilenet_v3_large

    import torch

    class LRASPP(torch.nn.Module):
        """torchvision's segmentation models return {"out": ...}; the graph returns the tensor."""

        def __init__(self):
            super().__init__()
            self.net = lraspp_mobilenet_v3_large(weights=None, weights_backbone=None)

        def forward(self, x):
            return self.net(x)["out"]

    return LRASPP()


BERT_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _bert():
    import torch
    from transformers import BertConfig, BertModel

    class Bert(torch.nn.Module):
        """BertModel(BertConfig()): BERT-base (12 layers, hidden 768, 12 heads) with the pooler."""

        def __init__(self):
            super().__init__()
            # Eager attention traces to plain MatMul/Softmax, as in real_models.py's MiniLM export.
            self.bert = BertModel(BertConfig(attn_implementation="eager"))

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=token_type_ids)
            return out.last_hidden_state, out.pooler_output

    return Bert()


def _image(size: int) -> dict:
    return {IMAGE_INPUT: ((1, 3, size, size), "float32", {0: "batch"})}


def _classifier(title: str, build, size: int = 224, **kwargs) -> Spec:
    return Spec(title, build, _image(size), ["logits"], {"logits": {0: "batch"}}, {"@0": 2}, **kwargs)


SPECS = {
    "resnet50": _classifier("ResNet-50 (timm resnet50)", _timm("resnet50")),
    "mobilenetv3_large": _classifier("MobileNetV3-Large (timm mobilenetv3_large_100)",
                                     _timm("mobilenetv3_large_100")),
    "efficientnet_b0": _classifier("EfficientNet-B0 (timm efficientnet_b0)", _timm("efficientnet_b0")),
    "tf_mobilenetv3_large": _classifier("MobileNetV3-Large, TF 'SAME' padding (timm tf_mobilenetv3_large_100)",
                                        _timm("tf_mobilenetv3_large_100"), fold_constants=True),
    "deit_small": _classifier("DeiT-Small/16 (timm deit_small_patch16_224)", _timm("deit_small_patch16_224")),
    "lraspp_mobilenet_v3": Spec("LR-ASPP MobileNetV3-Large segmentation (torchvision), 520x520",
                                _lraspp, _image(520), ["out"], {"out": {0: "batch"}}, {"@0": 2}),
    "bert_base": Spec("BERT-base (transformers BertModel(BertConfig()), random init)", _bert,
                      {n: ((1, 128), "int64", {0: "batch", 1: "seq"}) for n in BERT_INPUTS},
                      ["last_hidden_state", "pooler_output"],
                      {"last_hidden_state": {0: "batch", 1: "seq"}, "pooler_output": {0: "batch"}},
                      {"@0": 2, "@1": 64}),
}


def _inputs(spec: Spec, dims: dict, rng: np.random.Generator) -> dict:
    """Inputs of the spec's shapes with "@axis" sizes replaced: ImageNet-normalized photo crops for
    images (the inputs the BatchNorm statistics are measured on; white noise is far outside what
    a settled network sees: EfficientNet-B0's logits reach ~900 on it, ~0.6 on photos), token ids
    in [1000, 30000) with the last quarter of the second sequence masked out for BERT."""
    feeds = {}
    for name, (shape, dtype, _) in spec.inputs.items():
        shape = [int(dims.get(f"@{i}", d)) for i, d in enumerate(shape)]
        if name == "input_ids":
            feeds[name] = rng.integers(1000, 30000, size=shape).astype(np.int64)
        elif name == "attention_mask":
            mask = np.ones(shape, np.int64)
            if shape[0] > 1:
                mask[1, shape[1] * 3 // 4:] = 0
            feeds[name] = mask
        elif name == "token_type_ids":
            feeds[name] = np.zeros(shape, np.int64)
        else:
            feeds[name] = photo_crops(shape, rng).astype(dtype)
    return feeds


def _settle_batchnorm(module, spec: Spec) -> None:
    """Random BatchNorm affine parameters (gamma in [0.5, 1.5), beta ~ N(0, 0.1)) and running
    statistics averaged over 2 batches of 4 images, the BatchNorms alone in training mode. The
    images are crops of the two photos scikit-learn ships, ImageNet-normalized: the inputs the
    benchmark calibrates and evaluates these models on (bench/peers/suite.py, rule "photos")."""
    import torch

    bns = [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.1)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the passes below
            bn.train()
        rng = np.random.default_rng(SEED + 1)
        for _ in range(2):
            feeds = _inputs(spec, {"@0": 4}, rng)
            module(*(torch.from_numpy(feeds[n]) for n in spec.inputs))
    module.eval()


def build(name: str):
    import torch

    spec = SPECS[name]
    torch.manual_seed(SEED)
    module = spec.build().eval()
    _settle_batchnorm(module, spec)
    return module.eval()


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def export(name: str, out: Path) -> None:
    import torch

    spec = SPECS[name]
    t0 = time.perf_counter()
    module = build(name)
    example = _inputs(spec, {}, np.random.default_rng(SEED))
    dynamic = {n: axes for n, (_, _, axes) in spec.inputs.items()} | spec.out_axes
    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notices
        torch.onnx.export(module, tuple(torch.from_numpy(example[n]) for n in spec.inputs), str(out),
                          dynamo=False, opset_version=17, input_names=list(spec.inputs),
                          output_names=spec.outputs, dynamic_axes=dynamic, do_constant_folding=True)
    if spec.fold_constants:
        fold_constants(out)
    exported = time.perf_counter() - t0
    worst = check(module, spec, out)
    print(f"{name}: exported in {exported:.1f} s, {out.stat().st_size / 1e6:.1f} MB; ONNX Runtime vs torch "
          f"at {spec.check_dims}: max |diff| / max |torch| = {worst:.2e}", file=sys.stderr)


def fold_constants(path: Path, max_elements: int = 4096) -> None:
    """Evaluates every node whose inputs are all constants and whose outputs are small, and
    stores its outputs as initializers; nodes left without consumers are dropped. The exporter
    writes F.pad's constant pad list as a ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast
    chain that its own folding leaves in place; a TF-converted model has the pads as one
    initializer, which is what this gives."""
    import onnx
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    model = onnx.load(str(path))
    graph = model.graph
    known = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    folded, kept = {}, []
    for node in graph.node:
        if node.op_type == "Constant" or (node.input and all(i in known or i == "" for i in node.input)):
            single = helper.make_model(
                helper.make_graph([node], "fold", [], [helper.make_tensor_value_info(o, 0, None) for o in node.output]),
                opset_imports=model.opset_import)
            outs = ReferenceEvaluator(single).run(None, {i: known[i] for i in node.input if i})
            if all(np.asarray(o).size <= max_elements for o in outs):
                for name, value in zip(node.output, outs):
                    known[name] = folded[name] = np.asarray(value)
                continue
        kept.append(node)
    used = {i for n in kept for i in n.input} | {o.name for o in graph.output}
    del graph.node[:]
    graph.node.extend(kept)
    graph.initializer.extend(numpy_helper.from_array(v, name) for name, v in folded.items() if name in used)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


TOLERANCE = 1e-4  # max |ORT - torch| over max |torch|, per output


def check(module, spec: Spec, path: Path) -> float:
    """ONNX Runtime runs the file on inputs of another batch size (and sequence length) than the
    trace used, and matches torch within TOLERANCE; returns the worst relative difference."""
    import onnxruntime as ort
    import torch

    feeds = _inputs(spec, spec.check_dims, np.random.default_rng(SEED + 2))
    with torch.no_grad():
        want = [t.numpy() for t in _as_tuple(module(*(torch.from_numpy(feeds[n]) for n in spec.inputs)))]
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(spec.outputs, feeds)
    worst = 0.0
    for name, g, w in zip(spec.outputs, got, want):
        if g.shape != w.shape:
            raise SystemExit(f"{path.name}: output {name} has shape {g.shape} in ONNX Runtime, {w.shape} in torch")
        rel = float(np.max(np.abs(g - w)) / max(float(np.max(np.abs(w))), 1e-12))
        if not rel <= TOLERANCE:
            raise SystemExit(f"{path.name}: output {name} differs from torch: max |diff| / max |torch| = {rel:.2e}")
        worst = max(worst, rel)
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="export one model")
    e.add_argument("name", choices=sorted(SPECS))
    e.add_argument("out", type=Path)
    sub.add_parser("list", help="the model names")
    args = parser.parse_args()
    if args.command == "list":
        for name, spec in SPECS.items():
            shapes = ", ".join(f"{n} {list(s)}" for n, (s, _, _) in spec.inputs.items())
            print(f"{name}\t{spec.title}\t{shapes}")
        return 0
    export(args.name, args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
