"""Summary tables of a result, shared by the HTML report and the terminal.

Each :class:`TableSpec` holds already-rounded values (numbers stay numbers so that
the terminal right-aligns them and the HTML formats them with thousands separators).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigawatt.plan.figures import PlanFigures, plan_figures
from gigawatt.report import fmt
from gigawatt.report.beyond_horizon import beyond_horizon_table
from gigawatt.report.data import ResultSet, records

__all__ = ["TableSpec", "plan_tables"]

Cell = str | float | int


@dataclass(frozen=True)
class TableSpec:
    """A small table: title, column names, rows, and a note under it."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping (rows as lists)."""
        return {
            "id": self.id,
            "title": self.title,
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
            "note": self.note,
        }


def _r(value: float, digits: int = 2) -> float:
    """``value`` rounded as the page shows it: to ``digits`` decimals, none from 100 up.

    Rounding once here (the HTML shows the decimals a value has) keeps a cell from
    being rounded twice (186.505 -> 186.5 -> "186").
    """
    v = float(value)
    return round(v, 0 if abs(v) >= 100 else digits) + 0.0


def _figures(results: ResultSet) -> PlanFigures:
    return plan_figures(results.tables, results.summary)


def _by_year_provider(figures: PlanFigures) -> TableSpec | None:
    frame = figures.by_provider
    if frame.empty:
        return None
    p_scale, p_unit = fmt.power_unit(float(frame["gw"].max()) * 1e3)
    m_scale, m_unit = fmt.money_unit(float(frame["spend_usd"].max()))
    rows = tuple(
        (
            str(r["year"]),
            str(r["provider"]),
            _r(r["accelerators"] / 1e3, 1),
            _r(r["gw"] * 1e3 / p_scale),
            _r(r["spend_usd"] / m_scale),
            _r(r["supply_share"] * 100, 1),
        )
        for r in records(frame)
    )
    return TableSpec(
        "by_year_provider",
        "By year and provider",
        (
            "year",
            "provider",
            "accelerators in use, k (mean)",
            f"{p_unit} installed (peak)",
            f"spend {m_unit}",
            "share of MW-months %",
        ),
        rows,
        "Spend is nominal; accelerators are the monthly mean of those in use; installed "
        "power is the year's largest month.",
    )


def _money_by_year(figures: PlanFigures) -> TableSpec | None:
    out = figures.by_year
    if out.empty:
        return None
    has_cash = bool(out["cash_usd"].notna().any())
    money = out[["spend_usd", "revenue_usd", "lost_revenue_usd"]].abs().max().max()
    cash_max = float(out["cash_usd"].abs().max()) if has_cash else 0.0
    scale, unit = fmt.money_unit(max(float(money), cash_max))
    rows = tuple(
        (
            str(r["year"]),
            _r(r["spend_usd"] / scale),
            _r(r["revenue_usd"] / scale),
            _r(r["lost_revenue_usd"] / scale),
            f"{r['shortfall_flop']:.3g}",
            _r(r["cash_usd"] / scale) if has_cash else "",
        )
        for r in records(out)
    )
    return TableSpec(
        "money_by_year",
        "Money and shortfall by year",
        (
            "year",
            f"spend {unit}",
            f"revenue {unit}",
            f"lost revenue {unit} (PV)",
            "unserved FLOP",
            f"cash at year end {unit}",
        ),
        rows,
        "Spend, revenue and cash are nominal; lost revenue is a present value.",
    )


def _sites(figures: PlanFigures) -> TableSpec | None:
    frame = figures.by_site
    if frame.empty:
        return None
    rows = tuple(
        (
            str(r["site"]),
            str(r["provider"]),
            _r(r["cap_mw"], 0) if np.isfinite(r["cap_mw"]) else "no cap",
            _r(r["installed_mw"], 0),
            _r(r["energy_twh"], 2),
            _r(r["emissions_mtco2"], 3),
        )
        for r in records(frame)
    )
    return TableSpec(
        "sites",
        "Sites",
        ("site", "provider", "cap MW (max)", "installed MW (peak)", "energy TWh", "CO2 Mt"),
        rows,
        "Energy and emissions count accelerators in use over the horizon.",
    )


def _clauses(results: ResultSet) -> TableSpec | None:
    costs = results.clause_costs
    if costs is None or costs.empty:
        return None
    scale, unit = fmt.money_unit(float(costs["cost_usd"].abs().max()))
    rows = tuple(
        (
            str(r["contract"]),
            int(r["clause_index"]),
            str(r["type"]),
            str(r["counterparty"]),
            _r(float(r["cost_usd"]) / scale, 3),
        )
        for r in costs.to_dict("records")
    )
    return TableSpec(
        "clauses",
        "Clause costs",
        ("contract", "clause", "type", "counterparty", f"cost {unit} (PV)"),
        rows,
        "Objective with the clause minus objective without it, each clause re-solved alone.",
    )


def _commitments(results: ResultSet) -> TableSpec | None:
    c = results.commitments
    if c is None or c.empty:
        return None
    spend = c[c["category"] == "Spend"]
    usage = c[c["category"] == "Usage"]
    scale, unit = fmt.money_unit(float(c["cost_usd"].abs().max()))
    rows: list[tuple[Cell, ...]] = [
        (
            str(r["commitment_id"]),
            str(r["provider"]),
            "min spend",
            f"{r['start']}..{r['end']}",
            _r(r["cost_usd"] / scale),
            _r(r["spent_usd"] / scale),
            _r(r["shortfall_usd"] / scale),
        )
        for r in spend.to_dict("records")
    ]
    if len(usage):
        for (offer, provider), grp in usage.groupby(["offer", "provider"], sort=True):
            rows.append(
                (
                    f"{offer} ({len(grp)} reservations)",
                    str(provider),
                    "reserved",
                    f"{grp['start'].min()}..{grp['end'].max()}",
                    _r(grp["cost_usd"].sum() / scale),
                    _r(grp["spent_usd"].sum() / scale),
                    0.0,
                )
            )
    return TableSpec(
        "commitments",
        "Commitments",
        (
            "commitment",
            "provider",
            "kind",
            "period",
            f"committed {unit}",
            f"spent in horizon {unit}",
            f"shortfall paid {unit}",
        ),
        tuple(rows),
        "From the scenario's contracts and the plan's reservations (nominal USD).",
    )


def plan_tables(results: ResultSet) -> list[TableSpec]:
    """The summary tables of a plan, in reading order."""
    figures = _figures(results)
    builders = (
        _by_year_provider(figures),
        _money_by_year(figures),
        _sites(figures),
        _clauses(results),
        _commitments(results),
        beyond_horizon_table(results),
    )
    return [t for t in builders if t is not None]
