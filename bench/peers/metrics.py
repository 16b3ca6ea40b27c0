"""Accuracy and fidelity metrics, one function per metric named in bench/models.json."""
from __future__ import annotations

import numpy as np


def top1(logits: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of samples whose arg-max class equals the label (axis 0 is the sample axis)."""
    logits = logits.reshape(logits.shape[0], -1)
    labels = labels.reshape(-1).astype(np.int64)
    if logits.shape[0] != labels.shape[0]:
        raise ValueError(f"{logits.shape[0]} predictions for {labels.shape[0]} labels")
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def cosine(test: np.ndarray, ref: np.ndarray) -> float:
    """Mean cosine similarity between matching rows (axis 0 is the sample axis); an
    all-zero row pair counts as identical, a zero row against a non-zero one as 0."""
    a = test.reshape(test.shape[0], -1).astype(np.float64)
    b = ref.reshape(ref.shape[0], -1).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape {test.shape} vs reference {ref.shape}")
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    dots = np.sum(a * b, axis=1)
    both_zero = (na == 0) & (nb == 0)
    denom = np.where(na * nb == 0, 1.0, na * nb)
    cos = np.where(both_zero, 1.0, dots / denom)
    return float(np.mean(cos))


def max_abs_diff(test: np.ndarray, ref: np.ndarray) -> float:
    if test.shape != ref.shape:
        raise ValueError(f"shape {test.shape} vs reference {ref.shape}")
    return float(np.max(np.abs(test.astype(np.float64) - ref.astype(np.float64)), initial=0.0))


# name -> (function, needs labels, higher is better, column title)
METRICS = {
    "top1": (top1, True, True, "top-1"),
    "cosine": (cosine, False, True, "cosine vs fp32"),
    "max_abs_diff": (max_abs_diff, False, False, "max |Δ| vs fp32"),
}


def evaluate(name: str, output: np.ndarray, *, labels=None, reference=None) -> float:
    """Apply metric `name`: labelled metrics use `labels`, fidelity metrics `reference`."""
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; known: {', '.join(METRICS)}")
    fn, needs_labels, _, _ = METRICS[name]
    return fn(output, labels) if needs_labels else fn(output, reference)
