"""Every number of `gigawatt plan` (JSON, printed tables) and of report.html, recomputed.

The oracle (oracle.py) recomputes each figure from the plan folder's Parquet tables with
its own plain-pandas code; what the CLI prints and the report shows must equal it up to
the rounding it was shown with.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd
import pytest
from crosscheck_oracle import H100, Oracle, compute, read
from crosscheck_readers import (
    axis_title,
    cli_tables,
    html_figures,
    html_tables,
    shown_matches,
    traces,
)
from crosscheck_runs import BUILTINS, SEEDS, Planned

NAMES = [*BUILTINS, *(f"generated-{s}" for s in SEEDS)]


@pytest.fixture(params=NAMES)
def planned(
    request: pytest.FixtureRequest,
    builtin_plans: dict[str, Planned],
    generated_plans: dict[str, Planned],
) -> Planned:
    name = str(request.param)
    return builtin_plans[name] if name in builtin_plans else generated_plans[name]


@pytest.fixture
def oracle(planned: Planned) -> Oracle:
    return compute(planned.folder, cash=planned.cash)


def approx(value: Any, exact: float, rel: float = 1e-9, abs_: float = 1e-6) -> bool:
    if value is None:
        return math.isnan(exact)
    return math.isclose(float(value), exact, rel_tol=rel, abs_tol=abs_)


def check(text: str, exact: float, scale: float, where: str) -> None:
    assert shown_matches(text, exact, scale), (
        f"{where}: shows {text}, the tables give {exact / scale}"
    )


# ------------------------------------------------------------------ plan --json


def json_data(planned: Planned) -> dict[str, Any]:
    if planned.data is not None:
        return planned.data  # printed by `gigawatt plan FILE --json`
    from gigawatt.plan import Plan

    return Plan.load(planned.folder).to_json()  # what `--json` prints for that plan


def test_json_summary_matches_the_tables(planned: Planned, oracle: Oracle) -> None:
    data = json_data(planned)
    for key in ("cost_usd", "spend_usd_nominal", "lost_revenue_usd", "penalty_usd"):
        assert approx(data[key], oracle.summary[key]), key
    assert set(data["shortfall_flop"]) == set(oracle.summary["shortfall_flop"])
    for w, flop in oracle.summary["shortfall_flop"].items():
        assert approx(data["shortfall_flop"][w], flop, abs_=1.0), w
    assert approx(data["min_cash_usd"], oracle.summary["min_cash_usd"])
    assert data["first_month_cash_negative"] == oracle.summary["first_month_cash_negative"]
    # objective = discounted spend + lost revenue + penalties (up to the solver's tolerance)
    parts = data["cost_usd"] + data["lost_revenue_usd"] + data["penalty_usd"]
    assert math.isclose(data["objective_usd"], parts, rel_tol=1e-6)


def test_json_allocation_is_the_allocation_table(planned: Planned) -> None:
    data = json_data(planned)
    tables = read(planned.folder)
    got = pd.DataFrame(data["allocation"])
    want = tables["allocation"]
    assert len(got) == len(want)
    # rows in the same order; two offers of one site and accelerator share a key
    key = ["workload", "site", "provider", "accelerator", "month"]
    assert got[key].equals(want[key])
    assert (got["accelerators"] - want["accelerators"]).abs().max() < 1e-6
    # what the workloads use adds up to the capacity table's accelerators in use
    used = want.groupby(["offer", "month"])["accelerators"].sum()
    cap = tables["capacity"].set_index(["offer", "month"])["used"]
    assert ((cap - used.reindex(cap.index, fill_value=0.0)).abs() < 1e-3).all()


def test_json_figures_match_the_oracle(planned: Planned, oracle: Oracle) -> None:
    figures = json_data(planned)["figures"]
    for row in figures["by_year"]:
        want = oracle.year[str(row["year"])]
        for key, exact in want.items():
            assert approx(row[key], exact, rel=1e-9, abs_=1e-6), (row["year"], key)
    assert len(figures["by_provider"]) == len(oracle.provider)
    for row in figures["by_provider"]:
        want = oracle.provider[(str(row["year"]), str(row["provider"]))]
        for key, exact in want.items():
            assert approx(row[key], exact), (row["year"], row["provider"], key)
    for row in figures["by_site"]:
        for key, exact in oracle.site[str(row["site"])].items():
            assert approx(row[key], exact), (row["site"], key)
    totals = figures["totals"]
    assert approx(totals["spend_usd"], oracle.summary["spend_usd_nominal"])
    assert approx(totals["min_cash_usd"], oracle.summary["min_cash_usd"])
    assert totals["min_cash_month"] == oracle.summary["min_cash_month"]


# ------------------------------------------------------------------ printed tables


def test_printed_tables_match_the_oracle(planned: Planned, oracle: Oracle) -> None:
    tables = cli_tables(planned.text)
    head, rows = tables["By provider and year"]
    assert head == ["year", "provider", "in use k (mean)", "GW (peak)", "spend $B", "MW share"]
    assert len(rows) == len(oracle.provider)
    for year, provider, used, gw, spend, share in rows:
        want = oracle.provider[(year, provider)]
        where = f"{planned.name} {year} {provider}"
        check(used, want["accelerators"], 1e3, f"{where} accelerators in use")
        check(gw, want["gw"], 1.0, f"{where} GW")
        check(spend, want["spend_usd"], 1e9, f"{where} spend")
        check(share, want["supply_share"], 1.0, f"{where} share")
    head, rows = tables["Money and shortfall by year (nominal; lost revenue: present value)"]
    assert [r[0] for r in rows] == oracle.years
    for year, spend, revenue, lost, short, cash in rows:
        want = oracle.year[year]
        check(spend, want["spend_usd"], 1e9, f"{year} spend")
        check(revenue, want["revenue_usd"], 1e9, f"{year} revenue")
        check(lost, want["lost_revenue_usd"], 1e9, f"{year} lost revenue")
        check(short, want["shortfall_flop"], 1.0, f"{year} shortfall")
        check(cash, want["cash_usd"], 1e9, f"{year} cash")


UNITS = {
    "GW": 1.0,
    "MW": 1e-3,  # of GW
    "TWh": 1.0,
    "GWh": 1e-3,
    "MWh": 1e-6,  # of TWh
    "MtCO2": 1.0,
    "ktCO2": 1e-3,
    "tCO2": 1e-6,  # of MtCO2
    "EFLOP/s": 1e18,
    "PFLOP/s": 1e15,
    "TFLOP/s": 1e12,  # of FLOP/s
    "M": 1e6,
    "k": 1e3,
    "": 1.0,  # of H100-equivalents
    "$B": 1e9,
    "$M": 1e6,
    "$k": 1e3,  # of USD
}
ANSWER = (
    (r"(GW|MW) installed \(peak\)", "gw"),
    (r"energy (TWh|GWh|MWh)", "energy_twh"),
    (r"emissions (MtCO2|ktCO2|tCO2)", "emissions_mtco2"),
    (r"compute (EFLOP/s|PFLOP/s|TFLOP/s) \(peak\)", "flops"),
    (r"H100-equivalents ?(M|k|)", "h100_equivalents"),
    (r"spend (\$B|\$M|\$k)", "spend_usd"),
    (r"demand served()", "served_share"),
    (r"lowest cash (\$B|\$M|\$k)", "min_cash_usd"),
    (r"funding gap (\$B|\$M|\$k)", "funding_gap_usd"),
)


def check_answer(head: list[str], rows: list[list[str]], oracle: Oracle, where: str) -> None:
    assert head[1:] == oracle.years, where
    labels = [r[0] for r in rows]
    shares = [f"{p} share of MW" for p in oracle.providers]
    n = len(ANSWER) if "min_cash_usd" in oracle.year[oracle.years[0]] else len(ANSWER) - 2
    assert len(labels) == n + len(shares), (where, labels)
    assert labels[n:] == shares, where
    for row, (pattern, key) in zip(rows[:n], ANSWER, strict=False):
        m = re.fullmatch(pattern, row[0])
        assert m, (where, row[0], pattern)
        scale = UNITS[m.group(1)]
        for year, text in zip(oracle.years, row[1:], strict=True):
            check(text, oracle.year[year][key], scale, f"{where} {row[0]} {year}")
    for row in rows[n:]:
        provider = row[0].removesuffix(" share of MW")
        for year, text in zip(oracle.years, row[1:], strict=True):
            exact = oracle.provider[(year, provider)]["supply_share"]
            check(text, exact, 1.0, f"{where} {row[0]} {year}")


def test_printed_answer_matches_the_oracle(planned: Planned, oracle: Oracle) -> None:
    tables = cli_tables(planned.text)
    head, rows = tables["What the lab needs, and who supplies it"]
    check_answer(head, rows, oracle, f"{planned.name} (CLI)")
    assert all(len(line) <= 80 for line in planned.text.splitlines()[2:]), "wider than 80"
    # every site has a grid intensity: energy has emissions every year (issue #14: 0 before)
    for year in oracle.years:
        assert oracle.year[year]["energy_twh"] > 0
        assert oracle.year[year]["emissions_mtco2"] > 0.2 * oracle.year[year]["energy_twh"]
    # the H100-equivalent is peak FLOP/s over one H100's dense peak
    for year in oracle.years:
        assert oracle.year[year]["h100_equivalents"] * H100 == pytest.approx(
            oracle.year[year]["flops"]
        )


# ------------------------------------------------------------------ report.html


def test_report_tables_match_the_oracle(planned: Planned, oracle: Oracle) -> None:
    page = (planned.folder / "report.html").read_text(encoding="utf-8")
    tables = html_tables(page)
    assert page.index('id="table-answer"') < page.index("id='summary'"), "answer heads the page"
    head, rows = tables["answer"]
    check_answer(head, rows, oracle, f"{planned.name} (report)")
    head, rows = tables["by_year_provider"]
    p_scale = 1.0 if "GW" in head[3] else 1e-3
    m_scale = {"$B": 1e9, "$M": 1e6, "$k": 1e3}[head[4].split()[-1]]
    for year, provider, used, gw, spend, share in rows:
        want = oracle.provider[(year, provider)]
        check(used, want["accelerators"], 1e3, f"{year} {provider} in use")
        check(gw, want["gw"], p_scale, f"{year} {provider} GW")
        check(spend, want["spend_usd"], m_scale, f"{year} {provider} spend")
        check(share, want["supply_share"], 0.01, f"{year} {provider} share")
    head, rows = tables["money_by_year"]
    m_scale = {"$B": 1e9, "$M": 1e6, "$k": 1e3}[head[1].split()[-1]]
    for year, spend, revenue, lost, short, cash in rows:
        want = oracle.year[year]
        check(spend, want["spend_usd"], m_scale, f"{year} spend")
        check(revenue, want["revenue_usd"], m_scale, f"{year} revenue")
        check(lost, want["lost_revenue_usd"], m_scale, f"{year} lost revenue")
        check(short, want["shortfall_flop"], 1.0, f"{year} unserved FLOP")
        check(cash, want["cash_usd"], m_scale, f"{year} cash")
    head, rows = tables["sites"]
    for site, _provider, cap, peak, energy, co2 in rows:
        want = oracle.site[site]
        if cap != "no cap":
            check(cap, want["cap_mw"], 1.0, f"{site} cap")
        check(peak, want["installed_mw"], 1.0, f"{site} installed")
        check(energy, want["energy_twh"], 1.0, f"{site} energy")
        check(co2, want["emissions_mtco2"], 1.0, f"{site} CO2")


def _unit(title: str) -> float:
    for unit, scale in (("GW", 1e3), ("MW", 1.0), ("$B", 1e9), ("$M", 1e6), ("$k", 1e3)):
        if unit in title:
            return scale
    return 1.0


def test_report_charts_match_the_oracle(planned: Planned, oracle: Oracle) -> None:
    figures = html_figures((planned.folder / "report.html").read_text(encoding="utf-8"))
    capacity = figures["capacity"]
    months = sorted({m for m, _ in oracle.monthly_used})
    scale = _unit(axis_title(capacity, "y2"))
    for provider, trace in traces(capacity, "y").items():
        assert list(trace["x"]) == months
        want = [oracle.monthly_used[(m, provider)] for m in months]
        assert trace["y"] == pytest.approx(want, rel=1e-9, abs=1e-6), provider
    for provider, trace in traces(capacity, "y2").items():
        want = [oracle.monthly_mw[(m, provider)] / scale for m in months]
        assert trace["y"] == pytest.approx(want, rel=1e-9, abs=1e-9), provider
    spend = figures["spend"]
    scale = _unit(axis_title(spend, "y"))
    for provider, trace in traces(spend, "y").items():
        want = [oracle.provider[(y, provider)]["spend_usd"] / scale for y in trace["x"]]
        assert trace["y"] == pytest.approx(want, rel=1e-9, abs=1e-9), provider
    by_kind = traces(spend, "y2")
    total = [sum(t["y"][i] for t in by_kind.values()) for i in range(len(oracle.years))]
    want = [oracle.year[y]["spend_usd"] / scale for y in oracle.years]
    assert total == pytest.approx(want, rel=1e-9), "spend by kind adds up to the year's spend"
    cash = traces(figures["cash"], "y")["cash"]
    fin = read(planned.folder)["finance"]
    scale = _unit(axis_title(figures["cash"], "y"))
    assert cash["y"] == pytest.approx(list(fin["cash_usd"] / scale), rel=1e-9)


def test_report_headline_quotes_the_last_full_year(planned: Planned, oracle: Oracle) -> None:
    page = (planned.folder / "report.html").read_text(encoding="utf-8")
    months = sorted(set(read(planned.folder)["capacity"]["month"]))
    year = [m for m in months if m.endswith("-12")][-1][:4]
    m = re.search(r"By (\d{4}) the plan needs ([\d.,]+) (GW|MW) installed at its peak", page)
    assert m, "no headline"
    assert m.group(1) == year, (months[-1], m.group(0))
    check(m.group(2), oracle.year[year]["gw"], 1.0 if m.group(3) == "GW" else 1e-3, "headline")
