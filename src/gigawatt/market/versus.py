"""With the market against without it: the figures a command compares, one line each.

A plan compares its summary's objective, cost and lost revenue (present values, USD) and
its FLOP short (the sum of ``shortfall_flop``); a forecast its
P(demand exceeds supply in some month) and the medians of its supply (MW) and compute
gap (FLOP/s) in its last month;
a sweep the mean over its solved samples of the objective, lost revenue and FLOP short
(its ``distributions`` table). Each is a mapping
``figure -> {"without": x, "with": y}``; :func:`versus_line` says it in one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["Versus", "forecast_versus", "plan_versus", "sweep_versus", "versus_line"]

Versus = dict[str, dict[str, float]]


def _pair(without: float, with_market: float) -> dict[str, float]:
    return {"without": float(without), "with": float(with_market)}


def plan_versus(without: Mapping[str, Any], with_market: Mapping[str, Any]) -> Versus:
    """A plan's summary without the market against with it."""
    return {
        "objective_usd": _pair(without["objective_usd"], with_market["objective_usd"]),
        "cost_usd": _pair(without["cost_usd"], with_market["cost_usd"]),
        "lost_revenue_usd": _pair(without["lost_revenue_usd"], with_market["lost_revenue_usd"]),
        "flop_short": _pair(
            sum(without["shortfall_flop"].values()), sum(with_market["shortfall_flop"].values())
        ),
    }


def forecast_versus(without: Mapping[str, Any], with_market: Mapping[str, Any]) -> Versus:
    """A forecast's summary without the market against with it."""
    key = "p_demand_exceeds_supply_any_month"
    out = {key: _pair(without[key], with_market[key])}
    for band in ("supply_mw", "gap_flops"):
        if band in without["final_month"] and band in with_market["final_month"]:
            out[f"final_{band}_p50"] = _pair(
                without["final_month"][band]["p50"], with_market["final_month"][band]["p50"]
            )
    return out


def sweep_versus(without: pd.DataFrame, with_market: pd.DataFrame) -> Versus:
    """A sweep's ``distributions`` table without the market against with it."""

    def mean(table: pd.DataFrame, quantity: str) -> float:
        return float(table.loc[table["quantity"] == quantity, "mean"].iloc[0])

    return {
        f"mean_{q}": _pair(mean(without, q), mean(with_market, q))
        for q in ("objective_usd", "lost_revenue_usd", "shortfall_flop")
    }


def _fmt(figure: str, value: float) -> str:
    if figure.endswith("_usd"):
        return f"${value / 1e9:,.1f}B"
    if figure.startswith("p_"):
        return f"{value:.0%}"
    if figure.endswith("_mw_p50"):
        return f"{value:,.0f}"
    return f"{value:.3g}"


_LABELS = {
    "objective_usd": "objective",
    "cost_usd": "cost",
    "lost_revenue_usd": "lost revenue",
    "flop_short": "FLOP short",
    "p_demand_exceeds_supply_any_month": "P(demand exceeds supply in some month)",
    "mean_objective_usd": "mean objective",
    "mean_lost_revenue_usd": "mean lost revenue",
    "mean_shortfall_flop": "mean FLOP short",
    "final_supply_mw_p50": "median supply MW in the last month",
    "final_gap_flops_p50": "median gap FLOP/s in the last month",
}


def versus_line(market: str, versus: Versus) -> str:
    """``With the market M: objective $X (without $Y), ...``."""
    parts = [
        f"{_LABELS.get(k, k)} {_fmt(k, v['with'])} (without {_fmt(k, v['without'])})"
        for k, v in versus.items()
    ]
    return f"With the market {market}: " + ", ".join(parts)
