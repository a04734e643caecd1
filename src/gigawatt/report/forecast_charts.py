"""The charts of a forecast report: fan charts of every band, probabilities, sensitivity.

A fan shows the median (line), the 25-75% band (dark) and the 5-95% band (light) of a
quantity per month, read from the forecast's ``bands`` table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gigawatt.report import fmt
from gigawatt.report.charts import Chart, Event, Panel, Series, SeriesKind
from gigawatt.report.data import ResultSet

__all__ = ["band", "fan", "forecast_charts"]

_BLUE, _ORANGE, _GREEN, _PINK, _RED = "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00"


def band(results: ResultSet, quantity: str) -> pd.DataFrame:
    """Rows of one quantity of the ``bands`` table, by month (empty when absent)."""
    bands = results.table("bands")
    if bands.empty:
        return bands
    rows = bands[bands["quantity"] == quantity].sort_values("month")
    return rows.reset_index(drop=True)


def fan(rows: pd.DataFrame, name: str, color: str, scale: float = 1.0) -> Series:
    """A fan series (median line, 25-75% and 5-95% bands) from band rows."""

    def col(c: str) -> tuple[float, ...]:
        return tuple(float(v) / scale for v in rows[c])

    return Series(
        name,
        tuple(rows["month"].astype(str)),
        col("p50"),
        "band",
        color,
        lower=col("p5"),
        upper=col("p95"),
        inner_lower=col("p25"),
        inner_upper=col("p75"),
    )


def _probability(
    name: str, months: tuple[str, ...], values: pd.Series, kind: SeriesKind = "line"
) -> Series:
    return Series(name, months, tuple(float(v) for v in values), kind, _RED)


def _largest(frames: Sequence[pd.DataFrame], column: str = "p50") -> float:
    values = [float(f[column].abs().max()) for f in frames if len(f)]
    return max(values, default=0.0)


def _power_chart(results: ResultSet) -> Chart | None:
    demand, supply = band(results, "demand_mw"), band(results, "supply_mw")
    accelerators = band(results, "demand_accelerators")
    if demand.empty:
        return None
    scale, unit = fmt.power_unit(_largest([demand, supply]))
    series = [fan(demand, "demand", _BLUE, scale)]
    if len(supply):
        series.append(fan(supply, "contracted supply", _ORANGE, scale))
    panels = [Panel(f"Power: demand against contracted supply ({unit})", unit, tuple(series))]
    if len(accelerators):
        panels.append(
            Panel("Accelerators needed", "accelerators", (fan(accelerators, "demand", _BLUE),))
        )
    last = demand.iloc[-1]
    return Chart(
        id="fan_power",
        title="Demand against contracted supply",
        caption=f"In {last['month']} demand needs {fmt.power(float(last['p50']))} at the median "
        f"(5-95%: {fmt.power(float(last['p5']))} to {fmt.power(float(last['p95']))}). "
        "Lines are medians, dark bands 25-75%, light bands 5-95%.",
        panels=tuple(panels),
    )


def _gap_chart(results: ResultSet) -> Chart | None:
    gap = band(results, "gap_flops")
    probs = results.table("probabilities")
    if gap.empty:
        return None
    panels = [
        Panel("Unserved demand (EFLOP/s delivered)", "EFLOP/s", (fan(gap, "unserved", _RED, 1e18),))
    ]
    if "p_demand_exceeds_supply" in probs:
        months = tuple(probs["month"].astype(str))
        lines = [_probability("P(shortfall) that month", months, probs["p_demand_exceeds_supply"])]
        if "p_demand_exceeds_supply_by_month" in probs:
            cumulative = probs["p_demand_exceeds_supply_by_month"]
            lines.append(_probability("P(shortfall by then)", months, cumulative, "dash"))
        panels.append(
            Panel("P(demand exceeds contracted supply)", "probability", tuple(lines), percent=True)
        )
    any_month = results.summary.get("p_demand_exceeds_supply_any_month")
    caption = (
        "How much demand the contracted supply cannot serve, and how likely a shortfall "
        "is each month."
    )
    if any_month is not None:
        caption += f" P(a shortfall in some month) = {fmt.pct(float(any_month))}."
    return Chart(id="fan_gap", title="Shortfall", caption=caption, panels=tuple(panels))


def _money_chart(results: ResultSet) -> Chart | None:
    spend, revenue = band(results, "spend_usd"), band(results, "revenue_usd")
    share = band(results, "revenue_share_usd")
    if spend.empty and revenue.empty:
        return None
    scale, unit = fmt.money_unit(_largest([spend, revenue]))
    series = [
        fan(f, n, c, scale)
        for f, n, c in ((spend, "spend", _BLUE), (revenue, "revenue", _GREEN))
        if len(f)
    ]
    panels = [Panel(f"Spend and revenue per month ({unit})", unit, tuple(series))]
    if len(share) and _largest([share], "p95") > 0:
        s_scale, s_unit = fmt.money_unit(_largest([share]))
        panels.append(
            Panel(
                f"Revenue share paid per month ({s_unit})",
                s_unit,
                (fan(share, "revenue share", _PINK, s_scale),),
            )
        )
    return Chart(
        id="fan_money",
        title="Spend and revenue",
        caption="Money per month, nominal USD.",
        panels=tuple(panels),
    )


def _cash_chart(results: ResultSet, funding: Sequence[tuple[str, float]]) -> Chart | None:
    cash = band(results, "cash_usd")
    if cash.empty:
        return None
    scale, unit = fmt.money_unit(_largest([cash], "p5") or _largest([cash]))
    months = set(cash["month"].astype(str))
    events = tuple(Event(m, f"+{fmt.usd(usd)}") for m, usd in funding if m in months)
    panels = [
        Panel(
            f"Cash at month end ({unit})",
            unit,
            (fan(cash, "cash", _BLUE, scale),),
            events=events,
            zero_line=True,
        )
    ]
    probs = results.table("probabilities")
    if "p_cash_negative" in probs and probs["p_cash_negative"].notna().any():
        x = tuple(probs["month"].astype(str))
        lines = [_probability("P(cash < 0) that month", x, probs["p_cash_negative"])]
        if "p_cash_negative_by_month" in probs:
            lines.append(
                _probability("P(cash < 0 by then)", x, probs["p_cash_negative_by_month"], "dash")
            )
        panels.append(
            Panel("Probability that cash is below zero", "probability", tuple(lines), percent=True)
        )
    low = cash.iloc[int(np.argmin(cash["p50"].to_numpy()))]
    caption = f"Median cash bottoms out at {fmt.usd(float(low['p50']))} in {low['month']}"
    caption += f"; {len(events)} funding event(s) marked." if events else "."
    return Chart(
        id="fan_cash", title="Cash with funding events", caption=caption, panels=tuple(panels)
    )


def _sensitivity_chart(results: ResultSet) -> Chart | None:
    sens = results.table("sensitivity")
    if sens.empty:
        return None
    names = {"cash_final_usd": "Final cash", "gap_total_flop": "Total unmet demand"}
    panels = []
    for output, grp in sens.groupby("output", sort=False):
        grp = grp.sort_values("rank").head(12)
        label = names.get(str(output), str(output))
        panels.append(
            Panel(
                f"{label}: Spearman correlation with each input",
                "Spearman rho",
                (
                    Series(
                        "Spearman rho",
                        tuple(grp["parameter"].astype(str)),
                        tuple(float(v) for v in grp["spearman"]),
                        "bar",
                        _BLUE,
                        legend=False,
                    ),
                ),
                months=False,
                horizontal=True,
            )
        )
    top = sens.sort_values("rank").iloc[0]
    return Chart(
        id="sensitivity",
        title="What moves the results",
        caption=f"Inputs ranked by rank correlation with each output; {top['parameter']} "
        f"matters most for {names.get(str(top['output']), str(top['output'])).lower()}.",
        panels=tuple(panels),
        columns=1,
        panel_height=max(220, 60 + 36 * int(sens.groupby("output").size().max())),
    )


def forecast_charts(results: ResultSet, funding: Sequence[tuple[str, float]] = ()) -> list[Chart]:
    """Every chart a forecast's data allows, in reading order.

    Args:
        results: The forecast.
        funding: Funding events (month, USD) to mark on the cash fan.
    """
    builders = (
        _power_chart(results),
        _gap_chart(results),
        _money_chart(results),
        _cash_chart(results, funding),
        _sensitivity_chart(results),
    )
    return [c for c in builders if c is not None]
