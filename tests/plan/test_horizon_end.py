"""The end of the horizon: the tail (``horizon.tail_months``) and commitments beyond it.

Hand-worked scenarios (one accelerator ``X``: peak 1e15 FLOP/s, utilization 0.5, so a
demand of 5e17 FLOP/s needs exactly 1000 accelerators). Horizon 2025-02..2025-03
(672 + 744 hours), tail 2025-04..2025-05 (720 + 744 hours). A reserved offer at $1/h for
a 3-month term competes with on-demand at $2/h.

Then the built-ins (slow): no capacity committed past the horizon jumps in near its end,
and the "committed beyond the horizon" figures equal a plain recomputation from the
plan's capacity table and the scenario's raw data.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from gigawatt.errors import ScenarioError
from gigawatt.plan import Plan, SolveOptions, plan
from gigawatt.scenario import load_scenario, parse_scenario
from gigawatt.scenario.schema import Scenario

REL = 1e-6
FEB, MAR, APR, MAY = 672, 744, 720, 744


def tiny(demand: str, tail: int, extra: str = "") -> str:
    return f"""
name: tail
horizon: {{start: 2025-02, months: 2, tail_months: {tail}}}
accelerators:
  X: {{peak_flops: 1.0e15, facility_watts: 1000}}
providers:
  p: {{kind: cloud}}
sites:
  s:
    provider: p
    offers:
      - {{accelerator: X, pricing: reserved, usd_per_hour: 1, term_months: 3, available: 10000}}
      - {{accelerator: X, pricing: on_demand, usd_per_hour: 2, available: 10000}}
workloads:
  - {{name: api, kind: inference, demand_flops: {demand}, utilization: 0.5}}
penalties: {{shortfall_usd_per_flop: 1.0e-12}}
{extra}"""


def solve(text: str) -> Plan:
    return plan(parse_scenario(text), SolveOptions(duals=False))


# demand of 1000 accelerators in March only (the schedule says 0 from April)
MARCH_ONLY = "{2025-03: 5.0e17, 2025-04: 0}"
# demand of 1000 accelerators from March on, holding after the horizon
FROM_MARCH = "{2025-03: 5.0e17}"


def test_cut_at_the_horizon_a_reservation_is_a_one_month_rental() -> None:
    # tail 0 (the design's semantics): a 3-month term taken in March is charged for March
    # only, 1000 x 744 h x $1 = $744,000, cheaper than on-demand ($1,488,000). It runs two
    # months past the horizon: 2000 accelerator-months, 1000 x (720 + 744) h x $1.
    p = solve(tiny(MARCH_ONLY, 0))
    assert p.cost_usd == pytest.approx(1000 * MAR * 1.0, rel=REL)
    assert p.objective_usd == pytest.approx(p.summary["model_objective_usd"], rel=REL)
    assert p.summary["committed_beyond_horizon_usd"] == pytest.approx(1000 * (APR + MAY), rel=REL)
    assert p.summary["committed_beyond_horizon_accelerator_months"] == pytest.approx(2000, rel=REL)
    [row] = p.summary["committed_beyond_horizon"]
    assert (row["offer"], row["provider"], row["accelerator"]) == ("s/0", "p", "X")
    assert row["accelerator_months"] == pytest.approx(2000, rel=REL)
    table = p.tables["beyond_horizon"]
    assert table[["month", "months_beyond"]].values.tolist() == [["2025-03", 2]]


def test_the_report_shows_what_is_committed_beyond_the_horizon(tmp_path: Path) -> None:
    from gigawatt.report import write_report

    p = solve(tiny(MARCH_ONLY, 0))
    p.save(tmp_path)
    write_report(tmp_path)
    page = (tmp_path / "report.html").read_text()
    section = page[page.index('id="table-beyond-horizon"') :]
    section = section[: section.index("</section>")]
    assert "Committed beyond the horizon" in section
    # s/0: 2000 accelerator-months = 2 k, $1,464,000 = 1.46 $M; and the total row
    assert section.count('<td class="num">1.46</td>') == 2
    assert section.count('<td class="num">2</td>') == 2
    assert "<td>s/0</td><td>p</td><td>X</td><td>reserved</td>" in section
    assert "terms are cut at 2025-03" in section


def test_with_a_tail_the_reservation_pays_its_whole_term() -> None:
    # tail 2: the same reservation costs 1000 x (744 + 720 + 744) h x $1 = $2,208,000 for
    # one month of use; on-demand costs 1000 x 744 h x $2 = $1,488,000 and commits nothing.
    p = solve(tiny(MARCH_ONLY, 2))
    assert p.cost_usd == pytest.approx(1000 * MAR * 2.0, rel=REL)
    assert p.objective_usd == pytest.approx(1000 * MAR * 2.0, rel=REL)
    assert p.summary["committed_beyond_horizon_usd"] == 0.0
    assert p.summary["committed_beyond_horizon"] == []
    cap = p.tables["capacity"]
    assert sorted(cap["month"].unique()) == ["2025-02", "2025-03"]  # the tail is not reported
    on_demand = cap[(cap["offer"] == "s/1") & (cap["month"] == "2025-03")]["used"]
    assert float(on_demand.iloc[0]) == pytest.approx(1000, rel=REL)
    assert p.summary["horizon"] == {"start": "2025-02", "end": "2025-03", "tail_months": 2}


def test_with_a_tail_and_lasting_demand_the_reservation_is_taken() -> None:
    # demand holds after the horizon: reserving in March serves March, April and May at
    # $1/h. Reported (the horizon): $744,000; committed beyond it: $1,464,000 and 2000
    # accelerator-months; the solver's objective counts both: $2,208,000.
    p = solve(tiny(FROM_MARCH, 2))
    assert p.cost_usd == pytest.approx(1000 * MAR, rel=REL)
    assert p.summary["committed_beyond_horizon_usd"] == pytest.approx(1000 * (APR + MAY), rel=REL)
    assert p.summary["committed_beyond_horizon_accelerator_months"] == pytest.approx(2000, rel=REL)
    assert p.summary["model_objective_usd"] == pytest.approx(1000 * (MAR + APR + MAY), rel=REL)


def test_a_min_spend_running_past_the_horizon_binds_in_the_tail_as_written() -> None:
    # $4M over 2025-02..2025-05 (4 months): the horizon's share is 2/4 = $2M (as without
    # a tail), the tail's 2/4 = $2M. The horizon spends $744,000 (March reserved), so its
    # shortfall is $1,256,000 and its cost exactly $2M; the tail spends 1000 x (720 + 744)
    # = $1,464,000 of its $2M. The solver's objective is $4M.
    clause = (
        "contracts:\n  - name: c\n    counterparty: p\n    clauses:\n"
        "      - {type: min_spend, usd: 4.0e6, from: 2025-02, until: 2025-05}\n"
    )
    p = solve(tiny(FROM_MARCH, 2, clause))
    assert p.cost_usd == pytest.approx(2.0e6, rel=REL)
    assert p.summary["model_objective_usd"] == pytest.approx(4.0e6, rel=REL)
    short = p.tables["spend"].query("kind == 'min_spend_shortfall'")
    assert short["month"].tolist() == ["2025-03"]
    # without a tail the horizon's share is the same $2M
    cut = solve(tiny(FROM_MARCH, 0, clause))
    assert cut.cost_usd == pytest.approx(2.0e6, rel=REL)


def test_tail_months_is_validated() -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(tiny(FROM_MARCH, -1))
    assert "horizon.tail_months" in str(err.value)


# ---- the built-ins ---------------------------------------------------------------------


@functools.cache
def _builtin(name: str) -> tuple[Scenario, Plan]:
    scenario = load_scenario(name)
    return scenario, plan(scenario, SolveOptions(duals=False))


def _raw_offers(raw: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for site, body in raw["sites"].items():
        for i, o in enumerate(body["offers"]):
            rows.append(
                {
                    "offer": f"{site}/{i}",
                    "pricing": o["pricing"],
                    "term": o.get("term_months") or o.get("lifetime_months") or 0,
                    "usd_per_hour": o.get("usd_per_hour", 0.0),
                    "capex_per_month": o["capex_usd"] / o["lifetime_months"]
                    if o["pricing"] == "build"
                    else 0.0,
                    "peak_flops": raw["accelerators"][o["accelerator"]]["peak_flops"],
                }
            )
    return pd.DataFrame(rows).set_index("offer")


def _demand_peak_flops(scenario: Scenario, p: Plan) -> pd.Series:
    """Demand per month in peak FLOP/s: inference demand / utilization, plus each training
    run's FLOP spread evenly over its window's seconds / mfu (from the raw data)."""
    raw = scenario.raw
    short = p.tables["shortfall"]
    util = {w["name"]: w.get("utilization", 0.35) for w in raw["workloads"]}
    inf = short[short["kind"] == "inference"]
    out = (inf["demand"] / inf["workload"].map(util)).groupby(inf["month"]).sum()
    months = pd.PeriodIndex(out.index, freq="M")
    seconds = pd.Series(months.days_in_month * 86400.0, index=out.index)
    for w in raw["workloads"]:
        if w["kind"] != "training":
            continue
        first, last = w["window"]
        inside = (out.index >= first) & (out.index <= last)
        rate = w["flop"] / seconds[inside].sum() / w.get("mfu", 0.4)
        out[inside] += rate
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", ["frontier-lab-2025", "frontier-lab-2025-10"])
def test_builtins_add_no_capacity_committed_past_the_horizon_faster_than_demand(
    name: str,
) -> None:
    """Criterion, over the last 12 months of the horizon: the capacity (peak FLOP/s) added
    by offers that start a term or a build running past the horizon is at most the growth
    of demand in peak FLOP/s over those months, within 1e-6 relative; and each such
    capacity is in use the month it is added (none is bought idle for after the horizon).
    Renewals (installed flat) add nothing; capacity whose term ends inside the horizon is
    outside this criterion.

    The window, not each month: the world model's supply is lumpy (a chip programme's
    tranche arrives in one month) and a training run's FLOP may be done early in its
    window, so a month's addition can exceed that month's growth of the evenly spread
    demand while the year's does not (frontier-lab-2025: 6.2e21 FLOP/s of a programme's
    builds in 2030-01, all in use, against ~3e22 of growth over 2030).
    """
    scenario, p = _builtin(name)
    assert p.summary["horizon"]["tail_months"] >= 12  # set in the built-in
    offers = _raw_offers(scenario.raw)
    cap = p.tables["capacity"]
    months = sorted(cap["month"].unique())
    n = len(months)
    demand = _demand_peak_flops(scenario, p)
    installed = cap.pivot_table(index="offer", columns="month", values="installed")
    used = cap.pivot_table(index="offer", columns="month", values="used")
    new = cap.pivot_table(index="offer", columns="month", values="new")
    added = 0.0
    for t in range(n - 12, n):
        m, prev = months[t], months[t - 1]
        for offer in installed.index:
            term = int(offers.loc[offer, "term"])
            runs_past = term > 0 and t + term > n and float(new.loc[offer, m]) > 1.0
            rise = float(installed.loc[offer, m] - installed.loc[offer, prev])
            if runs_past and rise > 0:
                added += rise * float(offers.loc[offer, "peak_flops"])
                idle = float(installed.loc[offer, m] - used.loc[offer, m])
                assert idle <= 1e-6 * float(installed.loc[offer, m]) + 1.0, (m, offer, idle)
    growth = max(0.0, float(demand[months[-1]] - demand[months[n - 13]]))
    assert added <= growth * (1 + 1e-6) + 1e15, (added, growth)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["frontier-lab-2025", "frontier-lab-2025-10"])
def test_builtins_commitments_beyond_the_horizon_equal_a_plain_recomputation(name: str) -> None:
    scenario, p = _builtin(name)
    offers = _raw_offers(scenario.raw)
    cap = p.tables["capacity"]
    months = sorted(cap["month"].unique())
    n = len(months)
    after = pd.period_range(pd.Period(months[-1], freq="M") + 1, periods=120, freq="M")
    hours_after = (after.days_in_month * 24.0).to_numpy()
    rows = []
    for r in cap[cap["new"] > 1e-3].itertuples():
        o = offers.loc[r.offer]
        t = months.index(r.month)
        beyond = t + int(o["term"]) - n
        if o["pricing"] not in ("reserved", "build") or beyond <= 0:
            continue
        usd = (
            r.new * o["usd_per_hour"] * hours_after[:beyond].sum()
            if o["pricing"] == "reserved"
            else r.new * o["capex_per_month"] * beyond
        )
        rows.append({"offer": r.offer, "provider": r.provider, "am": r.new * beyond, "usd": usd})
    expected = pd.DataFrame(rows)
    assert len(expected) > 0  # both built-ins build campuses that outlive 2030
    s = p.summary
    assert s["committed_beyond_horizon_usd"] == pytest.approx(expected["usd"].sum(), rel=1e-9)
    assert s["committed_beyond_horizon_accelerator_months"] == pytest.approx(
        expected["am"].sum(), rel=1e-9
    )
    by_offer = expected.groupby("offer")[["am", "usd"]].sum()
    got = pd.DataFrame(s["committed_beyond_horizon"]).set_index("offer")
    assert sorted(got.index) == sorted(by_offer.index)
    for offer, row in by_offer.iterrows():
        assert got.loc[offer, "accelerator_months"] == pytest.approx(row["am"], rel=1e-9)
        assert got.loc[offer, "usd"] == pytest.approx(row["usd"], rel=1e-9)


def test_plan_prints_what_is_committed_beyond_the_horizon(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from gigawatt.cli import _register, app

    _register()
    path = tmp_path / "tail.yaml"
    path.write_text(tiny(MARCH_ONLY, 0))
    out = CliRunner().invoke(app, ["plan", str(path)], terminal_width=200).output
    # 1000 x (720 + 744) h x $1 = $1,464,000; 2000 accelerator-months; one reservation
    line = "committed beyond the horizon (2025-03): $1.5M, 2.0k accelerator-months, 1 commitment"
    assert line in " ".join(out.split()), out  # however the terminal wraps it
    path.write_text(tiny(MARCH_ONLY, 2))
    out = CliRunner().invoke(app, ["plan", str(path)], terminal_width=200).output
    assert "committed beyond the horizon (2025-03): nothing" in " ".join(out.split()), out
