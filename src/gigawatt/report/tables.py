"""Summary tables of a result, shared by the HTML report and the terminal.

Each :class:`TableSpec` holds already-rounded values (numbers stay numbers so that
the terminal right-aligns them and the HTML formats them with thousands separators).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    return round(float(value), digits) + 0.0


def _by_year_provider(results: ResultSet) -> TableSpec | None:
    cap = results.table("capacity")
    if cap.empty:
        return None
    cap = cap.assign(year=cap["month"].str[:4])
    acc = (
        cap.groupby(["year", "provider"])["used"].sum()
        / cap.groupby(["year", "provider"])["month"].nunique()
    )
    gw = (
        cap.groupby(["year", "provider", "month"])["installed_mw"].sum().groupby(level=[0, 1]).max()
    )
    spend = results.table("spend")
    usd = (
        spend.assign(year=spend["month"].str[:4]).groupby(["year", "provider"])["usd"].sum()
        if len(spend)
        else pd.Series(dtype=float)
    )
    frame = pd.concat({"acc": acc, "gw": gw, "usd": usd}, axis=1).fillna(0.0).sort_index()
    p_scale, p_unit = fmt.power_unit(float(frame["gw"].max()))
    m_scale, m_unit = fmt.money_unit(float(frame["usd"].max()))
    rows = tuple(
        (
            str(r["year"]),
            str(r["provider"]),
            _r(r["acc"] / 1e3, 1),
            _r(r["gw"] / p_scale),
            _r(r["usd"] / m_scale),
        )
        for r in records(frame.reset_index())
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
        ),
        rows,
        "Spend is nominal; accelerators are the monthly mean of those in use.",
    )


def _money_by_year(results: ResultSet) -> TableSpec | None:
    fin = results.table("finance")
    if fin.empty:
        return None
    fin = fin.assign(year=fin["month"].str[:4])
    spend = results.table("spend")
    short = results.table("shortfall")
    out = pd.DataFrame(index=sorted(fin["year"].unique()))
    out["spend"] = (
        spend.assign(year=spend["month"].str[:4]).groupby("year")["usd"].sum()
        if len(spend)
        else 0.0
    )
    out["revenue"] = fin.groupby("year")["revenue_usd"].sum()
    if len(short):
        short = short.assign(year=short["month"].str[:4])
        out["lost"] = short.groupby("year")["lost_revenue_usd"].sum()
        out["flop"] = short.groupby("year")["unserved_flop"].sum()
    else:
        out["lost"] = 0.0
        out["flop"] = 0.0
    out["cash"] = fin.groupby("year")["cash_usd"].last()
    out = out.fillna(0.0)
    has_cash = "min_cash_usd" in results.summary
    scale, unit = fmt.money_unit(float(out[["spend", "revenue", "lost", "cash"]].abs().max().max()))
    rows = tuple(
        (
            str(y),
            _r(r["spend"] / scale),
            _r(r["revenue"] / scale),
            _r(r["lost"] / scale),
            f"{r['flop']:.3g}",
            _r(r["cash"] / scale) if has_cash else "",
        )
        for y, r in out.iterrows()
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


def _sites(results: ResultSet) -> TableSpec | None:
    power = results.table("power")
    if power.empty:
        return None
    grouped = power.groupby(["site", "provider"], sort=True)
    frame = pd.DataFrame(
        {
            "cap": grouped["cap_mw"].max(),
            "peak": grouped["installed_mw"].max(),
            "energy": grouped["energy_mwh"].sum() / 1e6,
            "co2": grouped["emissions_tco2"].sum() / 1e6,
        }
    )
    rows = tuple(
        (
            str(r["site"]),
            str(r["provider"]),
            _r(r["cap"], 0) if np.isfinite(r["cap"]) else "no cap",
            _r(r["peak"], 0),
            _r(r["energy"], 2),
            _r(r["co2"], 3),
        )
        for r in records(frame.reset_index())
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
    builders = (
        _by_year_provider(results),
        _money_by_year(results),
        _sites(results),
        _clauses(results),
        _commitments(results),
        beyond_horizon_table(results),
    )
    return [t for t in builders if t is not None]
