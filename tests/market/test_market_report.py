"""The market's report page: the lab, the charts, and user strings kept as data."""

from __future__ import annotations

from pathlib import Path

from market_support import one_resource_text

from gigawatt.market import analyze_market, load_market
from gigawatt.market.result import MarketResult
from gigawatt.report import write_report


def test_report_of_a_saved_market_escapes_its_source(tmp_path: Path) -> None:
    path = tmp_path / "<b>x<i>.yaml"
    path.write_text(one_resource_text(supply=100, demand_a=80, demand_b=80), encoding="utf-8")
    result = analyze_market(load_market(path))
    out = result.save(tmp_path / "m")
    back = MarketResult.load(out)
    assert back.first_binding == result.first_binding
    assert back.years.equals(result.years)
    report = write_report(out)
    assert report.kind == "market"
    assert report.charts == ["market_supply", "market_lab", "market_binding", "market_prices"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<b>x<i>" not in page
    assert "&lt;b&gt;x&lt;i&gt;" in page
    assert [t.id for t in report.tables] == ["market_years", "market_labs"]
