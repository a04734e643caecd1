"""A decision saved, read back and reported: the page shows the saved numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gigawatt.decide import Decision, decide
from gigawatt.errors import InputError
from gigawatt.report import write_report
from gigawatt.scenario import Scenario

DEMAND = "workloads.api.demand_flops"


def test_saved_decision_reads_back_and_reports(newsvendor: Scenario, tmp_path: Path) -> None:
    values = [{DEMAND: d} for d in (1.0e18, 2.0e18, 3.0e18)]
    result = decide(newsvendor, values=values, weights=[0.2, 0.5, 0.3], regret=False)
    result.save(tmp_path)
    back = Decision.load(tmp_path)
    assert back.summary["vss_usd"] == pytest.approx(result.summary["vss_usd"])
    for name, frame in result.tables.items():
        pd.testing.assert_frame_equal(frame, back.tables[name], check_dtype=False)
    report = write_report(tmp_path)
    assert report.kind == "decide" and report.charts == ["decide_costs"]
    tables = {t.id: t for t in report.tables}
    (row,) = tables["decide_commitments"].rows
    assert row[:5] == ("azure", "az", "H100", "reserved", "2025-01")
    assert row[5] == pytest.approx(4000.0)
    figures = dict(tables["decide_figures"].rows)
    assert figures["VSS"] == pytest.approx(0.0288)  # $28,800, worked by hand
    assert figures["EVPI"] == pytest.approx(1.0512)  # $1,051,200
    assert report.html is not None
    page = report.html.read_text(encoding="utf-8")
    assert "Decision report: newsvendor" in page and "$28.8k more (VSS)" in page


def test_a_folder_without_a_decision_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds no decision"):
        Decision.load(tmp_path)
