"""Plan charts about value: clause costs, marginal values of capacity, cash."""

from __future__ import annotations

import pandas as pd

from gigawatt.report import fmt
from gigawatt.report.charts import Chart, Event, Heatmap, Panel, Series, Waterfall, stacked
from gigawatt.report.data import ResultSet, row_at

__all__ = ["cash_chart", "clause_chart", "marginal_chart"]


def clause_chart(results: ResultSet) -> Chart | None:
    """Waterfall of clause costs, when the directory holds them."""
    costs = results.clause_costs
    if costs is None or costs.empty:
        return None
    labels = [
        f"{c} #{int(i)} {str(t).replace('_', ' ')}"
        for c, i, t in zip(costs["contract"], costs["clause_index"], costs["type"], strict=True)
    ]
    scale, unit = fmt.money_unit(float(costs["cost_usd"].abs().max()))
    values = [float(v) / scale for v in costs["cost_usd"]]
    total = sum(values)
    return Chart(
        id="clauses",
        title="What each contract clause costs",
        caption=f"Each bar is the objective with the clause minus the objective without it "
        f"(present value). Clauses are measured one at a time, so the total "
        f"({fmt.usd(total * scale)}) is an indication, not an exact sum.",
        panels=(
            Panel(
                f"Clause costs ({unit}, present value)",
                unit,
                waterfall=Waterfall(
                    (*labels, "all clauses"), (*values, total), (*([False] * len(values)), True)
                ),
                months=False,
            ),
        ),
        columns=1,
        panel_height=420,
    )


def _heat(frame: pd.DataFrame, label: str) -> Heatmap:
    table = frame.pivot_table(
        index="site", columns="month", values="value_usd", aggfunc="max", fill_value=0.0
    )
    return Heatmap(
        x=tuple(str(m) for m in table.columns),
        y=tuple(str(s) for s in table.index),
        z=tuple(tuple(float(v) for v in row) for row in table.to_numpy()),
        label=label,
    )


def marginal_chart(results: ResultSet) -> Chart | None:
    """Heatmaps of the duals: one more accelerator, one more MW, by site and month."""
    duals = results.table("duals")
    if duals.empty:
        return None
    panels = []
    acc = duals[duals["kind"] == "accelerator"]
    mw = duals[duals["kind"] == "power"]
    if len(acc):
        panels.append(
            Panel(
                "One more accelerator ($ per accelerator-month, best offer at the site)",
                "site",
                heatmap=_heat(acc, "$/acc-month"),
            )
        )
    if len(mw) and float(mw["value_usd"].abs().max()) > 0:
        panels.append(
            Panel(
                "One more MW of site power ($ per MW-month)",
                "site",
                heatmap=_heat(mw, "$/MW-month"),
            )
        )
    if not panels:
        return None
    best = row_at(duals, "value_usd", largest=True)
    caption = (
        "No capacity is scarce: one more accelerator or MW would not lower the cost."
        if float(best["value_usd"]) <= 0
        else f"Capacity is worth most at {best['site']} in {best['month']}: "
        f"{fmt.usd(float(best['value_usd']))} per "
        f"{'accelerator' if best['kind'] == 'accelerator' else 'MW'}-month (present value)."
    )
    return Chart(
        id="marginal",
        title="Marginal values by site and month",
        caption=caption,
        panels=tuple(panels),
        columns=1,
        panel_height=max(260, 40 + 28 * duals["site"].nunique()),
    )


def cash_chart(results: ResultSet) -> Chart | None:
    """Cash (cash basis) at month end with funding events, and the monthly flows as paid."""
    fin = results.table("finance")
    if fin.empty or "min_cash_usd" not in results.summary:
        return None
    fin = fin.sort_values("month")
    months = tuple(fin["month"].astype(str))
    events = tuple(
        Event(str(m), f"+{fmt.usd(float(v))}")
        for m, v in zip(fin["month"], fin["funding_usd"], strict=True)
        if v > 0
    )
    flows = {
        "revenue": fin["revenue_usd"],
        "revenue share": -fin["revenue_share_usd"],
        "compute paid": -fin["compute_paid_usd"],
        "min-spend shortfall": -fin["min_spend_shortfall_usd"],
        "other opex": -fin["other_opex_usd"],
        "financing": fin["financing_usd"],
    }
    scale, unit = fmt.money_unit(float(fin["cash_usd"].abs().max()))
    flow_scale, flow_unit = fmt.money_unit(max(float(v.abs().max()) for v in flows.values()))
    flow_colors = dict(
        zip(flows, ("#009E73", "#CC79A7", "#0072B2", "#D55E00", "#999999", "#E69F00"), strict=True)
    )
    flow_series = stacked(
        months,
        {k: list(v.to_numpy() / flow_scale) for k, v in flows.items() if float(v.abs().sum()) > 0},
        "bar",
        flow_colors,
    )
    low = row_at(fin, "cash_usd")
    return Chart(
        id="cash",
        title="Cash with funding events",
        caption=f"Cash bottoms out at {fmt.usd(float(low['cash_usd']))} in {low['month']}; "
        f"{len(events)} funding event(s) marked.",
        panels=(
            Panel(
                f"Cash at month end ({unit})",
                unit,
                (Series("cash", months, tuple(fin["cash_usd"] / scale), "line", "#0072B2"),),
                events=events,
                zero_line=True,
            ),
            Panel(
                f"Monthly cash flows ({flow_unit}, funding excluded)",
                flow_unit,
                flow_series,
                zero_line=True,
            ),
        ),
    )
