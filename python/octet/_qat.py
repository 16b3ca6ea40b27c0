"""octet.quantize_aware_train: `octet qat` from Python (docs/qat.md, docs/python.md).

The keyword arguments follow the CLI's flags and octet::QatOptions (octet/qat.h); the data take
the forms octet.quantize_static's calibration data take.
"""
import json
import os
from typing import Any, Callable, List, Mapping, Optional, Sequence, Union

import numpy as np

from . import _model, _octet
from ._model import ModelLike
from ._quantize import _DTYPE_ALIASES, Calib, PathLike, _calibration_data, _finish

Labels = Union[PathLike, Any]  # a .npy path or an integer array, one label per sample


def _labels(labels: Optional[Labels]) -> Optional[np.ndarray]:
    if labels is None:
        return None
    if isinstance(labels, (str, os.PathLike)):
        return _octet.read_npy(os.fspath(labels))
    return np.ascontiguousarray(labels)


def quantize_aware_train(model: ModelLike, train: Calib, labels: Optional[Labels] = None,
                         output: Optional[PathLike] = None, *, val: Optional[Calib] = None,
                         val_labels: Optional[Labels] = None, epochs: int = 3, batch_size: int = 32,
                         optimizer: str = "sgd", lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 0.0,
                         schedule: str = "cosine", step_epochs: int = 1, gamma: float = 0.1,
                         freeze_observers_after: Optional[int] = None, freeze_bn_after: Optional[int] = None,
                         learn_scales: bool = False, distill: Optional[str] = None, temperature: float = 1.0,
                         observer: str = "moving_average", per_channel: bool = True, activation_type: Any = "uint8",
                         nodes_to_exclude: Sequence[str] = (), config: Union[PathLike, Mapping[str, Any], None] = None,
                         seed: int = 0, threads: int = 1, checkpoint: Optional[PathLike] = None,
                         resume: Optional[PathLike] = None,
                         on_step: Optional[Callable[[int, int, int, float, float], None]] = None,
                         history: Optional[List[dict]] = None) -> bytes:
    """Quantization-aware training (`octet qat`): the QDQ model's bytes.

    train / val: input name -> samples on axis 0, an iterable of such dicts, or a .npz/.npy path.
    labels / val_labels: integer class labels (array or .npy path); labels may be None with
    distill="kl" or "mse" (train against the float model's outputs). freeze_observers_after /
    freeze_bn_after: None means never (0 for freeze_bn_after: from the start). on_step(epoch,
    step, steps, loss, top1) is called after every step (top1 -1 when distilling). history, when a
    list, receives one dict per epoch (loss, top1, val_top1, lr, seconds).
    """
    graph = _model.load(model)
    arrays, _ = _calibration_data(graph, train, "the training data")
    val_arrays = _calibration_data(graph, val, "the validation data")[0] if val is not None else {}
    o = _octet.QatOptions()
    o.epochs = epochs
    o.batch = batch_size
    o.optimizer = optimizer
    o.lr = lr
    o.momentum = momentum
    o.weight_decay = weight_decay
    o.schedule = schedule
    o.step_epochs = step_epochs
    o.gamma = gamma
    o.freeze_observers_after = -1 if freeze_observers_after is None else freeze_observers_after
    o.freeze_bn_after = -1 if freeze_bn_after is None else freeze_bn_after
    o.learn_scales = learn_scales
    o.distill = distill or ""
    o.temperature = temperature
    o.observer = observer
    o.per_channel = per_channel
    name = activation_type if isinstance(activation_type, str) else np.dtype(activation_type).name
    o.act_dtype = _DTYPE_ALIASES.get(name, name)
    o.exclude = list(nodes_to_exclude)
    if isinstance(config, Mapping):
        o.config_json = json.dumps(config)
    elif config is not None:
        o.config_json = _octet.read_text(os.fspath(config))
    o.seed = seed
    o.threads = threads
    o.checkpoint = os.fspath(checkpoint) if checkpoint is not None else ""
    o.resume = os.fspath(resume) if resume is not None else ""
    quantized, (epochs_done, _) = _octet.quantize_aware_train(graph, arrays, _labels(labels), o, val_arrays,
                                                               _labels(val_labels), on_step)
    if history is not None:
        history.extend(epochs_done)
    return _finish(model, quantized, output)
