"""Build a report from a results directory: HTML, PNG images and exports."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gigawatt.plan.figures import plan_figures
from gigawatt.report.answer import answer_table
from gigawatt.report.commitments import commitments_table, save_commitments, scenario_for
from gigawatt.report.content import ReportContent
from gigawatt.report.data import ResultSet, detect_kind, load_results, save_clause_costs
from gigawatt.report.summary import Summary, plan_summary
from gigawatt.report.tables import TableSpec, plan_tables

if TYPE_CHECKING:
    from gigawatt.scenario import Scenario

__all__ = [
    "Progress",
    "Report",
    "ReportContent",
    "build_content",
    "write_default_report",
    "write_report",
]

#: ``progress(step, done, total)``: called as each step of :func:`write_report` ends.
Progress = Callable[[str, int, int], None]


@dataclass
class Report:
    """What :func:`write_report` wrote."""

    kind: str
    directory: Path
    html: Path | None
    pngs: list[Path]
    exports: list[Path]
    charts: list[str]
    summary: Summary
    tables: list[TableSpec]
    notes: list[str]
    missing: list[str]
    answer: TableSpec | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the ``--json`` output of ``gigawatt report``)."""
        return {
            "status": "ok",
            "kind": self.kind,
            "directory": str(self.directory),
            "html": None if self.html is None else str(self.html),
            "png": [str(p) for p in self.pngs],
            "exports": [str(p) for p in self.exports],
            "charts": list(self.charts),
            "summary": self.summary.sentences,
            "figures": self.summary.to_dict()["figures"],
            "answer": None if self.answer is None else self.answer.to_dict(),
            "tables": [t.to_dict() for t in self.tables],
            "notes": list(self.notes),
            "missing": list(self.missing),
        }


def _plan_content(
    results: ResultSet, scenario: Scenario | None, cash_year: int | None
) -> ReportContent:
    from gigawatt.report.plan_charts import plan_charts

    del cash_year  # a plan has one cash path: the summary gives its date
    if scenario is None and results.commitments is None:
        scenario = scenario_for(results)
    if scenario is not None and results.commitments is None:
        results.commitments = commitments_table(scenario, results.tables)
    counterparty = scenario.contracts[0].counterparty if scenario and scenario.contracts else None
    s = results.summary
    horizon = s.get("horizon") or {}
    meta = [
        f"status {s.get('status', '?')}",
        f"{horizon.get('start', '?')} to {horizon.get('end', '?')}",
        f"source {s.get('source', '?')}",
    ]
    notes = [
        "Money is in USD: nominal unless marked PV (present value at the scenario's "
        "discount rate). GW and MW are facility power (accelerators x watts x PUE).",
    ]
    missing = []
    if results.clause_costs is None:
        missing.append(
            "No clause costs in this directory: run `gigawatt clauses FILE --json > "
            "DIR/clauses.json` (or call gigawatt.report.save_clause_costs) and report again."
        )
    if results.commitments is None:
        missing.append(
            "Commitments unknown (the scenario could not be found): pass --scenario FILE "
            "to `gigawatt report` for the commitments table and FOCUS commitments export."
        )
    notes.extend(f"Scenario warning: {w}" for w in s.get("warnings", []))
    return ReportContent(
        results=results,
        title=f"Plan report: {results.name}",
        meta=meta,
        summary=plan_summary(results, counterparty),
        charts=plan_charts(results, counterparty),
        tables=plan_tables(results),
        notes=notes + missing,
        missing=missing,
        answer=answer_table(plan_figures(results.tables, s)),
    )


def build_content(
    directory: str | Path,
    *,
    scenario: Scenario | None = None,
    cash_year: int | None = None,
) -> ReportContent:
    """Read a results directory and prepare its summary, charts and tables.

    Args:
        directory: A plan, forecast, comparison, sweep or decision directory.
        scenario: The scenario it came from (for commitments and the reference
            provider); looked up from the recorded source when omitted.
        cash_year: Forecasts: report P(cash < 0) before January of this year
            (default: by the end of the horizon).

    Raises:
        GigawattError: the directory holds no readable result.
    """
    kind = detect_kind(directory)
    if kind == "sweep":
        from gigawatt.report.sweep_charts import load_sweep_results, sweep_content

        return sweep_content(load_sweep_results(directory))
    if kind == "decide":
        from gigawatt.report.decide_view import decide_content, load_decide_results

        return decide_content(load_decide_results(directory))
    results = load_results(directory)
    if results.kind == "comparison":
        from gigawatt.report.compare_view import comparison_content

        return comparison_content(results)
    if results.kind == "history":
        from gigawatt.report.history_view import history_content

        return history_content(results)
    if results.kind == "market":
        from gigawatt.report.market_view import market_content

        return market_content(results)
    if results.kind == "forecast":
        from gigawatt.report.forecast_view import forecast_content

        return forecast_content(results, scenario, cash_year)
    return _plan_content(results, scenario, cash_year)


def write_report(
    directory: str | Path,
    out: str | Path | None = None,
    *,
    png_dir: str | Path | None = None,
    export_dir: str | Path | None = None,
    html: bool = True,
    scenario: Scenario | None = None,
    cash_year: int | None = None,
    progress: Progress | None = None,
) -> Report:
    """Write the HTML report of a plan or forecast, and optionally PNGs and exports.

    Args:
        directory: The results directory.
        out: The HTML file (default ``DIR/report.html``).
        png_dir: Also draw every chart to ``png_dir/<chart>.png``.
        export_dir: Also write every table as Parquet and CSV, plus FOCUS CSVs.
        html: Write the HTML file (False: only PNGs and exports).
        scenario: See :func:`build_content`.
        cash_year: See :func:`build_content`.
        progress: Called with (step, done, total) after each step.

    Raises:
        GigawattError: the directory holds no readable result.
    """
    folder = Path(directory)
    total = 2 + int(html) + int(export_dir is not None)
    steps = 0

    def tick(step: str, extra: int = 0) -> None:
        nonlocal steps
        steps += 1
        if progress is not None:
            progress(step, steps, total + extra)

    content = build_content(folder, scenario=scenario, cash_year=cash_year)
    n_png = len(content.charts) if png_dir is not None else 0
    total += n_png
    tick("read results")
    tick("prepared charts and tables")
    html_path = None
    if html:
        from gigawatt.report.html import render_html

        html_path = Path(out) if out is not None else folder / "report.html"
        html_path.parent.mkdir(parents=True, exist_ok=True)
        page = render_html(
            title=content.title,
            meta=content.meta,
            summary=content.summary,
            charts=content.charts,
            tables=content.tables,
            notes=content.notes,
            answer=content.answer,
        )
        html_path.write_text(page, encoding="utf-8")
        tick(f"wrote {html_path.name}")
    pngs: list[Path] = []
    if png_dir is not None:
        from gigawatt.report.png import render_png

        for chart in content.charts:
            pngs.append(render_png(chart, Path(png_dir) / f"{chart.id}.png"))
            tick(f"drew {chart.id}.png")
    exports: list[Path] = []
    if export_dir is not None:
        from gigawatt.report.exports import export_tables

        exports = export_tables(content.results, export_dir)
        tick("exported tables")
    return Report(
        kind=content.results.kind,
        directory=folder,
        html=html_path,
        pngs=pngs,
        exports=exports,
        charts=[c.id for c in content.charts],
        summary=content.summary,
        tables=content.tables,
        notes=content.notes,
        missing=content.missing,
        answer=content.answer,
    )


def write_default_report(
    result_dir: Path,
    *,
    scenario: Scenario | None = None,
    clause_costs: Iterable[Any] | None = None,
) -> Path:
    """Write ``result_dir/report.html`` for a saved plan or forecast.

    This is what ``gigawatt plan`` and ``gigawatt forecast`` call after ``--out DIR``.

    Args:
        result_dir: The directory just written by ``Plan.save`` or the forecast.
        scenario: The scenario solved; when given, a plan's commitments are saved
            beside it as ``commitments.parquet`` so later reports have them.
        clause_costs: Clause costs to save beside it as ``clauses.parquet``.

    Returns:
        The HTML file written.

    Raises:
        GigawattError: the directory holds no readable result.
    """
    folder = Path(result_dir)
    if clause_costs is not None:
        save_clause_costs(clause_costs, folder)
    if scenario is not None and detect_kind(folder) == "plan":
        save_commitments(scenario, folder)
    report = write_report(folder, scenario=scenario)
    assert report.html is not None
    return report.html
