"""Latency statistics and ratios: pure functions, no numpy, so the self-test needs nothing."""
from __future__ import annotations

import math


def percentile(values: list[float], q: float) -> float:
    """q-th percentile (0..100) with linear interpolation between closest ranks,
    the same definition as numpy.percentile's default, so numbers match any notebook."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q} outside [0, 100]")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def median(values: list[float]) -> float:
    return percentile(values, 50.0)


def summarize(latencies_ms: list[float]) -> dict:
    """The numbers a results row carries for one latency sample."""
    return {
        "median_ms": median(latencies_ms),
        "p90_ms": percentile(latencies_ms, 90.0),
        "runs": len(latencies_ms),
    }


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value / baseline, or None when either side is missing or the baseline is zero."""
    if value is None or baseline is None or baseline <= 0.0:
        return None
    return value / baseline
