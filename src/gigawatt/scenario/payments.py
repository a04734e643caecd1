"""Cash-basis payment rules shared by the planner and the forecast.

A build is paid when delivered (a deposit ``lead_months`` before), a prepaid reservation
its whole term when it starts (:mod:`gigawatt.plan.cashbasis` applies them to a plan's
installations; :mod:`gigawatt.forecast.finance` to installations inferred from use with
:func:`deliveries`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigawatt.scenario.timeline import Timeline, parse_month

__all__ = ["deliveries", "paid_on_delivery", "term_hours"]

F64 = npt.NDArray[np.float64]


def term_hours(months: list[str], term: int) -> F64:
    """[T] calendar hours of the ``term`` months starting at each month."""
    n = len(months)
    hours = Timeline(parse_month(months[0]), n + term).hours
    total = np.concatenate([[0.0], np.cumsum(hours)])
    start = np.arange(n)
    return np.asarray(total[start + term] - total[start], dtype=float)


def paid_on_delivery(new: F64, on_delivery: F64, deposit: F64, lag: int) -> F64:
    """Paid per month for what is delivered in each month (axis 0 is the month).

    ``on_delivery`` per unit in the month it is delivered, ``deposit`` per unit ``lag``
    months before (a deposit due before the first month is not paid inside the months).
    Arrays broadcast: ``new`` is ``[T]`` or ``[T, n]``.
    """
    paid = np.asarray(on_delivery * new, dtype=float)
    if 0 <= lag < paid.shape[0] and np.any(deposit):
        due = np.broadcast_to(deposit * new, paid.shape)
        paid = paid.copy()
        paid[: paid.shape[0] - lag] += due[lag:]
    return paid


def deliveries(in_use: F64, life_months: int) -> F64:
    """``[T, n]`` units delivered each month so that ``in_use`` is covered, fewest first.

    A unit delivered in month t serves months t .. t + life - 1 (a build's lifetime, a
    reservation's term). Month by month the units still alive are used first and only
    the rest is delivered: ``new_t = max(0, in_use_t - sum(new_{t-life+1} .. new_{t-1}))``.
    """
    use = np.asarray(in_use, dtype=float)
    new = np.zeros_like(use)
    alive = np.zeros(use.shape[1:])
    for t in range(use.shape[0]):
        if t >= life_months:
            alive = alive - new[t - life_months]
        new[t] = np.maximum(use[t] - alive, 0.0)
        alive = alive + new[t]
    return new
