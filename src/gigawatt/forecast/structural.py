r"""Structure versus chance in the forecast's shortfalls.

A demand class :math:`c` (workloads served together, :mod:`~gigawatt.forecast.merit`)
is *short* in month :math:`t` of a sample when its gap exceeds
:data:`~gigawatt.forecast.summary.GAP_TOLERANCE` times its delivered demand:
:math:`q_{c,t} \sum_{w \in c} D_{w,t} > 10^{-9} \sum_{w \in c} D_{w,t}`. A pair
:math:`(t, c)` short in **every** sample is a *structural gap*: a step of the
scenario's own schedules (demand rising before contracted supply does), not a matter
of chance. Reported per structural gap: month, the class's workloads, the providers it
may use that month, and the gap (FLOP/s delivered: its minimum over samples, present in
every one, and its mean).

Probabilities, exact counts over samples whatever the chunk size:

* per calendar year :math:`y`: :math:`P(\exists t \in y: \text{month } t \text{ short})`
  (the month-level event of ``p_demand_exceeds_supply``);
* the same excluding the structural gaps: :math:`P(\exists t \in y, c: (t, c)
  \text{ short and not structural})`, and over the whole horizon.

Structural pairs are known only once every sample is seen. The count needs no second
pass: the pairs short in every sample *so far* (candidates) only shrink, and every
sample seen so far is short at each candidate. So when a candidate drops out (a sample
is not short there), every earlier sample was short at a pair now known not to be
structural, and counts as short beyond structure; later samples are judged against
the candidates left.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["GapTally"]

F64 = NDArray[np.float64]
B = NDArray[np.bool_]


class GapTally:
    """Per (month, class) shortness, accumulated chunk by chunk (see the module doc).

    Args:
        years: ``[T]`` calendar year of each month.
        classes: Number of demand classes.
        tolerance: A class is short when its gap exceeds this fraction of its demand.
    """

    def __init__(self, years: NDArray[np.int64], classes: int, tolerance: float) -> None:
        t = len(years)
        self.tolerance = tolerance
        # months are in order, so each year is a run of months starting at year_starts
        self.year_labels, self.year_starts = np.unique(years, return_index=True)
        n_y = len(self.year_labels)
        self.candidates = np.ones((t, classes), dtype=bool)
        self.gap_min = np.full((t, classes), np.inf)
        self.gap_sum = np.zeros((t, classes))
        self.short_by_year = np.zeros(n_y, dtype=np.int64)
        self.beyond_by_year = np.zeros(n_y, dtype=np.int64)
        self.beyond_any = 0
        self.seen = 0

    def add(self, class_gap: list[F64], class_demand: list[F64], month_short: B, n: int) -> None:
        """Count one chunk of ``n`` samples (chunks in sample order).

        Args:
            class_gap: Per class, ``[T, n]`` or ``[T, 1]`` gap in delivered FLOP/s.
            class_demand: Per class, the same shape, delivered FLOP/s demanded.
            month_short: ``[T, n]`` (or broadcastable) the month-level shortfall event.
            n: Samples in the chunk.
        """
        t, n_c = self.candidates.shape
        short = np.zeros((t, n_c, n), dtype=bool)
        for c in range(n_c):
            gap = np.broadcast_to(class_gap[c], (t, n))
            short[:, c, :] = gap > self.tolerance * np.broadcast_to(class_demand[c], (t, n))
            self.gap_min[:, c] = np.minimum(self.gap_min[:, c], gap.min(axis=1))
            self.gap_sum[:, c] += gap.sum(axis=1)
        by_year = self._by_year(np.broadcast_to(month_short, (t, n)))
        self.short_by_year += by_year.sum(axis=1)
        kept = self.candidates & short.all(axis=2)
        dropped = self.candidates & ~kept
        outside = short & ~kept[:, :, None]  # short at a pair not (any more) a candidate
        outside_by_year = self._by_year(np.asarray(outside.any(axis=1)))
        dropped_years = self._by_year(np.asarray(dropped.any(axis=1)))
        self.beyond_by_year[dropped_years] = self.seen  # every earlier sample was short there
        self.beyond_by_year += outside_by_year.sum(axis=1)
        if dropped.any():
            self.beyond_any = self.seen
        self.beyond_any += int(outside_by_year.any(axis=0).sum())
        self.candidates = kept
        self.seen += n

    def _by_year(self, flags: B) -> B:
        """``[Y, ...]``: whether any month of each year is flagged (``flags`` ``[T, ...]``)."""
        out: B = np.logical_or.reduceat(flags, self.year_starts, axis=0)
        return out

    def summary(
        self,
        months: list[str],
        class_workloads: list[list[str]],
        class_providers: list[list[list[str]]],
    ) -> dict[str, Any]:
        """The summary keys (see the module doc).

        Args:
            months: Month labels.
            class_workloads: Per class, its workloads' names.
            class_providers: Per class and month, the providers it may use.
        """
        samples = max(self.seen, 1)
        gaps = []
        for t, c in zip(*np.nonzero(self.candidates), strict=True):
            gaps.append(
                {
                    "month": months[t],
                    "workloads": class_workloads[c],
                    "providers": class_providers[c][t],
                    "gap_flops_min": float(self.gap_min[t, c]),
                    "gap_flops_mean": float(self.gap_sum[t, c] / samples),
                }
            )
        years = [str(y) for y in self.year_labels]
        return {
            "structural_gaps": gaps,
            "p_demand_exceeds_supply_by_year": {
                y: float(v) / samples for y, v in zip(years, self.short_by_year, strict=True)
            },
            "p_demand_exceeds_supply_by_year_excluding_structural": {
                y: float(v) / samples for y, v in zip(years, self.beyond_by_year, strict=True)
            },
            "p_demand_exceeds_supply_any_month_excluding_structural": self.beyond_any / samples,
        }
