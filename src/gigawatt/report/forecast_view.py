"""A forecast report: its plain-language summary, key figures, tables and charts.

The headline follows the plan's ("by 2030 ... needs X GW"), with the forecast's
probabilities: P(cash < 0 before YEAR) is exact when YEAR covers the whole horizon
(the summary's ``p_cash_negative_any_month``) or when the probabilities table has a
cumulative ``p_cash_negative_by_month`` column; otherwise the report gives the lower
bound ``max_t P(cash_t < 0)`` over the months before YEAR and says so.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from gigawatt.report import fmt
from gigawatt.report.commitments import scenario_for
from gigawatt.report.content import ReportContent
from gigawatt.report.data import ResultSet, records
from gigawatt.report.forecast_charts import band, forecast_charts
from gigawatt.report.forecast_structure import structure_tables
from gigawatt.report.summary import KeyFigure, Summary, target_year
from gigawatt.report.tables import TableSpec

if TYPE_CHECKING:
    from gigawatt.scenario import Scenario

__all__ = ["forecast_content", "forecast_summary", "forecast_tables", "p_cash_negative_before"]


def p_cash_negative_before(results: ResultSet, year: int) -> tuple[float, bool] | None:
    """P(cash < 0 in some month before January of ``year``), and whether it is exact.

    Returns:
        None when the forecast tracks no cash.
    """
    probs = results.table("probabilities")
    if "p_cash_negative" not in probs or not probs["p_cash_negative"].notna().any():
        return None
    window = probs[probs["month"].astype(str) < f"{year:04d}-01"]
    if window.empty:
        return 0.0, True
    if "p_cash_negative_by_month" in window:
        return float(window["p_cash_negative_by_month"].iloc[-1]), True
    whole = len(window) == len(probs)
    any_month = results.summary.get("p_cash_negative_any_month")
    if whole and any_month is not None:
        return float(any_month), True
    return float(window["p_cash_negative"].max()), False


def _months(results: ResultSet) -> list[str]:
    probs = results.table("probabilities")
    if len(probs):
        return [str(m) for m in probs["month"]]
    return sorted({str(m) for m in results.table("bands")["month"]})


def forecast_summary(results: ResultSet, cash_year: int | None = None) -> Summary:
    """Headline sentences and key figures of a forecast."""
    s = results.summary
    months = _months(results)
    year = target_year(months)
    cash_year = cash_year or year + 1
    sentences: list[str] = []
    figures: list[KeyFigure] = []
    demand, supply = band(results, "demand_mw"), band(results, "supply_mw")
    if len(demand):
        in_year = demand[demand["month"].astype(str).str.startswith(str(year))]
        row = in_year.iloc[int(in_year["p50"].to_numpy().argmax())]
        text = (
            f"By {year} the median forecast needs {fmt.power(float(row['p50']))} "
            f"(5-95%: {fmt.power(float(row['p5']))} to {fmt.power(float(row['p95']))})"
        )
        supplied = supply[supply["month"] == row["month"]]
        if len(supplied):
            text += f" against {fmt.power(float(supplied['p50'].iloc[0]))} of contracted supply"
        sentences.append(text + ".")
        figures.append(KeyFigure(f"Power needed, {year}", fmt.power(float(row["p50"])), "median"))
    p_cash = p_cash_negative_before(results, cash_year)
    if p_cash is not None:
        value, exact = p_cash
        sign = "=" if exact else ">="
        sentences.append(f"P(cash < 0 before {cash_year}) {sign} {fmt.pct(value)}.")
        figures.append(
            KeyFigure(
                f"P(cash < 0 before {cash_year})", fmt.pct(value), "" if exact else "lower bound"
            )
        )
    shortfall = s.get("p_demand_exceeds_supply_any_month")
    if shortfall is not None:
        sentences.append(
            f"P(demand exceeds contracted supply in some month) = {fmt.pct(float(shortfall))}."
        )
        figures.append(KeyFigure("P(shortfall)", fmt.pct(float(shortfall)), "in some month"))
    funding = s.get("funding_needed_usd")
    if isinstance(funding, dict) and float(funding["p90"]) <= 0:
        sentences.append("No more funding is needed to keep cash at or above zero (P90).")
    elif isinstance(funding, dict):
        sentences.append(
            f"Keeping cash at or above zero takes {fmt.usd(float(funding['p50']))} more funding "
            f"at the median, {fmt.usd(float(funding['p90']))} at P90."
        )
    if isinstance(funding, dict):
        figures.append(KeyFigure("Funding needed", fmt.usd(float(funding["p90"])), "P90"))
    ranking = s.get("sensitivity") or {}
    parts = [
        f"{label} moves most with {ranked[0]['parameter']} (Spearman {ranked[0]['spearman']:+.2f})"
        for key, label in (("cash_final_usd", "final cash"), ("gap_total_flop", "unmet demand"))
        if (ranked := ranking.get(key))
    ]
    if parts:
        text = "; ".join(parts)
        sentences.append(text[0].upper() + text[1:] + ".")
    figures.append(
        KeyFigure("Samples", f"{int(s.get('samples', 0)):,}", f"seed {s.get('seed', '?')}")
    )
    return Summary(sentences, figures)


def forecast_tables(results: ResultSet) -> list[TableSpec]:
    """By-year medians and ranges, sensitivity and sampled parameters."""
    tables = []
    demand, supply, cash = (band(results, q) for q in ("demand_mw", "supply_mw", "cash_usd"))
    probs = results.table("probabilities")
    if len(demand):
        p_scale, p_unit = fmt.power_unit(float(demand["p50"].max()))
        m_scale, m_unit = fmt.money_unit(float(cash["p50"].abs().max()) if len(cash) else 0.0)
        last = demand.groupby(demand["month"].astype(str).str[:4])["month"].max()
        rows = []
        for year, month in last.items():
            d = demand[demand["month"] == month].iloc[0]
            row: list[str | float] = [
                str(year),
                str(month),
                round(float(d["p50"]) / p_scale, 2),
                f"{float(d['p5']) / p_scale:,.2f} to {float(d['p95']) / p_scale:,.2f}",
            ]
            sup = supply[supply["month"] == month]
            row.append(round(float(sup["p50"].iloc[0]) / p_scale, 2) if len(sup) else "")
            c = cash[cash["month"] == month]
            row.append(round(float(c["p50"].iloc[0]) / m_scale, 2) if len(c) else "")
            pr = probs[probs["month"] == month]
            for col in ("p_demand_exceeds_supply", "p_cash_negative"):
                ok = len(pr) and col in pr and pr[col].notna().all()
                row.append(fmt.pct(float(pr[col].iloc[0])) if ok else "")
            rows.append(tuple(row))
        tables.append(
            TableSpec(
                "by_year",
                "By year (last month of each year)",
                (
                    "year",
                    "month",
                    f"demand {p_unit} (p50)",
                    f"demand {p_unit} (5-95%)",
                    f"supply {p_unit} (p50)",
                    f"cash {m_unit} (p50)",
                    "P(demand > supply)",
                    "P(cash < 0)",
                ),
                tuple(rows),
                "Quantiles of each month; cash at month end, nominal.",
            )
        )
    tables.extend(structure_tables(results))
    sens = results.table("sensitivity")
    s_n = results.summary.get("sensitivity_samples", "?")
    if len(sens):
        tables.append(
            TableSpec(
                "sensitivity",
                "Sensitivity",
                ("output", "rank", "parameter", "Spearman rho"),
                tuple(
                    (
                        str(r["output"]),
                        int(r["rank"]),
                        str(r["parameter"]),
                        round(float(r["spearman"]), 3),
                    )
                    for r in records(sens)
                ),
                f"Rank correlation over the first {s_n} samples.",
            )
        )
    params = results.summary.get("parameters") or []
    if params:
        tables.append(
            TableSpec(
                "parameters",
                "Sampled inputs",
                ("key path", "distribution", "base value"),
                tuple(
                    (
                        str(p.get("path")),
                        json.dumps(p.get("distribution")),
                        p.get("base")
                        if isinstance(p.get("base"), int | float)
                        else str(p.get("base")),
                    )
                    for p in params
                ),
            )
        )
    return tables


def forecast_content(
    results: ResultSet, scenario: Scenario | None, cash_year: int | None
) -> ReportContent:
    """Summary, charts, tables and notes of a forecast report."""
    if scenario is None:
        scenario = scenario_for(results)
    funding: list[tuple[str, float]] = []
    if scenario is not None and scenario.finance is not None:
        funding = [(str(f.month), float(f.usd)) for f in scenario.finance.funding]
    s = results.summary
    span = s.get("months") or {}
    meta = [
        f"{int(s.get('samples', 0)):,} samples, seed {s.get('seed', '?')}",
        f"{span.get('start', '?')} to {span.get('end', '?')}",
        f"{s.get('quantile_method', '?')} quantiles",
        f"source {s.get('source', '?')}",
    ]
    notes = [
        "Fans: median line, 25-75% (dark) and 5-95% (light) bands of each month. Money is "
        "nominal USD per month; cash is at month end.",
    ]
    missing = []
    if scenario is None and s.get("finance"):
        missing.append("Funding events are not marked (scenario not found): pass --scenario FILE.")
    p_cash = p_cash_negative_before(results, cash_year or target_year(_months(results)) + 1)
    if p_cash is not None and not p_cash[1]:
        missing.append(
            "P(cash < 0 before the year) is a lower bound: the forecast gives P(cash < 0) per "
            "month, not by month (a cumulative p_cash_negative_by_month column would make it "
            "exact)."
        )
    return ReportContent(
        results=results,
        title=f"Forecast report: {results.name}",
        meta=meta,
        summary=forecast_summary(results, cash_year),
        charts=forecast_charts(results, funding),
        tables=forecast_tables(results),
        notes=notes + missing,
        missing=missing,
    )
