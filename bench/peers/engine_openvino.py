"""OpenVINO (PyPI `openvino`, CPU plugin) as a peer: fp32 runs the same fp32 ONNX file as the other
engines; int8 runs the int8 ONNX file octet's int8 row runs (ONNX Runtime's when octet's is not
available), which OpenVINO's low-precision transformations turn into its int8 kernels. What it
really runs in int8 is read back from the compiled model's runtime graph and goes into the row."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np

ENGINE = "openvino"

# The layers whose precision says whether a model runs in int8: the matrix-multiplying ones.
COMPUTE_LAYERS = ("Convolution", "GroupConvolution", "Deconvolution", "FullyConnected", "MatMul")
INT8 = ("i8", "u8")


def config(threads: int) -> dict:
    """Compile options: one stream answering one request at a time with `threads` threads.
    INFERENCE_PRECISION_HINT f32: on CPUs with bf16 (AVX-512 BF16, AMX) OpenVINO may otherwise run
    float layers in bf16, a different computation from the other engines' fp32; the int8 row keeps
    f32 too, so the layers its QDQ file leaves in float run in f32 as they do in octet and ORT."""
    return {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": int(threads), "NUM_STREAMS": 1,
            "INFERENCE_PRECISION_HINT": "f32"}


def layer_precisions(layers) -> dict[str, Counter]:
    """layers: (layerType, runtimePrecision) pairs of a runtime model -> {layer type: Counter of
    precisions} for the COMPUTE_LAYERS."""
    out: dict[str, Counter] = {}
    for kind, precision in layers:
        if kind in COMPUTE_LAYERS:
            out.setdefault(kind, Counter())[precision] += 1
    return out


def precision_note(counts: dict[str, Counter], int8: bool) -> str:
    """What the row says about the runtime model: for int8, how many of each compute layer run
    in int8 ("Convolution 53/53 int8"); for fp32, nothing unless a compute layer is not f32."""
    if not counts:
        return "runtime model: no Convolution/FullyConnected/MatMul layer" if int8 else ""
    if int8:
        parts = [f"{kind} {sum(c[p] for p in INT8)}/{sum(c.values())}" for kind, c in sorted(counts.items())]
        return "int8 in OpenVINO's runtime model: " + ", ".join(parts)
    odd = {kind: c for kind, c in counts.items() if set(c) - {"f32"}}
    if not odd:
        return ""
    return "runtime precisions: " + "; ".join(
        f"{kind} " + ", ".join(f"{p} {n}" for p, n in sorted(c.items())) for kind, c in sorted(odd.items()))


def _runtime_layers(compiled) -> list[tuple[str, str]]:
    layers = []
    for op in compiled.get_runtime_model().get_ordered_ops():
        info = op.get_rt_info()
        kind = info["layerType"].astype(str) if "layerType" in info else op.get_type_name()
        precision = info["runtimePrecision"].astype(str) if "runtimePrecision" in info else "?"
        layers.append((kind, precision))
    return layers


class OpenVinoRunner:
    """ov.Core().compile_model on CPU with config(threads), the model reshaped to the feed's static
    shapes (the ONNX file's batch axis is dynamic; OpenVINO compiles static shapes to its faster
    kernels). One compiled model and infer request per input shape."""

    def __init__(self, model_path: Path, threads: int, feed: dict, int8: bool = False):
        import openvino as ov

        self.core, self.path, self.threads, self.feed = ov.Core(), Path(model_path), threads, feed
        self._compiled = {}
        from suite import output_names
        self.outputs = output_names(self.path)
        compiled, self.request = self._request(feed)
        self.note = precision_note(layer_precisions(_runtime_layers(compiled)), int8)

    def _request(self, feed: dict):
        key = tuple(sorted((name, arr.shape) for name, arr in feed.items()))
        if key not in self._compiled:
            model = self.core.read_model(str(self.path))
            model.reshape({name: list(arr.shape) for name, arr in feed.items()})
            compiled = self.core.compile_model(model, "CPU", config(self.threads))
            self._compiled[key] = (compiled, compiled.create_infer_request())
        return self._compiled[key]

    def run(self, k: int) -> list[float]:
        out = []
        for _ in range(k):
            t0 = time.perf_counter()
            self.request.infer(self.feed, share_inputs=True, share_outputs=True)
            out.append((time.perf_counter() - t0) * 1e3)
        return out

    def infer(self, feeds: list[dict]) -> list[np.ndarray]:
        """Outputs over all feeds, concatenated along axis 0, in the ONNX graph's output order."""
        runs = []
        for feed in feeds:
            compiled, request = self._request(feed)
            result = request.infer(feed)
            by_name = {name: result[port] for port in compiled.outputs for name in port.get_names()}
            runs.append([np.array(by_name[n]) for n in self.outputs])
        return [np.concatenate([r[i] for r in runs]) if runs[0][i].ndim else runs[0][i]
                for i in range(len(self.outputs))]

    def close(self) -> None:
        self._compiled, self.request = {}, None


def version() -> str:
    import openvino as ov
    return ov.__version__
