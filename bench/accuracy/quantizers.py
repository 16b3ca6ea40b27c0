"""The quantizers the suite compares and the runtimes their int8 models run on. Each quantizer
returns (runner, wall seconds); a runner takes one feed and returns the outputs in the ONNX graph's
output order. A quantizer that cannot handle a model raises; the suite prints the reason.

- octet: `octet quantize` (engine_octet.quantize), its model run by `octet run`;
- ONNX Runtime: quantize_static, QDQ, MinMax / Entropy / Percentile with ORT's defaults for each
  (engine_ort.quantize), or quantize_dynamic; run by ORT;
- NNCF: `nncf.quantize` with its defaults (preset PERFORMANCE) on the model read by OpenVINO, run
  by OpenVINO's CPU plugin (engine_openvino.config, f32 precision for what stays float);
- torch.ao: the x86 FX static PTQ or quantize_dynamic of engine_torch, on a torch module of the
  model (onnx_to_torch for ONNX-only models; the MiniLM package's BERT)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

import engine_octet
import engine_openvino
import engine_ort
import engine_torch
import metrics
from suite import Missing, output_names

Runner = Callable[[dict], list]


def ort_runner(path: Path, threads: int) -> Runner:
    session = engine_ort.OrtRunner(path, threads, {}).session
    return lambda feed: session.run(None, feed)


def octet_runner(path: Path, threads: int) -> Runner:
    """`octet run` per feed; its input and output files go in a folder beside `path`."""
    names, folder = output_names(path), path.with_suffix(".run")
    folder.mkdir(exist_ok=True)
    return lambda feed: engine_octet.run(path, feed, folder, threads, names)


def octet(fp32: Path, out: Path, mode: str, calib: list[dict], threads: int, flags: tuple = ()) -> tuple:
    seconds = engine_octet.quantize(fp32, out, mode, calib, threads, flags)
    return octet_runner(out, threads), seconds


def ort_static(fp32: Path, out: Path, calib: list[dict], method: str, threads: int) -> tuple:
    seconds = engine_ort.quantize(fp32, out, "static", calib, method)
    return ort_runner(out, threads), seconds


def ort_dynamic(fp32: Path, out: Path, threads: int) -> tuple:
    seconds = engine_ort.quantize(fp32, out, "dynamic", [])
    return ort_runner(out, threads), seconds


def nncf_static(fp32: Path, calib: list[dict], threads: int) -> tuple:
    """nncf.quantize(model, Dataset(calib), subset_size=len(calib): every calibration feed, of
    whatever batch); its other arguments are NNCF's defaults."""
    import nncf
    import openvino as ov

    core = ov.Core()
    t0 = time.perf_counter()
    q = nncf.quantize(core.read_model(str(fp32)), nncf.Dataset(calib), subset_size=len(calib))
    seconds = time.perf_counter() - t0
    compiled = core.compile_model(q, "CPU", engine_openvino.config(threads))
    names = output_names(fp32)
    port = {n: p for p in compiled.outputs for n in p.get_names()}

    def run(feed):
        result = compiled(feed)
        return [np.asarray(result[port[n]]) for n in names]
    return run, seconds


def torch_runner(module, names: list[str], threads: int, wrap: Callable | None) -> Runner:
    """torch.set_num_threads(threads), inference_mode; `wrap(outputs, feed)` maps the module's
    outputs to the ONNX graph's where they differ."""
    def run(feed):
        out = engine_torch.TorchRunner(module, threads, feed, names).infer([feed])
        return wrap(out, feed) if wrap else out
    return run


def torch_fp32(fp32: Path, recipe: str | None, names: list[str], feed: dict, output: int, wrap: Callable | None):
    """The model as a torch module: "from_onnx" (onnx_to_torch), "minilm" (the package's BERT);
    checked against the ONNX model on `feed` (output `output`), so that a torch row is the same model's."""
    if recipe is None:
        raise Missing("no torch module of this model")
    if recipe == "minilm":
        module = engine_torch._minilm(names).eval()
    else:
        from onnx_to_torch import convert
        module = convert(fp32).eval()
    agree = metrics.cosine(torch_runner(module, names, 1, wrap)(feed)[output], ort_runner(fp32, 1)(feed)[output])
    if agree < 0.9999:
        raise Missing(f"the torch module's fp32 output is not the ONNX model's (cosine {agree:.5f})")
    return module


def torch_quantize(module, mode: str, calib: list[dict], names: list[str], threads: int,
                   wrap: Callable | None) -> tuple:
    q, seconds = engine_torch.quantize(module, mode, calib, names)
    return torch_runner(q, names, threads, wrap), seconds
