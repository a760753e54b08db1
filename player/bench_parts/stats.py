"""Percentiles, the way every benchmark here reports them."""

from __future__ import annotations

import math


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported figure was really measured)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float], ps: tuple[int, ...] = (50, 95, 99)) -> dict[str, float]:
    out = {f"p{p}": round(percentile(values, p), 1) for p in ps}
    out["n"] = len(values)
    return out
