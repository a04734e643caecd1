"""The funding chart and figures of a funded plan (issue #20, step 6).

The plan is tests/plan/test_funded.py's loan case (hand-worked there). Its funding
figures by year are recomputed here from the finance and financing tables with plain
sums, the chart is drawn in a real report (HTML and PNG), and the anchors carry the fact
sheet's figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.plan import SolveOptions
from gigawatt.plan.fundedplan import funded_plan
from gigawatt.plan.fundingfigures import ANCHORS, anchors, funding_by_year
from gigawatt.report import fmt, write_report
from gigawatt.report.data import load_results
from gigawatt.report.funding_chart import funding_chart
from gigawatt.scenario import Scenario
from gigawatt.scenario.load import scenario_from_data


def lab() -> Scenario:
    """A build paid on delivery, revenue a month behind: the gap borrowed at 12% + 1%."""
    build = {"accelerator": "X", "pricing": "build", "capex_usd": 3000, "lifetime_months": 3}
    build.update(opex_usd_per_hour=0, available=1000)
    api = {"name": "api", "kind": "inference", "demand_flops": 5.0e17, "utilization": 0.5}
    api["revenue_usd_per_month"] = 1.5e6
    bank = {"name": "bank", "limit_usd": 1.0e7, "rate_per_year": 0.12, "fee_percent": 1}
    bank["tenor_months"] = 12
    data = {
        "name": "lab",
        "horizon": {"start": "2025-11", "months": 3},
        "accelerators": {"X": {"peak_flops": 1.0e15, "facility_watts": 1000}},
        "providers": {"own": {"kind": "owned"}},
        "sites": {"s": {"provider": "own", "offers": [build]}},
        "workloads": [api],
        "finance": {"cash_usd": 0, "other_opex_usd_per_month": 1.0e4, "funded": True},
    }
    data["finance"]["debt"] = [bank]
    return scenario_from_data(data, "lab")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("funded")
    funded_plan(lab(), SolveOptions()).save(out)
    return out


def test_funding_by_year_is_the_tables_summed(folder: Path) -> None:
    results = load_results(folder)
    fin, financing = results.table("finance"), results.table("financing")
    year = funding_by_year(results.tables).set_index("year")
    assert list(year.index) == ["2025", "2026"]
    for y in ("2025", "2026"):
        f = fin[fin["month"].str.startswith(y)]
        d = financing[financing["month"].str.startswith(y)]
        net = f["revenue_usd"].sum() - f["revenue_share_usd"].sum()
        burn = f["compute_paid_usd"].sum() + f["other_opex_usd"].sum() - net
        assert year.loc[y, "burn_usd"] == pytest.approx(burn, rel=1e-12)
        assert year.loc[y, "debt_drawn_usd"] == pytest.approx(d["drawn_usd"].sum(), rel=1e-12)
        assert year.loc[y, "interest_fees_usd"] == pytest.approx(
            d["interest_usd"].sum() + d["fees_usd"].sum(), rel=1e-12
        )
        assert year.loc[y, "cash_end_usd"] == f["cash_usd"].iloc[-1]
    # 2025 (Nov, Dec): $3M of capex against $3M of revenue and $20k of opex
    assert year.loc["2025", "burn_usd"] == pytest.approx(20_000, rel=1e-9)
    # sources - uses = the change in cash, year by year
    sources = year[["revenue_net_usd", "debt_drawn_usd"]].sum(axis=1)
    uses = year[["compute_paid_usd", "other_opex_usd", "debt_repaid_usd", "interest_fees_usd"]]
    change = year["cash_end_usd"].diff().fillna(year["cash_end_usd"])
    assert (sources - uses.sum(axis=1)).to_numpy() == pytest.approx(change.to_numpy(), abs=1e-6)


def test_anchors_carry_the_fact_sheet(folder: Path) -> None:
    table = anchors(load_results(folder).tables)
    assert [a.reported_usd for a in ANCHORS] == [115e9, 600e9]
    assert table["reported_usd"].tolist() == [115e9, 600e9]
    # a 3-month plan does not reach 2029: no figure of its own to compare
    assert table["plan_usd"].isna().all()


def test_the_chart_is_drawn_in_the_report(folder: Path, tmp_path: Path) -> None:
    chart = funding_chart(load_results(folder))
    assert chart is not None
    names = {s.name for s in chart.panels[0].series}
    assert {"net revenue", "debt drawn", "compute paid", "debt repaid"} <= names
    assert any("115" in note for note in chart.notes)
    # the caption answers with the summary's figures: drawn, cost, revenue lost to funding
    s = load_results(folder).summary
    for usd in ("funding_needed_usd", "financing_cost_usd", "lost_revenue_to_funding_usd"):
        assert fmt.usd(float(s[usd])) in chart.caption
    report = write_report(folder, tmp_path / "report.html", png_dir=tmp_path / "png")
    del report
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="chart-funding"' in html
    assert (tmp_path / "png" / "funding.png").stat().st_size > 1000
