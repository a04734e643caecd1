r"""Quantile bands over samples, streamed chunk by chunk, and rank correlations.

Bands. Quantile :math:`q` of the :math:`N` values :math:`x_{(0)} \le \dots \le
x_{(N-1)}` of one month is numpy's default ("linear"):
:math:`x_{(\lfloor h \rfloor)} + (h - \lfloor h \rfloor)(x_{(\lceil h \rceil)} -
x_{(\lfloor h \rfloor)})` with :math:`h = (N - 1) q`.

* :class:`ExactStore` keeps every value as float32 (4 bytes per sample and month) and
  computes that quantile exactly (of the float32-rounded values: relative error below
  :math:`6 \cdot 10^{-8}`) from the true order statistics, found by radix selection
  (:func:`linear_quantiles`, :mod:`gigawatt.forecast.selection`). Months whose values
  are all equal are never written: the store keeps their constant
  (:mod:`gigawatt.forecast.storekernel`), so their memory is not touched and the
  selection skips them.
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

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from gigawatt.forecast import buffers
from gigawatt.forecast.selection import order_statistics
from gigawatt.forecast.storekernel import VARYING, constant_sum, store_chunk

__all__ = [
    "HISTOGRAM_BINS",
    "QUANTILES",
    "ExactStore",
    "HistogramStore",
    "RangeStore",
    "linear_quantiles",
    "spearman",
    "spearman_columns",
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
        self.data = buffers.take(columns, samples)  # varying rows only; see close()
        self.state = np.zeros(columns, dtype=np.int8)
        self.const = np.zeros(columns, dtype=np.uint32)
        self._scratch = np.empty(0, dtype=np.float32)
        self._means: F64 | None = None

    def close(self) -> None:
        """Give the value buffer back for a later store (:mod:`~gigawatt.forecast.buffers`).

        The store must not be used afterwards.
        """
        buffers.give(self.data)
        self.data = np.empty((0, self.samples), dtype=np.float32)

    @staticmethod
    def bytes_needed(samples: int, columns: int) -> int:
        """Memory the store takes (at most; constant rows are never touched)."""
        return 4 * samples * columns

    def add(self, start: int, values: F64, n: int) -> None:
        """Store samples ``start .. start + n - 1`` (``values`` is ``[C, n]`` or ``[C, 1]``)."""
        v = np.asarray(values, dtype=np.float64)
        if v.shape[1] not in (1, n):
            v = np.broadcast_to(v, (v.shape[0], n))
        if len(self._scratch) < n:
            self._scratch = np.empty(n, dtype=np.float32)
        bits = self.data.view(np.uint32)
        store_chunk(
            self.data,
            bits,
            start,
            n,
            np.ascontiguousarray(v),
            self.state,
            self.const,
            self._scratch,
        )

    def constants(self) -> NDArray[np.float32]:
        """Per column, the value shared by every sample (where :meth:`varying` is False)."""
        return self.const.view(np.float32)

    def varying(self) -> NDArray[np.bool_]:
        """Per column, whether its samples differ (its values are stored in ``data``)."""
        return np.asarray(self.state == VARYING)

    def values(self) -> NDArray[np.float32]:
        """``[C, N]`` every stored value (constant columns filled in; a copy)."""
        out = self.data.copy()
        fixed = ~self.varying()
        out[fixed] = self.constants()[fixed, None]
        return out

    def quantiles(self, qs: Sequence[float] = QUANTILES, workers: int = 1) -> F64:
        """``[len(qs), C]`` quantiles of every column (numpy's linear method).

        The same pass sums every column, for :meth:`mean`.

        Args:
            qs: Probabilities.
            workers: Threads selecting columns at once (the compiled selection releases
                the GIL); the result does not depend on it.
        """
        rows = np.flatnonzero(self.varying())
        out, means = linear_quantiles(self.data, qs, workers, rows)
        fixed = np.flatnonzero(~self.varying())
        c = self.constants()
        for j in fixed.tolist():
            out[:, j] = np.float64(c[j])
            means[j] = constant_sum(c[j], self.samples) / self.samples
        self._means = means
        return out

    def mean(self) -> F64:
        """Mean of every column (float64 sums; kept from :meth:`quantiles` if it ran)."""
        if self._means is None:
            self.quantiles((0.5,))
        assert self._means is not None
        return self._means


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


def linear_quantiles(
    data: NDArray[np.float32],
    qs: Sequence[float],
    workers: int = 1,
    rows: NDArray[np.int64] | None = None,
) -> tuple[F64, F64]:
    r"""``[len(qs), rows]`` linear-method quantiles of each row of ``data`` ``[rows, N]``.

    Also returns each row's mean (float64 sum in order, divided by :math:`N`).

    With :math:`h = (N - 1) q` and :math:`k = \lfloor h \rfloor` the quantile is
    :math:`x_{(k)} + (h - k)(x_{(k+1)} - x_{(k)})` (float64 arithmetic on the float32
    order statistics), :math:`x_{(k+1)}` read as :math:`x_{(N-1)}` at the top. The
    order statistics are exact (:func:`gigawatt.forecast.selection.order_statistics`,
    rows split over ``workers`` threads). With ``rows``, only those rows are read (the
    others get zeros).
    """
    n = data.shape[1]
    h = (n - 1) * np.asarray(qs, dtype=np.float64)
    k = np.floor(h).astype(np.int64)
    k1 = np.minimum(k + 1, n - 1)
    ranks = np.unique(np.concatenate([k, k1]))
    found, sums = order_statistics(data, ranks, workers, rows)
    values = found.astype(np.float64)
    low = values[:, np.searchsorted(ranks, k)].T
    high = values[:, np.searchsorted(ranks, k1)].T
    return np.asarray(low + (h - k)[:, None] * (high - low)), sums / n


def spearman(x: F64, y: F64) -> F64:
    """Spearman rank correlation of each column of ``x`` ``[m, k]`` with ``y`` ``[m]``."""
    return spearman_columns(x, [y])[0]


def spearman_columns(x: F64, ys: Sequence[F64]) -> list[F64]:
    """:func:`spearman` of ``x`` with each of ``ys``, ranking ``x`` once."""
    if x.shape[0] < 2 or x.shape[1] == 0:
        return [np.zeros(x.shape[1]) for _ in ys]
    rx = rankdata(x, axis=0)
    rx = rx - rx.mean(axis=0)
    sx = (rx**2).sum(axis=0)
    out = []
    for y in ys:
        ry = rankdata(y)
        ry = ry - ry.mean()
        denom = np.sqrt(sx * (ry**2).sum())
        num = (rx * ry[:, None]).sum(axis=0)
        out.append(np.asarray(np.divide(num, denom, out=np.zeros_like(num), where=denom > 0)))
    return out
