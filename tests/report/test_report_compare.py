"""The report of a comparison: overlaid charts whose values are the comparison's tables."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from report_support import JAN_TERMS, OCT_TERMS, BuiltComparison

from gigawatt.errors import GigawattError
from gigawatt.report import build_content
from gigawatt.report.charts import Chart, Series
from gigawatt.report.data import detect_kind, load_results

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))
HOURS = 744  # December 2025 and January 2026


def _series(chart: Chart, panel: int, name: str) -> Series:
    return next(s for s in chart.panels[panel].series if s.name == name)


def _chart(built: BuiltComparison, chart_id: str) -> Chart:
    content = build_content(built.directory)
    return next(c for c in content.charts if c.id == chart_id)


def test_a_comparison_directory_is_read_as_one(built_comparison: BuiltComparison) -> None:
    assert detect_kind(built_comparison.directory) == "comparison"
    results = load_results(built_comparison.directory)
    assert results.name == built_comparison.directory.name or results.kind == "comparison"
    assert {"by_provider", "by_year", "outside", "clauses"} <= set(results.tables)
    assert built_comparison.report.kind == "comparison"
    assert built_comparison.report.charts == [
        "compare_gw",
        "compare_providers",
        "compare_spend",
        "compare_shortfall",
        "compare_cash",
        "compare_clauses",
    ]
    assert built_comparison.html.is_file()


def test_spend_lines_are_the_hand_worked_spend(built_comparison: BuiltComparison) -> None:
    chart = _chart(built_comparison, "compare_spend")
    jan = _series(chart, 0, "jan-terms")
    oct_ = _series(chart, 0, "oct-terms")
    assert jan.x == ("2025", "2026") and jan.kind == "line" and oct_.kind == "dash"
    assert chart.panels[0].y_label == "$B"
    # December 2025: 600k on Azure at $3/h and 400k on OCI at $2/h with the ROFR; all on OCI
    assert jan.y[0] == pytest.approx((600_000 * 3 + 400_000 * 2) * HOURS / 1e9)
    assert oct_.y[0] == pytest.approx(1_000_000 * 2 * HOURS / 1e9)
    share = _series(chart, 1, "jan-terms")
    assert chart.panels[1].percent
    assert share.y[0] == pytest.approx(0.8 / 2.6)
    assert _series(chart, 1, "oct-terms").y[0] == pytest.approx(1.0)


def test_gw_and_provider_lines_overlay_every_scenario(built_comparison: BuiltComparison) -> None:
    gw = _chart(built_comparison, "compare_gw")
    assert [s.name for s in gw.panels[0].series] == ["jan-terms", "oct-terms"]
    assert _series(gw, 0, "jan-terms").y[0] == pytest.approx(1.0)  # 1M x 1 kW
    assert _series(gw, 1, "jan-terms").y[0] == pytest.approx(0.4)  # outside Azure
    assert _series(gw, 1, "oct-terms").y[0] == pytest.approx(1.0)
    providers = _chart(built_comparison, "compare_providers")
    assert [p.title for p in providers.panels] == ["azure: peak installed", "oci: peak installed"]
    assert _series(providers, 0, "jan-terms").y[0] == pytest.approx(0.6)
    assert _series(providers, 0, "oct-terms").y[0] == pytest.approx(0.0, abs=1e-9)


def test_cash_and_clause_charts_match_the_tables(built_comparison: BuiltComparison) -> None:
    by_year = pd.read_parquet(built_comparison.directory / "by_year.parquet")
    cash = _chart(built_comparison, "compare_cash")
    for label in ("jan-terms", "oct-terms"):
        expected = by_year[by_year["scenario"] == label].sort_values("year")["cash_usd"] / 1e9
        assert list(_series(cash, 0, label).y) == pytest.approx(list(expected))
    # December's spend comes straight off $5B of cash
    assert _series(cash, 0, "jan-terms").y[0] == pytest.approx(5 - 2.6 * HOURS / 1e3)
    clauses = _chart(built_comparison, "compare_clauses")
    rofr = _series(clauses, 0, "jan-terms")
    assert rofr.x == ("microsoft[0] right_of_first_refusal",)
    assert clauses.panels[0].horizontal and clauses.panels[0].y_label == "cost, $M (PV)"
    # the ROFR costs $1/h on 600k accelerators for two months
    assert rofr.y[0] * 1e6 == pytest.approx(2 * 600_000 * HOURS, rel=1e-6)


def test_html_carries_findings_and_tables(built_comparison: BuiltComparison) -> None:
    html = built_comparison.html.read_text(encoding="utf-8")
    assert "Comparison: jan-terms vs oct-terms" in html
    assert "Without the right of first refusal (oct-terms, against jan-terms)" in html
    for title in ("By year, side by side", "Outside azure", "Clause costs"):
        assert title in html, title
    pngs = sorted(p.name for p in built_comparison.png_dir.glob("*.png"))
    assert pngs == sorted(f"{c}.png" for c in built_comparison.report.charts)


def test_compare_out_writes_the_report(tmp_path: Path) -> None:
    (tmp_path / "jan.yaml").write_text(JAN_TERMS)
    (tmp_path / "oct.yaml").write_text(OCT_TERMS)
    cmd = [GIGAWATT, "compare", "jan.yaml", "oct.yaml", "--no-clauses", "--processes", "1"]
    out = subprocess.run(
        [*cmd, "--out", "cmp"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "report.html and plans written to cmp" in out.stdout
    html = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    assert "Gigawatts by provider" in html and "What each clause costs" not in html
    assert "Clause costs were not computed" in html
    again = subprocess.run(
        [GIGAWATT, "report", "cmp", "--json", "-o", "again.html"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    assert data["kind"] == "comparison" and "compare_clauses" not in data["charts"]
    assert (tmp_path / "again.html").is_file()


def test_a_comparison_without_its_tables_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "comparison.json").write_text(json.dumps({"scenarios": []}))
    with pytest.raises(GigawattError, match=r"no by_provider.parquet, by_year.parquet"):
        load_results(tmp_path)


def test_years_without_a_row_are_gaps() -> None:
    from gigawatt.report.compare_view import _lines

    frame = pd.DataFrame({"scenario": ["a", "b"], "year": ["2025", "2026"], "v": [1.0, 2.0]})
    a, b = _lines(frame, "v", ["a", "b"], ["2025", "2026"], {"a": "#000", "b": "#111"})
    assert a.y[0] == 1.0 and math.isnan(a.y[1])
    assert math.isnan(b.y[0]) and b.y[1] == 2.0
