"""The report of a comparison: the scenarios' yearly figures drawn on the same axes.

A comparison directory is what ``gigawatt compare --out DIR`` writes
(:meth:`gigawatt.compare.Comparison.save`): ``comparison.json`` and the long tables
``by_provider``, ``by_year``, ``outside``, ``clauses``, ``rofr`` and ``differences``.
Every chart overlays one line per scenario (the first, the baseline, drawn solid in
the first colour; the others in their own colours), so a change of terms reads as the
gap between two lines:

* gigawatts: peak installed GW, all providers and outside the counterparty;
* gigawatts by provider: one panel per provider;
* spend: nominal spend per year, and the share of it outside the counterparty;
* shortfall: lost revenue (present value), and training and inference FLOP short per
  year (each in its own panel);
* cash at each year end (scenarios with a ``finance`` section);
* clause costs: one bar per clause, one panel per scenario.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from gigawatt.report import fmt
from gigawatt.report.charts import Chart, Panel, Series, color_map
from gigawatt.report.content import ReportContent
from gigawatt.report.data import ResultSet, records
from gigawatt.report.summary import KeyFigure, Summary
from gigawatt.report.tables import TableSpec

__all__ = ["comparison_charts", "comparison_content", "comparison_tables"]


def _scenarios(results: ResultSet) -> list[str]:
    return [str(s["name"]) for s in results.summary.get("scenarios", [])]


def _years(results: ResultSet) -> list[str]:
    return [str(y) for y in results.summary.get("years", [])]


def _lines(
    frame: pd.DataFrame,
    value: str,
    scenarios: list[str],
    years: list[str],
    colors: dict[str, str],
    scale: float = 1.0,
) -> tuple[Series, ...]:
    """One line per scenario of ``value`` by year (years without a row are gaps)."""
    out = []
    if value not in frame.columns:  # a comparison saved before the column existed
        frame = frame.assign(**{value: math.nan})
    for n, label in enumerate(scenarios):
        mine = frame[frame["scenario"] == label].set_index("year")[value]
        ys = tuple(
            float(mine.loc[y]) / scale if y in mine.index and pd.notna(mine.loc[y]) else math.nan
            for y in years
        )
        out.append(Series(label, tuple(years), ys, "line" if n == 0 else "dash", colors[label]))
    return tuple(out)


def _gw_chart(results: ResultSet, s: list[str], y: list[str], c: dict[str, str]) -> Chart:
    outside = results.table("outside")
    counterparty = results.summary.get("counterparty")
    panels = [Panel("Peak installed, all providers", "GW", months=False, series=())]
    if len(outside):
        panels[0] = Panel(
            "Peak installed, all providers", "GW", _lines(outside, "gw", s, y, c), months=False
        )
        panels.append(
            Panel(
                f"Peak installed outside {counterparty}",
                "GW",
                _lines(outside, "gw_outside", s, y, c),
                months=False,
            )
        )
    else:
        panels[0] = Panel(
            "Peak installed, all providers",
            "GW",
            _lines(results.table("by_year"), "gw", s, y, c),
            months=False,
        )
    return Chart(
        "compare_gw",
        "Gigawatts by year",
        "Peak installed facility power in each year, one line per scenario.",
        tuple(panels),
    )


def _provider_chart(results: ResultSet, s: list[str], y: list[str], c: dict[str, str]) -> Chart:
    bp = results.table("by_provider")
    providers = sorted(set(bp["provider"])) if len(bp) else []
    panels = tuple(
        Panel(
            f"{provider}: peak installed",
            "GW",
            _lines(bp[bp["provider"] == provider], "gw", s, y, c),
            months=False,
        )
        for provider in providers
    )
    return Chart(
        "compare_providers",
        "Gigawatts by provider",
        "Each provider's peak installed power by year; where the lines part, the terms "
        "moved capacity between providers.",
        panels,
        columns=min(3, max(1, len(panels))),
        panel_height=260,
    )


def _spend_chart(results: ResultSet, s: list[str], y: list[str], c: dict[str, str]) -> Chart:
    by_year = results.table("by_year")
    m_scale, m_unit = fmt.money_unit(float(by_year["spend_usd"].abs().max()))
    panels = [
        Panel(
            "Spend (nominal)", m_unit, _lines(by_year, "spend_usd", s, y, c, m_scale), months=False
        )
    ]
    outside = results.table("outside")
    if len(outside):
        panels.append(
            Panel(
                f"Share of spend outside {results.summary.get('counterparty')}",
                "share of spend",
                _lines(outside, "spend_outside_share", s, y, c),
                months=False,
                percent=True,
            )
        )
    return Chart(
        "compare_spend",
        "Spend by year",
        "Nominal spend on every provider (take-or-pay shortfalls included), and the share "
        "of it paid outside the counterparty.",
        tuple(panels),
    )


def _shortfall_chart(results: ResultSet, s: list[str], y: list[str], c: dict[str, str]) -> Chart:
    by_year = results.table("by_year")
    m_scale, m_unit = fmt.money_unit(float(by_year["lost_revenue_usd"].abs().max()))
    return Chart(
        "compare_shortfall",
        "Shortfall and lost revenue",
        "Revenue lost to unserved inference demand (present value), training FLOP not "
        "delivered in their windows (counted in the year a window ends) and inference "
        "FLOP not served, by year.",
        (
            Panel(
                "Lost revenue (present value)",
                m_unit,
                _lines(by_year, "lost_revenue_usd", s, y, c, m_scale),
                months=False,
            ),
            Panel(
                "Training shortfall",
                "FLOP",
                _lines(by_year, "training_shortfall_flop", s, y, c),
                months=False,
            ),
            Panel(
                "Inference shortfall",
                "FLOP",
                _lines(by_year, "inference_shortfall_flop", s, y, c),
                months=False,
            ),
        ),
    )


def _cash_chart(results: ResultSet, s: list[str], y: list[str], c: dict[str, str]) -> Chart | None:
    by_year = results.table("by_year")
    cash = by_year["cash_usd"].astype(float)
    if cash.isna().all():
        return None
    m_scale, m_unit = fmt.money_unit(float(cash.abs().max()))
    return Chart(
        "compare_cash",
        "Cash at year end",
        "The lab's cash at each year end under each scenario's plan (nominal); below zero "
        "it needs funding it has not got.",
        (
            Panel(
                "Cash at year end",
                m_unit,
                _lines(by_year, "cash_usd", s, y, c, m_scale),
                months=False,
                zero_line=True,
            ),
        ),
        columns=1,
    )


def _clause_chart(results: ResultSet, s: list[str], c: dict[str, str]) -> Chart | None:
    clauses = results.table("clauses")
    if not len(clauses):
        return None
    m_scale, m_unit = fmt.money_unit(float(clauses["cost_usd"].abs().max()))
    panels = []
    for label in s:
        mine = clauses[clauses["scenario"] == label]
        if not len(mine):
            continue
        names = tuple(f"{r['contract']}[{r['clause_index']}] {r['type']}" for r in records(mine))
        costs = tuple(float(v) / m_scale for v in mine["cost_usd"])
        panels.append(
            Panel(
                label,
                f"cost, {m_unit} (PV)",
                (Series(label, names, costs, "bar", c[label]),),
                months=False,
                horizontal=True,
                zero_line=True,
            )
        )
    if not panels:
        return None
    return Chart(
        "compare_clauses",
        "What each clause costs",
        "Objective with the clause minus objective without it (present value), per scenario.",
        tuple(panels),
    )


def comparison_charts(results: ResultSet) -> list[Chart]:
    """The overlaid charts of a comparison directory (see the module docstring)."""
    scenarios, years = _scenarios(results), _years(results)
    colors = color_map(scenarios, first=scenarios[0] if scenarios else None)
    charts: list[Chart | None] = [
        _gw_chart(results, scenarios, years, colors),
        _provider_chart(results, scenarios, years, colors),
        _spend_chart(results, scenarios, years, colors),
        _shortfall_chart(results, scenarios, years, colors),
        _cash_chart(results, scenarios, years, colors),
        _clause_chart(results, scenarios, colors),
    ]
    return [ch for ch in charts if ch is not None and any(not p.empty for p in ch.panels)]


def _money(value: Any) -> float | str:
    v = float(value)
    return round(v / 1e9, 2) + 0.0 if math.isfinite(v) else "n/a"


def comparison_tables(results: ResultSet) -> list[TableSpec]:
    """By-year figures side by side, spend outside the counterparty, and clause costs."""
    scenarios, years = _scenarios(results), _years(results)
    by_year = {(str(r["scenario"]), str(r["year"])): r for r in records(results.table("by_year"))}
    rows = []
    for label, col in (
        ("spend $B", "spend_usd"),
        ("lost revenue $B (PV)", "lost_revenue_usd"),
        ("revenue share $B", "revenue_share_usd"),
        ("cash at year end $B", "cash_usd"),
    ):
        for y in years:
            values = [_money(by_year[(s, y)][col]) if (s, y) in by_year else "-" for s in scenarios]
            rows.append((label, y, *values))
    tables = [
        TableSpec(
            "compare_by_year",
            "By year, side by side",
            ("metric", "year", *scenarios),
            tuple(rows),
            "Nominal unless marked PV.",
        )
    ]
    outside = results.table("outside")
    if len(outside):
        counterparty = results.summary.get("counterparty")
        out_rows = tuple(
            (
                str(r["scenario"]),
                str(r["year"]),
                _money(r["spend_outside_usd"]),
                fmt.pct(float(r["spend_outside_share"])),
                round(float(r["gw_outside"]), 2) + 0.0,
                fmt.pct(float(r["gw_outside_share"])),
            )
            for r in records(outside)
        )
        tables.append(
            TableSpec(
                "compare_outside",
                f"Outside {counterparty}",
                ("scenario", "year", "spend $B", "share of spend", "peak GW", "share of MW"),
                out_rows,
            )
        )
    clauses = results.table("clauses")
    if len(clauses):
        tables.append(
            TableSpec(
                "compare_clauses",
                "Clause costs",
                ("scenario", "contract", "clause", "type", "counterparty", "cost $B (PV)"),
                tuple(
                    (
                        str(r["scenario"]),
                        str(r["contract"]),
                        int(r["clause_index"]),
                        str(r["type"]),
                        str(r["counterparty"]),
                        _money(r["cost_usd"]),
                    )
                    for r in records(clauses)
                ),
            )
        )
    return tables


def _summary(results: ResultSet) -> Summary:
    figures = [
        KeyFigure(
            str(s["name"]),
            fmt.usd(float(s["objective_usd"])) if s.get("objective_usd") is not None else "n/a",
            f"objective (PV), {s.get('status', '?')}",
        )
        for s in results.summary.get("scenarios", [])
    ]
    return Summary(sentences=[str(f) for f in results.summary.get("findings", [])], figures=figures)


def comparison_content(results: ResultSet) -> ReportContent:
    """Title, summary (the findings), overlaid charts and tables of a comparison."""
    s = results.summary
    scenarios = _scenarios(results)
    options = s.get("options") or {}
    meta = [
        f"baseline {s.get('baseline', '?')}",
        f"counterparty {s.get('counterparty') or 'none'}",
        f"years {', '.join(_years(results))}",
        f"{options.get('solves', '?')} solves in {float(s.get('seconds', 0.0)):.0f} s",
    ]
    notes = [
        "Money is in USD: nominal unless marked PV (present value at each scenario's "
        "discount rate). GW is facility power (accelerators x watts x PUE).",
        "The baseline is drawn solid; every other scenario dashed, in its own colour. "
        "Each scenario's own plan report is under plans/<scenario>/.",
    ]
    missing = []
    if not options.get("clauses", True):
        missing.append("Clause costs were not computed (--no-clauses): no clause chart.")
    return ReportContent(
        results=results,
        title=f"Comparison: {' vs '.join(scenarios)}",
        meta=meta,
        summary=_summary(results),
        charts=comparison_charts(results),
        tables=comparison_tables(results),
        notes=notes + missing,
        missing=missing,
    )
