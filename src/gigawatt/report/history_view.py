"""The report of a history: each change of terms, in date order, and what it did.

A history directory is what ``gigawatt history --out DIR`` writes
(:meth:`gigawatt.compare.history.History.save`): ``history.json`` and the long tables
``scenarios``, ``totals``, ``years``, ``terms`` and ``inputs``. The page shows, step by
step, the clauses changed, the change of cost and shortfall over the horizon split into
"by the terms" and "by other inputs", and the change of GW by provider year by year:

* cost by step: the change of present-value spend, stacked: by the terms, by the rest;
* GW by provider: one panel per step, one line per provider (after minus before).
"""

from __future__ import annotations

import math
from typing import Any

from gigawatt.report import fmt
from gigawatt.report.charts import Chart, Panel, Series, color_map
from gigawatt.report.content import ReportContent
from gigawatt.report.data import ResultSet, records
from gigawatt.report.summary import KeyFigure, Summary
from gigawatt.report.tables import TableSpec

__all__ = ["history_charts", "history_content", "history_tables"]

_TOTAL_NAMES = {
    "cost_usd": "cost (PV)",
    "lost_revenue_usd": "lost revenue (PV)",
    "penalty_usd": "penalties (PV)",
    "objective_usd": "objective (PV)",
    "spend_usd_nominal": "spend (nominal)",
    "shortfall_flop": "FLOP short",
}


def _steps(results: ResultSet) -> list[dict[str, Any]]:
    return [dict(s) for s in results.summary.get("steps", [])]


def _step_name(results: ResultSet, step: dict[str, Any]) -> str:
    as_of = {str(r["scenario"]): str(r["as_of"]) for r in results.summary.get("scenarios", [])}
    return f"{as_of.get(str(step['before']), '?')} -> {as_of.get(str(step['after']), '?')}"


def _number(value: Any) -> float:
    v = float(value)
    return v if math.isfinite(v) else math.nan


def history_charts(results: ResultSet) -> list[Chart]:
    """Cost by step (terms and other inputs stacked) and GW by provider per step."""
    steps = _steps(results)
    totals = results.table("totals")
    names = tuple(_step_name(results, s) for s in steps)
    cost = {int(r["step"]): r for r in records(totals[totals["metric"] == "cost_usd"])}
    largest = max((abs(_number(r["delta"])) for r in cost.values()), default=0.0)
    scale, unit = fmt.money_unit(largest if math.isfinite(largest) else 0.0)
    split = [
        Series(
            label,
            names,
            tuple(_number(cost[int(s["step"])][key]) / scale for s in steps),
            "bar",
            color,
        )
        for label, key, color in (
            ("by the terms", "terms", "#1f77b4"),
            ("by other inputs", "world", "#ff7f0e"),
        )
    ]
    charts = [
        Chart(
            "history_cost",
            "What each step did to cost",
            "Change of present-value spend at each step, split into the change of terms "
            "(the earlier world planned under the later terms) and the rest.",
            (Panel("cost", f"change, {unit} (PV)", tuple(split), months=False, zero_line=True),),
            columns=1,
        )
    ]
    years_table = results.table("years")
    gw = years_table[(years_table["metric"] == "gw") & (years_table["provider"] != "")]
    providers = sorted(set(gw["provider"]))
    colors = color_map(providers)
    panels = []
    for s in steps:
        mine = gw[gw["step"] == s["step"]]
        years = tuple(sorted(set(mine["year"])))
        series = tuple(
            Series(
                p,
                years,
                tuple(
                    float(mine[(mine["provider"] == p) & (mine["year"] == y)]["delta"].sum())
                    for y in years
                ),
                "line",
                colors[p],
            )
            for p in providers
        )
        panels.append(
            Panel(_step_name(results, s), "change of peak GW", series, months=False, zero_line=True)
        )
    if panels:
        charts.append(
            Chart(
                "history_gw",
                "What each step did to GW by provider",
                "Peak GW installed in each year, after minus before, one line per provider.",
                tuple(panels),
            )
        )
    return charts


def _cell(value: Any, metric: str) -> float | str:
    """A value as the page shows it: USD in $B, GW as is, FLOP in scientific notation."""
    v = _number(value)
    if not math.isfinite(v):
        return ""
    if metric == "shortfall_flop":
        return f"{v:.3g}"
    return round(v, 2) if metric == "gw" else round(v / 1e9, 2)


def history_tables(results: ResultSet) -> list[TableSpec]:
    """Per step: the terms changed, the change over the horizon, and by year."""
    out = []
    terms, totals, years = (results.table(n) for n in ("terms", "totals", "years"))
    inputs = results.table("inputs")
    for s in _steps(results):
        n = int(s["step"])
        name = _step_name(results, s)
        other = inputs[inputs["step"] == n]["input"].tolist() if len(inputs) else []
        out.append(
            TableSpec(
                f"history_terms_{n}",
                f"Step {n} ({name}): terms changed",
                ("counterparty", "change", "before", "after"),
                tuple(
                    (str(r["counterparty"]), str(r["change"]), str(r["before"]), str(r["after"]))
                    for r in records(terms[terms["step"] == n])
                ),
                "Other inputs changed: " + (", ".join(other) if other else "none") + ".",
            )
        )
        out.append(
            TableSpec(
                f"history_totals_{n}",
                f"Step {n} ({name}): change over the horizon ($B, FLOP)",
                ("", "all", "by the terms", "by other inputs"),
                tuple(
                    (
                        _TOTAL_NAMES.get(str(r["metric"]), str(r["metric"])),
                        *(_cell(r[k], str(r["metric"])) for k in ("delta", "terms", "world")),
                    )
                    for r in records(totals[totals["step"] == n])
                ),
                str(s.get("note", "")),
            )
        )
        mine = years[years["step"] == n]
        cols = tuple(sorted(set(mine["year"])))
        rows = []
        for metric, provider in sorted(
            {(str(r["metric"]), str(r["provider"])) for r in records(mine)}
        ):
            part = mine[(mine["metric"] == metric) & (mine["provider"] == provider)]
            by_year = {str(r["year"]): r for r in records(part)}
            label = {"spend_usd": "spend $B", "gw": "GW", "shortfall_flop": "FLOP short"}[metric]
            label += f" {provider}" if provider else ""
            for part_name, key in (("", "delta"), (" by the terms", "terms")):
                rows.append(
                    (
                        label + part_name,
                        *(_cell(by_year[y][key], metric) if y in by_year else "" for y in cols),
                    )
                )
        out.append(
            TableSpec(
                f"history_years_{n}",
                f"Step {n} ({name}): change by year (after - before)",
                ("", *cols),
                tuple(rows),
            )
        )
    return out


def _summary(results: ResultSet) -> Summary:
    totals = results.table("totals")
    cost = {int(r["step"]): r for r in records(totals[totals["metric"] == "cost_usd"])}
    figures = []
    for s in _steps(results):
        r = cost.get(int(s["step"]))
        if r is None:
            continue
        terms = _number(r["terms"])
        note = (
            f"cost (PV); by the terms {fmt.usd(terms, signed=True)}"
            if math.isfinite(terms)
            else "cost (PV); not split"
        )
        figures.append(
            KeyFigure(_step_name(results, s), fmt.usd(_number(r["delta"]), signed=True), note)
        )
    return Summary(sentences=[str(f) for f in results.summary.get("findings", [])], figures=figures)


def history_content(results: ResultSet) -> ReportContent:
    """Title, summary (one sentence per step), charts and tables of a history."""
    s = results.summary
    scenarios = [f"{r['scenario']} ({r['as_of']})" for r in s.get("scenarios", [])]
    options = s.get("options") or {}
    return ReportContent(
        results=results,
        title="History of the agreement: " + " -> ".join(scenarios),
        meta=[
            f"{len(scenarios)} scenarios in date order",
            f"{options.get('solves', '?')} solves in {float(s.get('seconds', 0.0)):.0f} s",
        ],
        summary=_summary(results),
        charts=history_charts(results),
        tables=history_tables(results),
        notes=[
            "Money is in USD ($B); PV marks present values. GW is facility power, the "
            "year's peak installed. 'By the terms': the earlier world planned under the "
            "later terms, minus the earlier plan; the rest comes from the other inputs.",
            "Each scenario's own plan is under plans/<scenario>/, each step's "
            "counterfactual under plans/step-N-counterfactual/.",
        ],
    )
