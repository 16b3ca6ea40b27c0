"""octet: INT8 quantization and an INT8 runtime for ONNX models (docs/python.md).

    import octet
    int8 = octet.quantize_static("model.onnx", {"input": calib_array}, output="model.int8.onnx")
    outputs = octet.Session(int8, threads=2).run({"input": x})

Every failure a user can cause is an octet.OctetError (a RuntimeError) whose message is the one
the octet CLI prints after "octet: error: ".
"""
import os as _os
from importlib.metadata import version as _version

# octet's oneDNN primitives run on libgomp, whose workers spin ~300k iterations after each one by
# default: on a small or loaded machine that starves octet's own threads (include/octet/session.h,
# restart_with_short_openmp_spin, the setting the CLI runs with). libgomp reads it when it loads,
# which is below, unless something loaded it first; the user's own choice wins.
if "GOMP_SPINCOUNT" not in _os.environ and "OMP_WAIT_POLICY" not in _os.environ:
    _os.environ["GOMP_SPINCOUNT"] = "2000"

from ._octet import OctetError, ValueInfo, kernel_paths  # noqa: E402
from ._qat import quantize_aware_train  # noqa: E402
from ._quantize import quantize_dynamic, quantize_static  # noqa: E402
from ._session import Session  # noqa: E402

OctetError.__module__ = "octet"
__version__ = _version("octet")
__all__ = ["OctetError", "Session", "ValueInfo", "kernel_paths", "quantize_aware_train", "quantize_dynamic",
           "quantize_static", "__version__"]
