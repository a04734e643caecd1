r"""The lab's bid from its plan: the shadow prices of compute and power, per year.

A solved plan's ``compute_value`` table (:mod:`gigawatt.plan.computevalue`) says what one
more H100e-month is worth to each workload and one more MW-month to each site, in USD of
that month. One more unit of the market's supply goes to its best use, so the lab's
willingness to pay in month :math:`t` is the largest of them,
:math:`b_t = \max_w v_{w,t}` (0 in a month where nothing prices the unit). Per year, over
the plan's months in that year:

.. math:: \text{bid}_y = 12 \cdot \operatorname{mean}_{t \in y} b_t

in USD per H100e-year (the market's bid unit) and USD per MW-year (the lab's value of
power, shown beside the market's power rent; the market charges power at its cost and
clears on the H100e bid). Years outside the plan's horizon keep the file's bid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gigawatt.errors import InputError
from gigawatt.plan.results import Plan

__all__ = ["LAB_BID_COLUMNS", "bids_by_year", "lab_bid_from_plan", "lab_bid_from_values"]

LAB_BID_COLUMNS = ["year", "months", "usd_per_h100e_year", "usd_per_mw_year"]


def lab_bid_from_values(value: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """The lab's bid per year from a plan's ``compute_value`` table (module docstring).

    Args:
        value: The plan's ``compute_value`` table.
        months: The plan's months (``YYYY-MM``), horizon only.

    Raises:
        InputError: the table is empty (a plan solved without duals).
    """
    if not len(value):
        raise InputError(
            "the plan has no shadow prices (compute_value is empty): solve it with duals "
            "(`gigawatt plan --duals --out DIR`) to take the lab's bid from it"
        )
    best = value.groupby(["unit", "month"])["usd_per_unit_month"].max()
    frame = pd.DataFrame({"month": months})
    for unit, column in (("H100e", "usd_per_h100e_year"), ("MW", "usd_per_mw_year")):
        per_month = best.loc[unit] if unit in best.index.get_level_values(0) else pd.Series()
        frame[column] = frame["month"].map(per_month).fillna(0.0).astype(np.float64)
    frame["year"] = frame["month"].str[:4].astype(int)
    out = frame.groupby("year").agg(
        months=("month", "size"),
        usd_per_h100e_year=("usd_per_h100e_year", "mean"),
        usd_per_mw_year=("usd_per_mw_year", "mean"),
    )
    out[["usd_per_h100e_year", "usd_per_mw_year"]] *= 12.0
    return out.reset_index()[LAB_BID_COLUMNS]


def lab_bid_from_plan(plan: Plan) -> pd.DataFrame:
    """The lab's bid per year from a solved plan (:func:`lab_bid_from_values`).

    Raises:
        InputError: the plan has no ``compute_value`` table (saved by an older gigawatt,
            or solved without duals).
    """
    value = plan.tables.get("compute_value")
    if value is None:
        raise InputError(
            "the plan has no compute_value table (saved before it existed): solve it again "
            "with `gigawatt plan --out DIR`"
        )
    horizon = plan.summary["horizon"]
    months = [str(p) for p in pd.period_range(horizon["start"], horizon["end"], freq="M")]
    return lab_bid_from_values(value, months)


def bids_by_year(bid: pd.DataFrame) -> dict[int, float]:
    """Year -> USD per H100e-year, the mapping :func:`gigawatt.market.analyze_market` takes."""
    return {int(y): float(v) for y, v in zip(bid["year"], bid["usd_per_h100e_year"], strict=True)}
