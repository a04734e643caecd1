"""The funding chart of a funded plan: sources and uses by year, the cash line and its floor.

Numbers from :mod:`gigawatt.plan.fundingfigures`; the fact sheet's anchors (reported
cumulative burn, reported compute spend to 2030) are in the chart's notes beside the
plan's figures over the same years.
"""

from __future__ import annotations

import math

from gigawatt.plan.fundingfigures import anchors, funding_by_year
from gigawatt.report import fmt
from gigawatt.report.charts import Chart, Panel, Series, stacked
from gigawatt.report.data import ResultSet

__all__ = ["funding_chart"]

#: Sources (positive) and uses (negative) in stacking order, with their colours.
_FLOWS = {
    "net revenue": ("revenue_net_usd", 1.0, "#009E73"),
    "funding events": ("funding_events_usd", 1.0, "#56B4E9"),
    "equity drawn": ("equity_usd", 1.0, "#0072B2"),
    "debt drawn": ("debt_drawn_usd", 1.0, "#E69F00"),
    "vendor financing": ("vendor_usd", 1.0, "#F0E442"),
    "compute paid": ("compute_paid_usd", -1.0, "#CC79A7"),
    "take-or-pay": ("take_or_pay_usd", -1.0, "#D55E00"),
    "other opex": ("other_opex_usd", -1.0, "#999999"),
    "debt repaid": ("debt_repaid_usd", -1.0, "#8C564B"),
    "interest and fees": ("interest_fees_usd", -1.0, "#000000"),
}


def _anchor_notes(results: ResultSet) -> tuple[str, ...]:
    notes = []
    for a in anchors(results.tables).to_dict(orient="records"):
        plan = a["plan_usd"]
        mine = fmt.usd(plan) if math.isfinite(plan) else "not in the horizon"
        notes.append(
            f"Reported {a['figure']} {a['first_year']}-{a['last_year']}: "
            f"{fmt.usd(a['reported_usd'])} ({a['source']}); this plan: {mine} "
            "(cash basis, before funding)."
        )
    return tuple(notes)


def funding_chart(results: ResultSet) -> Chart | None:
    """The chart, for a funded plan only (None otherwise)."""
    summary = results.summary
    if not summary.get("funded"):
        return None
    year = funding_by_year(results.tables)
    fin = results.table("finance")
    if year.empty or fin.empty:
        return None
    years = tuple(str(y) for y in year["year"])
    flows = {name: year[col] * sign for name, (col, sign, _) in _FLOWS.items()}
    scale, unit = fmt.money_unit(max(float(v.abs().max()) for v in flows.values()))
    colors = {name: color for name, (_, _, color) in _FLOWS.items()}
    bars = stacked(
        years,
        {k: list(v.to_numpy() / scale) for k, v in flows.items() if float(v.abs().sum()) > 0},
        "bar",
        colors,
    )
    fin = fin.sort_values("month")
    months = tuple(fin["month"].astype(str))
    cash = fin["cash_usd"]
    floor = float(summary.get("cash_floor_usd", 0.0))
    cash_scale, cash_unit = fmt.money_unit(max(float(cash.abs().max()), abs(floor)))
    needed = float(summary.get("funding_needed_usd", 0.0))
    lost_usd = summary.get("lost_revenue_to_funding_usd")
    lost = (
        ""
        if lost_usd is None
        else f" and loses {fmt.usd(float(lost_usd))} of revenue to the funding limits"
    )
    return Chart(
        id="funding",
        title="Funding: sources and uses, cash and its floor",
        caption=f"The plan draws {fmt.usd(needed)} over the horizon at a cost of "
        f"{fmt.usd(float(summary.get('financing_cost_usd', 0.0)))} (present value){lost}; "
        f"cash bottoms out at {fmt.usd(float(cash.min()))}.",
        panels=(
            Panel(
                f"Sources (+) and uses (-) by year ({unit})",
                unit,
                bars,
                zero_line=True,
                months=False,
            ),
            Panel(
                f"Cash at month end, cash basis ({cash_unit})",
                cash_unit,
                (
                    Series("cash", months, tuple(cash / cash_scale), "line", "#0072B2"),
                    Series(
                        "floor",
                        months,
                        tuple([floor / cash_scale] * len(months)),
                        "line",
                        "#D55E00",
                    ),
                ),
                zero_line=True,
            ),
        ),
        notes=_anchor_notes(results),
    )
