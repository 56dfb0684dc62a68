"""Small, dependency-free statistics for benchmarks: medians with their spread, and a least-squares
line through (size, time) points whose slope is the cost per job."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    median: float
    q1: float
    q3: float
    low: float
    high: float
    n: int

    @property
    def spread(self) -> float:
        """The interquartile range relative to the median: 0.05 means the middle half of the runs
        lies within 5% of the median's size."""
        return (self.q3 - self.q1) / self.median if self.median else 0.0


def summarize(values: Sequence[float]) -> Summary:
    if not values:
        raise ValueError("no values to summarize")
    ordered = sorted(values)
    if len(ordered) >= 4:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1, q3 = ordered[0], ordered[-1]
    return Summary(statistics.median(ordered), q1, q3, ordered[0], ordered[-1], len(ordered))


@dataclass(frozen=True)
class Fit:
    slope: float
    intercept: float
    r2: float


def fit_line(xs: Sequence[float], ys: Sequence[float]) -> Fit | None:
    """The least-squares line y = slope * x + intercept, or None with fewer than two sizes."""
    if len(set(xs)) < 2 or len(xs) != len(ys):
        return None
    slope, intercept = statistics.linear_regression(xs, ys)
    mean = statistics.fmean(ys)
    total = sum((y - mean) ** 2 for y in ys)
    residual = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(xs, ys, strict=True))
    return Fit(slope, intercept, 1 - residual / total if total else 1.0)


def bends(xs: Sequence[float], per_unit: Sequence[float], factor: float = 1.5) -> list[float]:
    """The sizes at which the cost per unit changes by more than `factor` from the previous size:
    where a curve that should be straight bends (caches overflow, a collector kicks in)."""
    return [
        xs[i]
        for i in range(1, len(xs))
        if per_unit[i - 1] > 0 and not 1 / factor <= per_unit[i] / per_unit[i - 1] <= factor
    ]
