r"""Month-by-month recurrences over ``[months, samples]`` arrays, as compiled loops.

Each replaces a Python loop of one numpy call per month (about 1,000 small calls per
chunk), or a chain of whole-array numpy operations with their temporaries, with one
call doing the same float64 operations in the same order (inputs may be broadcast
views with zero strides):

* :func:`running_product`: :math:`x_{m,s} = x_{m-1,s} \, g_s` for :math:`m > m_0`;
* :func:`first_months`: per sample, the first month flagged, counted per month;
* :func:`add_served`: :math:`E \mathrel{+}= (1 - q) R`, :math:`S \mathrel{+}= (1 - q) P`
  (revenue earned and shared, :mod:`~gigawatt.forecast.finance`);
* :func:`cash_balance`: :math:`C_m = C_{m-1} + ((((E - S) - X) - O) + F)_m` from
  :math:`C_{-1} = C_0` (cash, :mod:`~gigawatt.forecast.finance`);
* :func:`weighted_sum`: :math:`\sum_m w_m x_{m,s}` added month after month (so the
  result does not depend on how many samples the array holds, unlike a BLAS product).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.jit import jit

__all__ = [
    "add_served",
    "cash_balance",
    "first_months",
    "running_product",
    "weighted_sum",
]

F64 = NDArray[np.float64]


@jit
def running_product(out: F64, first: int, factor: F64) -> None:
    """In place: ``out[m] = out[m - 1] * factor`` for ``m = first + 1 .. T - 1``.

    ``out`` is ``[T, n]``, ``factor`` ``[n]``.
    """
    for m in range(first + 1, out.shape[0]):
        for s in range(out.shape[1]):
            out[m, s] = out[m - 1, s] * factor[s]


@jit
def first_months(flags: NDArray[np.bool_], counts: NDArray[np.int64]) -> int:
    """Add to ``counts[m]`` the samples whose first flag is in month ``m``.

    ``flags`` is ``[T, n]`` (any strides, e.g. broadcast); returns how many samples
    have a flag at all.
    """
    months, n = flags.shape
    flagged = 0
    for s in range(n):
        for m in range(months):
            if flags[m, s]:
                counts[m] += 1
                flagged += 1
                break
    return flagged


@jit
def weighted_sum(weights: F64, values: F64) -> F64:
    """``[n]``: ``sum_m weights[m] * values[m, s]``, summed in month order from 0.

    ``values`` is ``[T, n]`` (any strides, e.g. broadcast).
    """
    out = np.zeros(values.shape[1])
    for m in range(values.shape[0]):
        for s in range(values.shape[1]):
            out[s] += weights[m] * values[m, s]
    return out


@jit
def add_served(revenue: F64, shared: F64, unmet: F64, full: F64, paid: F64) -> None:
    """In place: ``revenue += (1 - unmet) * full`` and ``shared += (1 - unmet) * paid``."""
    for m in range(revenue.shape[0]):
        for s in range(revenue.shape[1]):
            served = 1.0 - unmet[m, s]
            revenue[m, s] = revenue[m, s] + served * full[m, s]
            shared[m, s] = shared[m, s] + served * paid[m, s]


@jit
def cash_balance(
    revenue: F64, shared: F64, spend: F64, other: F64, funding: F64, cash0: F64
) -> F64:
    """``[T, n]`` cash: the running sum of the net flow, starting from ``cash0`` ``[n]``."""
    months, n = revenue.shape
    cash = np.empty((months, n))
    for m in range(months):
        for s in range(n):
            net = (((revenue[m, s] - shared[m, s]) - spend[m, s]) - other[m, s]) + funding[m, s]
            cash[m, s] = net + (cash0[s] if m == 0 else cash[m - 1, s])
    return cash
