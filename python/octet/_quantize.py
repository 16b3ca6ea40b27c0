"""octet.quantize_static and octet.quantize_dynamic: `octet quantize` from Python (docs/python.md).

The keyword arguments are ONNX Runtime's names where it has one (per_channel, reduce_range,
activation_type, nodes_to_exclude, op_types_to_quantize) and PyTorch's observer names; each maps
onto a field of octet::StaticQuantOptions / DynamicQuantOptions and a flag of the CLI.
"""
import json
import os
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import numpy as np

from . import _model, _octet
from ._model import ModelLike

Calib = Union[str, "os.PathLike[str]", Mapping[str, Any], Iterable[Mapping[str, Any]]]
PathLike = Union[str, "os.PathLike[str]"]

_DTYPE_ALIASES = {"u8": "uint8", "s8": "int8", "QUInt8": "uint8", "QInt8": "int8"}


def _calibration_data(model: _octet.Model, calib: Calib,
                      what: str = "the calibration data") -> "tuple[dict[str, np.ndarray], str]":
    """Input name -> samples on axis 0, and the name errors give the data: its file, or `what`."""
    if isinstance(calib, (str, os.PathLike)):
        path = os.fspath(calib)
        if path.endswith(".npz"):
            return _octet.read_npz(path), path
        if len(model.inputs) != 1:
            raise _octet.OctetError(f"{path}: an .npy data file needs a single-input model; this one has "
                                    f"{len(model.inputs)} inputs (use an .npz keyed by input names)")
        return {model.inputs[0].name: _octet.read_npy(path)}, path
    if isinstance(calib, Mapping):
        return {name: np.asarray(a) for name, a in calib.items()}, what
    batches = [dict(b) for b in calib]  # an iterable of batches: joined along the sample axis
    if not batches:
        raise _octet.OctetError(f"{what}: the iterable gave no batches")
    for i, batch in enumerate(batches):
        if batch.keys() != batches[0].keys():
            raise _octet.OctetError(f"{what}: batch {i} holds {sorted(batch)}, batch 0 {sorted(batches[0])}")
    return {name: np.concatenate([np.asarray(b[name]) for b in batches]) for name in batches[0]}, what


def _finish(model: ModelLike, quantized: _octet.Model, output: Optional[PathLike]) -> bytes:
    data = _octet.save_onnx_bytes(quantized)
    if output is not None:
        out, source = os.fspath(output), _model.path_of(model)
        if source is not None and _octet.same_file(out, source):
            raise _octet.OctetError(f"output '{out}' is the input file '{source}'; refusing to overwrite it")
        _octet.write_file_atomic(out, data)  # a temporary file beside it, then a rename
    return data


def quantize_static(model: ModelLike, calib: Calib, output: Optional[PathLike] = None, *,
                    observer: str = "auto", per_channel: bool = True, activation_type: Any = "uint8",
                    reduce_range: bool = False, reduce_weight_range: bool = False,
                    nodes_to_exclude: Sequence[str] = (), config: Union[PathLike, Mapping[str, Any], None] = None,
                    samples: Optional[int] = None, batch_size: int = 32, calib_layout: str = "auto",
                    bias_correction: bool = True, bias_correction_samples: Optional[int] = 128,
                    keep_opset: bool = False, threads: int = 1) -> bytes:
    """Static post-training quantization (`octet quantize --mode static`): the QDQ model's bytes.

    model: a path, the bytes of an ONNX file or an onnx.ModelProto. calib: input name -> array
    with the samples on axis 0, an iterable of such dicts (joined on axis 0), or a .npz/.npy
    path. output: also write the model there (atomically). config: a qconfig JSON file or the
    mapping itself (docs/quantization.md). samples / bias_correction_samples: None means all.
    """
    graph = _model.load(model)
    arrays, calib_name = _calibration_data(graph, calib)
    o = _octet.StaticQuantOptions()
    o.observer = observer
    o.per_channel = per_channel
    name = activation_type if isinstance(activation_type, str) else np.dtype(activation_type).name
    o.act_dtype = _DTYPE_ALIASES.get(name, name)
    o.reduce_range = reduce_range
    o.reduce_weight_range = reduce_weight_range
    o.exclude = list(nodes_to_exclude)
    if isinstance(config, Mapping):
        o.config_json = json.dumps(config)
    elif config is not None:
        o.config_json = _octet.read_text(os.fspath(config))
    o.samples = -1 if samples is None else samples
    o.batch = batch_size
    o.calib_layout = calib_layout
    o.bias_correction = bias_correction
    o.bias_correction_samples = -1 if bias_correction_samples is None else bias_correction_samples
    o.keep_opset = keep_opset
    o.threads = threads
    return _finish(model, _octet.quantize_static(graph, arrays, o, calib_name), output)


def quantize_dynamic(model: ModelLike, output: Optional[PathLike] = None, *, per_channel: bool = True,
                     per_token: bool = False, reduce_range: bool = False, reduce_weight_range: bool = False,
                     op_types_to_quantize: Optional[Sequence[str]] = None, nodes_to_exclude: Sequence[str] = (),
                     weight_only_nodes: Sequence[str] = (), keep_opset: bool = False) -> bytes:
    """Dynamic post-training quantization (`octet quantize --mode dynamic`): the model's bytes.

    Weights int8 offline, activations quantized at run time. op_types_to_quantize: None means
    MatMul, Gemm, LSTM, GRU and Gather (embedding tables). weight_only_nodes: int8 weights, float
    activations.
    """
    graph = _model.load(model)
    o = _octet.DynamicQuantOptions()
    o.per_channel = per_channel
    o.per_token = per_token
    o.reduce_range = reduce_range
    o.reduce_weight_range = reduce_weight_range
    if op_types_to_quantize is not None:
        o.op_types = list(op_types_to_quantize)
    o.exclude = list(nodes_to_exclude)
    o.weight_only = list(weight_only_nodes)
    o.keep_opset = keep_opset
    return _finish(model, _octet.quantize_dynamic(graph, o), output)
