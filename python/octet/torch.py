"""octet.torch: quantize a torch.nn.Module with octet (needs torch; docs/python.md).

quantize_module exports the module with torch.onnx.export, then quantizes the ONNX model with
octet.quantize_static or octet.quantize_dynamic and returns the bytes of the INT8 model.
"""
import io
import os
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

from . import _quantize


def export(module: Any, example_inputs: Union[Any, Tuple[Any, ...]], *, input_names: Optional[Sequence[str]] = None,
           output_names: Optional[Sequence[str]] = None, dynamic_batch: bool = True, opset_version: int = 17,
           dynamo: bool = False) -> bytes:
    """The module as ONNX bytes, in eval mode. dynamic_batch: axis 0 of every input and output is
    symbolic ("batch"). dynamo=False is torch's TorchScript exporter, which needs no onnxscript."""
    import torch

    args = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    inputs = list(input_names) if input_names else [f"input{i}" if len(args) > 1 else "input" for i in range(len(args))]
    was_training = module.training
    module.eval()
    try:
        buffer = io.BytesIO()
        axes = {name: {0: "batch"} for name in [*inputs, *(output_names or [])]} if dynamic_batch else None
        kwargs = {"dynamic_axes": axes} if not dynamo else {}
        torch.onnx.export(module, args, buffer, input_names=inputs, output_names=output_names,
                          opset_version=opset_version, dynamo=dynamo, **kwargs)
        return buffer.getvalue()
    finally:
        module.train(was_training)


def quantize_module(module: Any, example_inputs: Union[Any, Tuple[Any, ...]],
                    calib: Union[_quantize.Calib, None] = None, *, mode: str = "static",
                    output: Optional[Union[str, "os.PathLike[str]"]] = None,
                    input_names: Optional[Sequence[str]] = None, output_names: Optional[Sequence[str]] = None,
                    export_options: Optional[Mapping[str, Any]] = None, **options: Any) -> bytes:
    """Exports `module` (export()) and quantizes it: the INT8 model's bytes.

    mode "static" calibrates on `calib` (input name -> samples on axis 0 as NumPy arrays or
    tensors, an iterable of such dicts, or a .npz path; names as input_names, by default "input"
    for one input, "input0", "input1", ... for several); "dynamic" needs none. options: the keyword
    arguments of octet.quantize_static / quantize_dynamic. export_options: more keywords for export().
    """
    if mode not in ("static", "dynamic"):
        raise ValueError(f"quantize_module: mode must be 'static' or 'dynamic', not {mode!r}")
    if (calib is None) == (mode == "static"):
        raise TypeError("quantize_module: mode='static' needs calib (input name -> calibration samples); "
                        "mode='dynamic' takes none")
    onnx_bytes = export(module, example_inputs, input_names=input_names, output_names=output_names,
                        **dict(export_options or {}))
    if mode == "dynamic":
        return _quantize.quantize_dynamic(onnx_bytes, output, **options)
    return _quantize.quantize_static(onnx_bytes, _numpy(calib), output, **options)


def _numpy(calib: Any) -> Any:
    """Torch tensors in the calibration dicts as NumPy arrays (paths pass through)."""
    def arrays(batch: Mapping[str, Any]) -> dict:
        return {k: v.detach().cpu().numpy() if hasattr(v, "detach") else v for k, v in batch.items()}

    if isinstance(calib, (str, os.PathLike)):
        return calib
    if isinstance(calib, Mapping):
        return arrays(calib)
    return (arrays(b) for b in calib)
