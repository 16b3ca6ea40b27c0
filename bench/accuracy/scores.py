"""How close an int8 model's outputs are to the fp32 model's on the evaluation samples: a cosine
(mean over samples, metrics.cosine) and an agreement of the decision the output is used for."""
from __future__ import annotations

import numpy as np

import metrics

COSINE_GOAL, AGREEMENT_GOAL = 0.98, 95.0


def cosine(ref: np.ndarray, got: np.ndarray) -> float:
    """metrics.cosine (mean over rows, axis 0 the sample axis), a row of `got` holding a NaN or an
    infinity counting as cosine 0: a broken output is scored, not dropped."""
    _same_shape(ref, got)
    got2, ref2 = got.reshape(len(got), -1), ref.reshape(len(ref), -1)
    ok = np.isfinite(got2).all(axis=1)
    return float(metrics.cosine(got2[ok], ref2[ok]) * ok.sum() / len(ok)) if ok.any() else 0.0


def argmax_agreement(ref: np.ndarray, got: np.ndarray) -> float:
    """% of positions (all axes but the last) whose arg-max over the last axis matches."""
    _same_shape(ref, got)
    return float(np.mean(ref.argmax(-1) == got.argmax(-1)) * 100)


def threshold_agreement(ref: np.ndarray, got: np.ndarray, threshold: float) -> float:
    """% of elements on the same side of `threshold`."""
    _same_shape(ref, got)
    return float(np.mean((ref > threshold) == (got > threshold)) * 100)


def sequence_cosine(ref: list[np.ndarray], got: list[np.ndarray]) -> float:
    """Mean over sequences of the cosine between each sequence's outputs (flattened)."""
    if len(ref) != len(got):
        raise ValueError(f"{len(got)} sequences for {len(ref)} reference sequences")
    return float(np.mean([cosine(r.reshape(1, -1), g.reshape(1, -1)) for r, g in zip(ref, got)]))


def meets_goal(cosine: float, agreement: float | None) -> bool:
    """The goal; a model without a decision to agree on (agreement None) is held to the cosine."""
    return cosine >= COSINE_GOAL and (agreement is None or agreement >= AGREEMENT_GOAL)


def _same_shape(ref, got):
    if ref.shape != got.shape:
        raise ValueError(f"shape {got.shape} vs reference {ref.shape}")
