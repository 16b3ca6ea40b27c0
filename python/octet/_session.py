"""octet.Session: a model made ready once and run many times, as ONNX Runtime's InferenceSession."""
from typing import Any, Dict, List, Mapping

import numpy as np

from . import _model, _octet
from ._model import ModelLike


class Session:
    """Lowers a quantized model onto octet's INT8 kernels (a float one gets ONNX Runtime's basic
    optimizations) once; run() then runs it on named NumPy arrays.

    threads: threads inside the heavy ops. as_written: run a quantized model in its float QDQ
    semantics instead (`octet run --reference`).

    Threads: run() releases the GIL. One Session may be shared by Python threads, but the C++
    Session runs one call at a time (include/octet/session.h), so their runs take turns; for
    runs in parallel give each thread its own Session (they share nothing mutable).
    """

    def __init__(self, model: ModelLike, threads: int = 1, *, as_written: bool = False) -> None:
        self._native = _octet.Session(_model.load(model), threads=threads, as_written=as_written)

    def run(self, feeds: Mapping[str, Any]) -> Dict[str, np.ndarray]:
        """Every graph input by name (dtype and rank as declared) -> every graph output by name.

        Outputs are NumPy arrays over octet's own buffers (no copy). An input is used in place
        when it is C-contiguous and 64-byte aligned with a size in whole 64-byte blocks (octet's
        tensor layout); otherwise it is copied once.
        """
        return self._native.run({name: np.asarray(a) for name, a in feeds.items()})

    def get_inputs(self) -> List[_octet.ValueInfo]:
        return list(self._native.inputs)

    def get_outputs(self) -> List[_octet.ValueInfo]:
        return list(self._native.outputs)

    @property
    def input_names(self) -> List[str]:
        return [v.name for v in self._native.inputs]

    @property
    def output_names(self) -> List[str]:
        return [v.name for v in self._native.outputs]
