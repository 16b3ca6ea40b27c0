"""The model argument of octet's functions: a path, the bytes of an ONNX file or an onnx.ModelProto."""
import os
from typing import Any, Union

from . import _octet

ModelLike = Union[str, "os.PathLike[str]", bytes, Any]  # Any: onnx.ModelProto (onnx is optional)


def path_of(model: ModelLike) -> Union[str, None]:
    """The file a model argument names, or None when it is held in memory."""
    return os.fspath(model) if isinstance(model, (str, os.PathLike)) else None


def load(model: ModelLike) -> _octet.Model:
    """Loads a model argument; OctetError naming the file (or what was given) when it is bad."""
    path = path_of(model)
    if path is not None:
        return _octet.load_onnx(path)
    if isinstance(model, (bytes, bytearray, memoryview)):
        return _octet.load_onnx_bytes(bytes(model), "the model bytes")
    if hasattr(model, "SerializeToString"):  # onnx.ModelProto, without importing onnx
        return _octet.load_onnx_bytes(model.SerializeToString(), "the onnx.ModelProto")
    raise TypeError(f"model must be a path, bytes or an onnx.ModelProto, not {type(model).__name__}")
