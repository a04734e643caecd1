r"""The report of a sweep: distributions of cost, shortfall, GW by provider, clause costs.

A sweep directory (``gigawatt sweep FILE --out DIR``) holds ``summary.json`` with
``"kind": "sweep"`` and the tables ``samples``, ``gw``, ``clause_samples`` and
``distributions``. Histograms count solved samples in equal-width bins
(:math:`\lceil\sqrt{n}\rceil` bins, 5 to 20); fans show, per provider and year, the
median (line), 25-75% (dark) and 5-95% (light) of the peak GW installed, held flat over
the twelve months of the year; clause costs are medians with their 5% and 95% marked.
Failed samples are counted and listed.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.report import fmt
from gigawatt.report.charts import Chart, Panel, Series, color_map
from gigawatt.report.content import ReportContent
from gigawatt.report.data import ResultSet, records
from gigawatt.report.summary import KeyFigure, Summary
from gigawatt.report.tables import TableSpec

__all__ = [
    "histogram",
    "load_sweep_results",
    "sweep_charts",
    "sweep_content",
    "sweep_summary",
    "sweep_tables",
]

_BLUE, _ORANGE, _RED, _GREEN = "#0072B2", "#E69F00", "#D55E00", "#009E73"
_SOLVED = ("optimal", "time_limit")


def load_sweep_results(directory: str | Path) -> ResultSet:
    """A sweep directory as a :class:`ResultSet` of kind ``sweep``.

    Raises:
        GigawattError: the directory holds no complete sweep.
    """
    from gigawatt.sweep.result import Sweep

    sweep = Sweep.load(directory)
    return ResultSet(Path(directory), "sweep", sweep.summary, sweep.tables)


def _solved(results: ResultSet) -> pd.DataFrame:
    samples = results.table("samples")
    if samples.empty:
        return samples
    return samples[samples["status"].isin(_SOLVED)]


def histogram(values: np.ndarray, scale: float, digits: int = 3) -> tuple[list[str], list[float]]:
    """Bin labels (``low-high`` in ``scale`` units) and counts of the finite values."""
    x = values[np.isfinite(values)] / scale
    if not len(x):
        return [], []
    bins = min(20, max(5, math.ceil(math.sqrt(len(x)))))
    counts, edges = np.histogram(x, bins=bins)
    labels = [f"{a:.{digits}g}-{b:.{digits}g}" for a, b in itertools.pairwise(edges)]
    if len(set(labels)) < len(labels):  # bins narrower than the digits shown
        labels = [f"{i + 1}: {a:.6g}" for i, a in enumerate(edges[:-1])]
    return labels, [float(c) for c in counts]


def _hist_panel(title: str, unit: str, values: np.ndarray, scale: float, color: str) -> Panel:
    labels, counts = histogram(values, scale)
    bars = Series("samples", tuple(labels), tuple(counts), "bar", color, legend=False)
    return Panel(f"{title} ({unit})", "samples", (bars,), months=False, counts=True)


def _dist(results: ResultSet, quantity: str) -> dict[str, Any] | None:
    d = results.table("distributions")
    if d.empty:
        return None
    rows = d[d["quantity"] == quantity]
    if rows.empty or int(rows["n"].iloc[0]) == 0:
        return None
    return records(rows.iloc[[0]])[0]


def _cost_chart(results: ResultSet) -> Chart | None:
    solved = _solved(results)
    if solved.empty:
        return None
    cost = solved["cost_usd"].to_numpy(dtype=float)
    objective = solved["objective_usd"].to_numpy(dtype=float)
    scale, unit = fmt.money_unit(float(np.nanmax(np.abs(objective))))
    d = _dist(results, "cost_usd")
    caption = "How many samples fall in each range (solved samples only)."
    if d is not None:
        caption = (
            f"Median cost {fmt.usd(d['p50'])} (5-95%: {fmt.usd(d['p5'])} to "
            f"{fmt.usd(d['p95'])}), present value. " + caption
        )
    return Chart(
        id="sweep_cost",
        title="Cost across samples",
        caption=caption,
        panels=(
            _hist_panel("Cost, PV", unit, cost, scale, _BLUE),
            _hist_panel(
                "Objective (cost + lost revenue + penalties), PV", unit, objective, scale, _ORANGE
            ),
        ),
    )


def _shortfall_chart(results: ResultSet) -> Chart | None:
    solved = _solved(results)
    if solved.empty:
        return None
    flop = solved["shortfall_flop"].to_numpy(dtype=float)
    lost = solved["lost_revenue_usd"].to_numpy(dtype=float)
    scale, unit = fmt.money_unit(float(np.nanmax(np.abs(lost))) if len(lost) else 0.0)
    p = float(np.mean(flop > 0))
    return Chart(
        id="sweep_shortfall",
        title="Shortfall across samples",
        caption=f"{fmt.pct(p)} of solved samples leave some demand unserved.",
        panels=(
            _hist_panel("Unserved compute", "1e24 FLOP", flop, 1e24, _RED),
            _hist_panel("Lost revenue, PV", unit, lost, scale, _GREEN),
        ),
    )


def _gw_chart(results: ResultSet) -> Chart | None:
    d = results.table("distributions")
    gw = d[d["quantity"] == "gw"] if len(d) else d
    if gw.empty or int(gw["n"].max()) == 0:
        return None
    largest_mw = float(gw["p95"].max()) * 1e3
    scale, unit = fmt.power_unit(largest_mw)
    colors = color_map(gw["provider"].astype(str))
    series = []
    for provider, rows in gw.groupby("provider", sort=True):
        rows = rows.sort_values("year")

        def col(c: str, frame: pd.DataFrame = rows) -> tuple[float, ...]:
            return tuple(float(v) * 1e3 / scale for v in frame[c] for _ in range(12))

        series.append(
            Series(
                str(provider),
                tuple(f"{y}-{m:02d}" for y in rows["year"].astype(str) for m in range(1, 13)),
                col("p50"),
                "band",
                colors[str(provider)],
                lower=col("p5"),
                upper=col("p95"),
                inner_lower=col("p25"),
                inner_upper=col("p75"),
            )
        )
    last_year = str(gw["year"].max())
    top = gw[gw["year"] == last_year].sort_values("p50", ascending=False).iloc[0]
    return Chart(
        id="sweep_gw",
        title="GW installed by provider",
        caption=f"In {last_year} {top['provider']} has the most capacity: "
        f"{fmt.power(float(top['p50']) * 1e3)} at the median (5-95%: "
        f"{fmt.power(float(top['p5']) * 1e3)} to {fmt.power(float(top['p95']) * 1e3)}). "
        "Peak installed facility power in each year, drawn flat across the year; lines are "
        "medians, dark bands 25-75%, light bands 5-95%.",
        panels=(Panel(f"Peak installed power in the year ({unit})", unit, tuple(series)),),
        columns=1,
    )


def _clause_chart(results: ResultSet) -> Chart | None:
    d = results.table("distributions")
    rows = d[d["quantity"] == "clause_cost_usd"] if len(d) else d
    if rows.empty:
        return None
    labels = tuple(f"{r['contract']}[{int(r['clause_index'])}] {r['type']}" for r in records(rows))
    scale, unit = fmt.money_unit(float(rows[["p5", "p95"]].abs().to_numpy().max()))

    def col(c: str) -> tuple[float, ...]:
        return tuple(float(v) / scale for v in rows[c])

    series = (
        Series("median", labels, col("p50"), "bar", _BLUE),
        Series("5%", labels, col("p5"), "markers", _GREEN),
        Series("95%", labels, col("p95"), "markers", _RED),
    )
    top = rows.sort_values("p50", ascending=False).iloc[0]
    return Chart(
        id="sweep_clauses",
        title="What each clause costs across samples",
        caption=f"{top['contract']}[{int(top['clause_index'])}] {top['type']} costs the most: "
        f"{fmt.usd(float(top['p50']))} at the median (present value, objective with minus "
        "without the clause, re-solved in every sample).",
        panels=(Panel(f"Clause cost, PV ({unit})", unit, series, months=False, horizontal=True),),
        columns=1,
        panel_height=max(220, 80 + 40 * len(rows)),
    )


def sweep_charts(results: ResultSet) -> list[Chart]:
    """Every chart a sweep's data allows, in reading order."""
    builders = (
        _cost_chart(results),
        _shortfall_chart(results),
        _gw_chart(results),
        _clause_chart(results),
    )
    return [c for c in builders if c is not None]


def sweep_summary(results: ResultSet) -> Summary:
    """Headline sentences and key figures of a sweep."""
    s = results.summary
    sentences: list[str] = []
    figures: list[KeyFigure] = []
    n, solved, failed = int(s.get("samples", 0)), int(s.get("solved", 0)), int(s.get("failed", 0))
    cost = _dist(results, "cost_usd")
    if cost is not None:
        sentences.append(
            f"Across {solved:,} solved samples the plan costs {fmt.usd(cost['p50'])} at the "
            f"median (5-95%: {fmt.usd(cost['p5'])} to {fmt.usd(cost['p95'])}), present value."
        )
        figures.append(KeyFigure("Cost (PV)", fmt.usd(cost["p50"]), "median"))
    p_short = s.get("p_shortfall")
    if p_short is not None:
        sentences.append(f"{fmt.pct(float(p_short))} of them leave some demand unserved.")
        figures.append(KeyFigure("P(shortfall)", fmt.pct(float(p_short)), "of solved samples"))
    if failed:
        counts = {k: v for k, v in (s.get("status_counts") or {}).items() if v and k not in _SOLVED}
        detail = ", ".join(f"{v} {k}" for k, v in counts.items())
        sentences.append(f"{failed} of {n} samples have no plan ({detail}); see the table below.")
    figures.append(KeyFigure("Samples", f"{n:,}", f"seed {s.get('seed', '?')}"))
    figures.append(KeyFigure("Failed", f"{failed:,}", "no plan"))
    return Summary(sentences, figures)


def _r(value: float, scale: float) -> float:
    return round(float(value) / scale, 3) + 0.0


def sweep_tables(results: ResultSet) -> list[TableSpec]:
    """Distributions (money, shortfall, GW, clauses) and the failed samples."""
    d = results.table("distributions")
    tables: list[TableSpec] = []
    if len(d):
        money = {"shortfall_flop": (1e24, "1e24 FLOP"), "gw": (1.0, "GW")}
        rows = []
        for r in records(d):
            q = str(r["quantity"])
            scale, unit = money.get(q, (1e6, "$M"))
            key = " ".join(
                str(v)
                for v in (r["provider"], r["year"], r["contract"], r["type"])
                if v not in ("", None)
            )
            if int(r["clause_index"]) >= 0:
                key += f" [{int(r['clause_index'])}]"
            stats = [_r(r[c], scale) if int(r["n"]) else "" for c in ("p5", "p50", "p95", "mean")]
            rows.append((q, key, unit, int(r["n"]), *stats))
        tables.append(
            TableSpec(
                "distributions",
                "Distributions across solved samples",
                ("quantity", "key", "unit", "samples", "p5", "p50", "p95", "mean"),
                tuple(rows),
                "Money in present value except spend_usd_nominal; GW is peak installed "
                "facility power in the year.",
            )
        )
    failed = results.summary.get("failed_samples") or []
    if failed:
        tables.append(
            TableSpec(
                "failed",
                "Failed samples",
                ("sample", "status", "message"),
                tuple(
                    (int(f["sample"]), str(f["status"]), str(f["message"]).splitlines()[0])
                    for f in failed
                ),
                "Samples without a plan are not in the distributions.",
            )
        )
    return tables


def sweep_content(results: ResultSet) -> ReportContent:
    """Summary, charts, tables and notes of a sweep report."""
    s = results.summary
    where = s.get("backend", "?")
    if where == "ray":
        where = (
            f"Ray ({s.get('workers', '?')} CPUs{', ' + s['address'] if s.get('address') else ''})"
        )
    meta = [
        f"{int(s.get('samples', 0)):,} samples, seed {s.get('seed', '?')}",
        f"{int(s.get('solved', 0)):,} solved, {int(s.get('failed', 0)):,} failed",
        f"solved on {where} in {float(s.get('seconds', 0.0)):.0f}s",
        f"source {s.get('source', '?')}",
    ]
    notes = [
        "Each sample is the scenario with its uncertain inputs drawn (as the forecast draws "
        "them) and planned in full. Money is USD, present value unless marked nominal.",
    ]
    missing = []
    if not s.get("clauses"):
        missing.append("No clause costs: run the sweep with --clauses to cost every clause.")
    return ReportContent(
        results=results,
        title=f"Sweep report: {results.name}",
        meta=meta,
        summary=sweep_summary(results),
        charts=sweep_charts(results),
        tables=sweep_tables(results),
        notes=notes + missing,
        missing=missing,
    )
