"""The charts of a plan report, as :class:`~gigawatt.report.charts.Chart` descriptions."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from gigawatt.plan.figures import by_provider as by_provider_figures
from gigawatt.plan.figures import spend_by_kind
from gigawatt.report import fmt
from gigawatt.report.charts import (
    PALETTE,
    Chart,
    Panel,
    Series,
    SeriesKind,
    color_map,
    stacked,
)
from gigawatt.report.data import ResultSet
from gigawatt.report.funding_chart import funding_chart
from gigawatt.report.plan_value_charts import cash_chart, clause_chart, marginal_chart
from gigawatt.report.summary import capacity_by_month, reference_provider

__all__ = ["KIND_COLORS", "SPEND_KINDS", "plan_charts"]

#: Readable names of (pricing, kind) spend lines, in stacking order.
SPEND_KINDS = {
    ("on_demand", "rent"): "on-demand rent",
    ("reserved", "rent"): "reserved rent",
    ("build", "capex"): "build capex",
    ("build", "opex"): "build opex",
    ("build", "electricity"): "electricity",
    ("on_demand", "electricity"): "electricity",
    ("reserved", "electricity"): "electricity",
    ("min_spend", "min_spend_shortfall"): "min-spend shortfall",
}
#: Spend kinds in stacking order, with their colours (distinct from the providers').
KIND_COLORS = {
    "reserved rent": "#4E79A7",
    "on-demand rent": "#F28E2B",
    "build capex": "#59A14F",
    "build opex": "#8CD17D",
    "electricity": "#B07AA1",
    "min-spend shortfall": "#E15759",
}


def _columns(frame: pd.DataFrame, scale: float) -> dict[str, list[float]]:
    return {str(c): list(frame[c].to_numpy() / scale) for c in frame.columns}


def _capacity_chart(results: ResultSet, colors: dict[str, str]) -> Chart | None:
    used = capacity_by_month(results, "used")
    mw = capacity_by_month(results, "installed_mw")
    if used.empty:
        return None
    months = list(used.index)
    peak = mw.sum(axis=1)
    scale, unit = fmt.power_unit(float(peak.max()))
    return Chart(
        id="capacity",
        title="Accelerators and gigawatts by provider",
        caption=f"Installed power peaks at {fmt.power(float(peak.max()))} in "
        f"{peak.idxmax()}; accelerators in use peak at "
        f"{fmt.count(float(used.sum(axis=1).max()))}.",
        panels=(
            Panel(
                "Accelerators in use",
                "accelerators",
                stacked(months, _columns(used, 1.0), "area", colors),
            ),
            Panel(
                f"Installed power ({unit})",
                unit,
                stacked(months, _columns(mw, scale), "area", colors),
            ),
        ),
    )


def _power_chart(results: ResultSet, colors: dict[str, str]) -> Chart | None:
    power = results.table("power")
    if power.empty:
        return None
    panels = []
    tightest: tuple[float, str, str] = (0.0, "", "")
    for (provider, site), grp in power.groupby(["provider", "site"], sort=True):
        grp = grp.sort_values("month")
        cap = grp["cap_mw"].to_numpy(dtype=float)
        installed = grp["installed_mw"].to_numpy(dtype=float)
        if not (installed.max() > 0 or np.isfinite(cap).any()):
            continue
        months = tuple(grp["month"].astype(str))
        series = [
            Series(
                "installed MW",
                months,
                tuple(installed),
                "area",
                colors[str(provider)],
                legend=False,
            ),
            Series(
                "used MW",
                months,
                tuple(grp["used_mw"].astype(float)),
                "line",
                "#333333",
                legend=False,
            ),
        ]
        if np.isfinite(cap).any():
            series.append(
                Series(
                    "cap MW",
                    months,
                    tuple(np.nan_to_num(cap, nan=0.0)),
                    "dash",
                    "#D55E00",
                    legend=False,
                )
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(cap > 0, installed / cap, 0.0)
            i = int(np.nanargmax(share))
            if share[i] > tightest[0]:
                tightest = (float(share[i]), str(site), months[i])
        panels.append(Panel(f"{site} ({provider})", "MW", tuple(series)))
    if not panels:
        return None
    caption = "Installed MW (filled), MW in use (line) and the site's power cap (dashed)."
    if tightest[1]:
        caption += (
            f" Tightest: {tightest[1]} at {fmt.pct(tightest[0])} of its cap in {tightest[2]}."
        )
    return Chart(
        id="power",
        title="Power against site caps",
        caption=caption,
        panels=tuple(panels),
        columns=4 if len(panels) > 9 else 3,
        panel_height=230,
    )


def _spend_chart(results: ResultSet, colors: dict[str, str]) -> Chart | None:
    spend = spend_by_kind(results.tables)
    if spend.empty:
        return None
    spend = spend.assign(
        label=[
            SPEND_KINDS.get((p, k), f"{p} {k}")
            for p, k in zip(spend["pricing"], spend["kind"], strict=True)
        ],
    )
    by_provider = by_provider_figures(results.tables).pivot_table(
        index="year", columns="provider", values="spend_usd", aggfunc="sum", fill_value=0.0
    )
    by_provider = by_provider.loc[:, by_provider.sum(axis=0) > 0]
    # several (pricing, kind) pairs share a label (electricity): one bar part each
    by_kind = spend.pivot_table(
        index="year", columns="label", values="usd", aggfunc="sum", fill_value=0.0
    )
    kinds = [k for k in KIND_COLORS if k in by_kind.columns] + sorted(
        k for k in by_kind.columns if k not in KIND_COLORS
    )
    kind_colors = {k: KIND_COLORS.get(k, PALETTE[i % len(PALETTE)]) for i, k in enumerate(kinds)}
    years = [str(y) for y in by_provider.index]
    total = float(by_kind.to_numpy().sum())
    top = by_kind.sum(axis=0).sort_values(ascending=False)
    scale, unit = fmt.money_unit(float(by_provider.sum(axis=1).max()))
    return Chart(
        id="spend",
        title="Spend by provider and pricing kind",
        caption=f"{fmt.usd(total)} in all (nominal); {top.index[0]} is the largest part "
        f"at {fmt.pct(float(top.iloc[0]) / total)}.",
        panels=(
            Panel(
                f"By provider ({unit} a year)",
                unit,
                stacked(years, _columns(by_provider, scale), "bar", colors),
                months=False,
            ),
            Panel(
                f"By pricing kind ({unit} a year)",
                unit,
                stacked(years, _columns(by_kind[kinds], scale), "bar", kind_colors),
                months=False,
            ),
        ),
    )


def _shortfall_chart(results: ResultSet) -> Chart | None:
    short = results.table("shortfall")
    if short.empty:
        return None
    worst = short.groupby("workload")["served_fraction"].min()
    names = sorted(str(w) for w in worst.index[worst < 0.9999])
    if not names:
        return None
    colors = color_map(names)
    served = []
    for name, grp in short[short["workload"].isin(names)].groupby("workload", sort=True):
        grp = grp.sort_values("month")
        kind: SeriesKind = "line" if grp["kind"].iloc[0] == "inference" else "markers"
        served.append(
            Series(
                str(name),
                tuple(grp["month"].astype(str)),
                tuple(grp["served_fraction"].astype(float)),
                kind,
                colors[str(name)],
            )
        )
    full = sorted(str(w) for w in worst.index if str(w) not in names)
    money = short.assign(usd=short["lost_revenue_usd"] + short["penalty_usd"])
    lost = money.pivot_table(
        index="month", columns="workload", values="usd", aggfunc="sum", fill_value=0.0
    )
    lost = lost.loc[:, lost.sum(axis=0) > 0]
    total = float(results.summary.get("lost_revenue_usd", 0.0)) + float(
        results.summary.get("penalty_usd", 0.0)
    )
    panels = [
        Panel(
            "Share of demand served (training: at the window's end)",
            "served",
            tuple(served),
            percent=True,
        )
    ]
    if not lost.empty:
        scale, unit = fmt.money_unit(float(lost.sum(axis=1).max()))
        bars = stacked([str(m) for m in lost.index], _columns(lost, scale), "bar", colors)
        panels.append(
            Panel(
                f"Lost revenue and shortfall penalties ({unit}, present value)",
                unit,
                _no_legend(bars),
            )
        )
    return Chart(
        id="shortfall",
        title="Shortfall and lost revenue",
        caption=f"Unserved demand costs {fmt.usd(total)} in present value "
        "(lost revenue net of revenue share, plus penalties for other shortfalls)."
        + (f" Fully served: {', '.join(full)}." if full else ""),
        panels=tuple(panels),
    )


def _no_legend(series: tuple[Series, ...]) -> tuple[Series, ...]:
    """The same series without legend entries (when another panel already names them)."""
    return tuple(dataclasses.replace(s, legend=False) for s in series)


def plan_charts(results: ResultSet, counterparty: str | None = None) -> list[Chart]:
    """Every chart a plan's data allows, in reading order."""
    cap = results.table("capacity")
    providers = cap["provider"].astype(str) if len(cap) else pd.Series(dtype=str)
    colors = color_map(providers, first=reference_provider(results, counterparty))
    builders = (
        _capacity_chart(results, colors),
        _power_chart(results, colors),
        _spend_chart(results, colors),
        _shortfall_chart(results),
        clause_chart(results),
        marginal_chart(results),
        cash_chart(results),
        funding_chart(results),
    )
    return [c for c in builders if c is not None]
