r"""Quantile bands over samples, streamed chunk by chunk, and rank correlations.

Bands. Quantile :math:`q` of the :math:`N` values :math:`x_{(0)} \le \dots \le
x_{(N-1)}` of one month is numpy's default ("linear"):
:math:`x_{(\lfloor h \rfloor)} + (h - \lfloor h \rfloor)(x_{(\lceil h \rceil)} -
x_{(\lfloor h \rfloor)})` with :math:`h = (N - 1) q`.

* :class:`ExactStore` keeps every value as float32 (4 bytes per sample and month) and
  computes that quantile exactly (of the float32-rounded values: relative error below
  :math:`6 \cdot 10^{-8}`) from the true order statistics, found by bracketing and
  partial sorts (:func:`_select`). Months whose values are all equal skip the selection.
* :class:`HistogramStore` keeps, per month, counts in :data:`HISTOGRAM_BINS` equal bins
  between the month's minimum and maximum (found by a first pass,
  :class:`RangeStore`), and reads an order statistic by spreading the values of its
  bin evenly across the bin. The error is at most one bin width,
  :math:`(\max - \min) / 4096`, per month. It is used when exact storage would exceed
  the memory budget.

Sensitivity. Spearman's rank correlation is the Pearson correlation of the ranks
(average ranks for ties); it is 0 for a constant column.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

__all__ = [
    "HISTOGRAM_BINS",
    "QUANTILES",
    "ExactStore",
    "HistogramStore",
    "RangeStore",
    "spearman",
]

F64 = NDArray[np.float64]
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HISTOGRAM_BINS = 4096


def _full(values: F64, n: int) -> F64:
    return np.broadcast_to(values, (values.shape[0], n))


class ExactStore:
    """Every sample's value per month (float32, month-major); exact quantiles.

    Args:
        samples: Total number of samples.
        columns: Months (or 1 for a per-sample scalar).
    """

    def __init__(self, samples: int, columns: int) -> None:
        self.samples = samples
        self.data = np.empty((columns, samples), dtype=np.float32)

    @staticmethod
    def bytes_needed(samples: int, columns: int) -> int:
        """Memory the store takes."""
        return 4 * samples * columns

    def add(self, start: int, values: F64, n: int) -> None:
        """Store samples ``start .. start + n - 1`` (``values`` is ``[C, n]`` or ``[C, 1]``)."""
        self.data[:, start : start + n] = values

    def quantiles(self, qs: Sequence[float] = QUANTILES, workers: int = 1) -> F64:
        """``[len(qs), C]`` quantiles of every column (numpy's linear method).

        Args:
            qs: Probabilities.
            workers: Threads selecting columns at once (numpy's comparisons release
                the GIL); the result does not depend on it.
        """
        out = np.empty((len(qs), self.data.shape[0]))

        def column(j: int) -> None:
            row = self.data[j]
            lo, hi = row.min(), row.max()
            out[:, j] = float(lo) if lo == hi else _select(row, qs)

        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(column, range(self.data.shape[0])))
        else:
            for j in range(self.data.shape[0]):
                column(j)
        return out

    def mean(self) -> F64:
        """Mean of every column."""
        return np.asarray(self.data.mean(axis=1, dtype=np.float64))


class RangeStore:
    """Minimum and maximum of every column (first pass of the histogram method)."""

    def __init__(self, columns: int) -> None:
        self.low = np.full(columns, np.inf)
        self.high = np.full(columns, -np.inf)

    def add(self, start: int, values: F64, n: int) -> None:
        """Account for ``n`` samples."""
        del start, n
        self.low = np.minimum(self.low, values.min(axis=1))
        self.high = np.maximum(self.high, values.max(axis=1))


class HistogramStore:
    """Counts per month in equal bins between known bounds; approximate quantiles.

    Args:
        samples: Total number of samples.
        low: Per column minimum over all samples.
        high: Per column maximum over all samples.
        bins: Bins per column.
    """

    def __init__(self, samples: int, low: F64, high: F64, bins: int = HISTOGRAM_BINS) -> None:
        self.samples = samples
        self.bins = bins
        self.low = np.asarray(low, dtype=np.float64)
        self.high = np.asarray(high, dtype=np.float64)
        span = self.high - self.low
        self.width = np.where(span > 0, span / bins, 1.0)
        self.counts = np.zeros((len(self.low), bins), dtype=np.int64)
        self.sums = np.zeros(len(self.low))

    @staticmethod
    def bytes_needed(columns: int, bins: int = HISTOGRAM_BINS) -> int:
        """Memory the store takes."""
        return 8 * columns * bins

    def add(self, start: int, values: F64, n: int) -> None:
        """Count samples ``start .. start + n - 1``."""
        del start
        v = _full(values, n)
        b = np.floor((v - self.low[:, None]) / self.width[:, None])
        b = np.clip(b, 0, self.bins - 1).astype(np.int64)
        flat = b + np.arange(v.shape[0])[:, None] * self.bins
        self.counts += np.bincount(flat.ravel(), minlength=self.counts.size).reshape(
            self.counts.shape
        )
        self.sums += v.sum(axis=1)

    def _order_statistic(self, j: int, cum: NDArray[np.int64], rank: float) -> float:
        b = int(np.searchsorted(cum, rank, side="right"))
        b = min(b, self.bins - 1)
        before = float(cum[b - 1]) if b > 0 else 0.0
        count = float(cum[b]) - before
        inside = (rank - before + 0.5) / count if count > 0 else 0.5
        return float(self.low[j] + (b + min(max(inside, 0.0), 1.0)) * self.width[j])

    def quantiles(self, qs: Sequence[float] = QUANTILES, workers: int = 1) -> F64:
        """``[len(qs), C]`` approximate quantiles of every column (``workers`` unused)."""
        del workers
        out = np.empty((len(qs), len(self.low)))
        for j in range(len(self.low)):
            if self.high[j] == self.low[j]:
                out[:, j] = self.low[j]
                continue
            cum = np.cumsum(self.counts[j])
            for i, q in enumerate(qs):
                h = (self.samples - 1) * q
                lo = self._order_statistic(j, cum, np.floor(h))
                hi = self._order_statistic(j, cum, np.ceil(h))
                out[i, j] = min(max(lo + (h - np.floor(h)) * (hi - lo), self.low[j]), self.high[j])
        return out

    def mean(self) -> F64:
        """Mean of every column."""
        return self.sums / self.samples


def _select(row: NDArray[np.float32], qs: Sequence[float]) -> F64:
    r"""Linear-method quantiles of one row from its exact order statistics.

    With :math:`h = (N - 1) q` and :math:`k = \lfloor h \rfloor` the quantile needs
    :math:`x_{(k)}` and :math:`x_{(k+1)}`. For large rows they are found by bracketing
    (Floyd-Rivest): a sorted sample of about 4096 values suggests bounds :math:`L \le U`
    four standard errors (plus three ranks) either side of rank :math:`k`; one pass
    counts the values below :math:`L`, another keeps those within :math:`[L, U]`; if the
    ranks fall inside, a partition of that small set gives them exactly, otherwise the
    whole row is partitioned. Either way the values are the row's true order statistics.
    """
    n = row.size
    h = (n - 1) * np.asarray(qs, dtype=np.float64)
    k = np.floor(h).astype(np.int64)
    k1 = np.minimum(k + 1, n - 1)
    if n < 8 * _SAMPLE:
        part = np.partition(row, sorted(set(k.tolist()) | set(k1.tolist())))
        low, high = part[k].astype(np.float64), part[k1].astype(np.float64)
        return np.asarray(low + (h - k) * (high - low))
    sample = np.sort(row[:: n // _SAMPLE])
    m = sample.size
    low, high = np.empty(len(k)), np.empty(len(k))
    for i, (r, r1) in enumerate(zip(k.tolist(), k1.tolist(), strict=True)):
        low[i], high[i] = _bracketed(row, sample, r, r1, m)
    return np.asarray(low + (h - k) * (high - low))


_SAMPLE = 4096


def _bracketed(
    row: NDArray[np.float32], sample: NDArray[np.float32], r: int, r1: int, m: int
) -> tuple[float, float]:
    """Order statistics ``r`` and ``r1 = r + 1`` (or ``r``) of ``row``, exactly."""
    n = row.size
    q = r / (n - 1)
    centre = q * (m - 1)
    spread = 4.0 * math.sqrt(m * q * (1.0 - q)) + 3.0
    lo, hi = math.floor(centre - spread), math.ceil(centre + spread) + 1
    below = 0
    if lo >= 0 and hi < m:
        lower, upper = sample[lo], sample[hi]
        below = int(np.count_nonzero(row < lower))
        if lower == upper:
            equal = int(np.count_nonzero(row == lower))
            if below <= r and r1 < below + equal:
                return float(lower), float(lower)
        inside = np.compress((row >= lower) & (row <= upper), row)
    elif lo >= 0:
        lower = sample[lo]
        below = int(np.count_nonzero(row < lower))
        inside = np.compress(row >= lower, row)
    elif hi < m:
        inside = np.compress(row <= sample[hi], row)
    else:
        inside = row
    if not (below <= r and r1 < below + inside.size):
        inside, below = row, 0
    a, b = r - below, r1 - below
    part = np.partition(inside, [a, b] if b != a else a)
    return float(part[a]), float(part[b])


def spearman(x: F64, y: F64) -> F64:
    """Spearman rank correlation of each column of ``x`` ``[m, k]`` with ``y`` ``[m]``."""
    if x.shape[0] < 2 or x.shape[1] == 0:
        return np.zeros(x.shape[1])
    rx = rankdata(x, axis=0)
    ry = rankdata(y)
    rx = rx - rx.mean(axis=0)
    ry = ry - ry.mean()
    denom = np.sqrt((rx**2).sum(axis=0) * (ry**2).sum())
    num = (rx * ry[:, None]).sum(axis=0)
    return np.asarray(np.divide(num, denom, out=np.zeros_like(num), where=denom > 0))
