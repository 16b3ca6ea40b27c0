"""ONNX Runtime, CPU provider: fp32 sessions, and int8 models made by ORT's own quantizer."""
from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import numpy as np

ENGINE = "onnxruntime"


class OrtRunner:
    """One session pinned to `threads` (intra_op_num_threads=N, inter_op 1, ORT_ENABLE_ALL)."""

    def __init__(self, model_path: Path, threads: int, feed: dict):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
        self.feed = feed

    def run(self, k: int) -> list[float]:
        out = []
        for _ in range(k):
            t0 = time.perf_counter()
            self.session.run(None, self.feed)
            out.append((time.perf_counter() - t0) * 1e3)
        return out

    def infer(self, feeds: list[dict]) -> list[np.ndarray]:
        """Outputs over all feeds, concatenated along axis 0, in graph output order."""
        runs = [self.session.run(None, f) for f in feeds]
        return [np.concatenate([r[i] for r in runs]) if runs[0][i].ndim else runs[0][i]
                for i in range(len(runs[0]))]

    def close(self) -> None:
        self.session = None


class _Reader:
    """quantize_static's CalibrationDataReader over a list of feed dicts."""

    def __init__(self, feeds: list[dict]):
        self._it = iter(feeds)

    def get_next(self):
        return next(self._it, None)

    def rewind(self):  # some ORT versions call it between calibration passes
        pass


@contextlib.contextmanager
def _one_cpu():
    """The calling thread, and the threads it starts (ORT's calibration session), on one CPU."""
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)


def quantize(fp32: Path, out: Path, mode: str, calib: list[dict], method: str = "MinMax",
             one_cpu: bool = False) -> float:
    """Write ORT's int8 model of `fp32` to `out`; return the quantization wall time in seconds.
    static: QDQ, per-channel int8 weights, uint8 activations, `method` calibration (MinMax is
    the default ORT documents for x86; Entropy, Percentile and Distribution are histogram-based);
    dynamic: int8 weights, activations quantized per run. `one_cpu`: on one CPU (beside octet's
    `quantize --threads 1`), since quantize_static lets no caller set its session's threads."""
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat, QuantType, quantize_dynamic,
                                          quantize_static)

    with _one_cpu() if one_cpu else contextlib.nullcontext():
        t0 = time.perf_counter()
        if mode == "static":
            quantize_static(str(fp32), str(out), _Reader(calib), quant_format=QuantFormat.QDQ,
                            per_channel=True, activation_type=QuantType.QUInt8,
                            weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod[method])
        elif mode == "dynamic":
            quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)
        else:
            raise ValueError(f"unknown int8 mode {mode!r}")
        return time.perf_counter() - t0


def version() -> str:
    import onnxruntime as ort
    return ort.__version__
