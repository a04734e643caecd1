"""The forecast report's tables of structure versus chance.

They show what :mod:`gigawatt.forecast.structural` put in the forecast's summary
(months short in every sample, and P(demand exceeds supply) per year with and without
them); nothing is recomputed here.
"""

from __future__ import annotations

from gigawatt.report import fmt
from gigawatt.report.data import ResultSet
from gigawatt.report.tables import TableSpec

__all__ = ["structure_tables"]


def structure_tables(results: ResultSet) -> list[TableSpec]:
    """Structural gaps and P(shortfall) by year; none for a forecast saved before them."""
    s = results.summary
    if "structural_gaps" not in s:
        return []
    gaps = s["structural_gaps"]
    by_year = s["p_demand_exceeds_supply_by_year"]
    aside = s["p_demand_exceeds_supply_by_year_excluding_structural"]
    tables = [
        TableSpec(
            "structure_by_year",
            "Shortfall by year: structure and chance",
            ("year", "P(demand > supply in some month)", "structural gaps aside"),
            tuple((str(y), fmt.pct(float(by_year[y])), fmt.pct(float(aside[y]))) for y in by_year),
            "Structural gaps are months short in every sample: steps of the scenario's own "
            "schedules, not chance. Over the whole horizon, structural gaps aside: "
            f"{fmt.pct(float(s['p_demand_exceeds_supply_any_month_excluding_structural']))}.",
        )
    ]
    if gaps:
        tables.append(
            TableSpec(
                "structural_gaps",
                "Structural gaps (short in every sample)",
                ("month", "workloads", "may use", "gap EFLOP/s (min)", "gap EFLOP/s (mean)"),
                tuple(
                    (
                        str(g["month"]),
                        ", ".join(g["workloads"]),
                        ", ".join(g["providers"]),
                        round(float(g["gap_flops_min"]) / 1e18, 3),
                        round(float(g["gap_flops_mean"]) / 1e18, 3),
                    )
                    for g in gaps
                ),
                "Delivered FLOP/s demanded but not served by contracted supply; the minimum "
                "is short in every sample.",
            )
        )
    return tables
