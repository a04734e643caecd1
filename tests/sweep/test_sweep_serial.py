"""The sweep without Ray: draws, sampled scenarios, hand-worked plans, failures, save/load.

The tiny scenario (tests/sweep/tiny.yaml): 4 months from 2025-11 (720 + 744 + 744 + 672 =
2880 hours), discount rate 0, accelerators of 5e14 delivered FLOP/s and 1000 W. api
(1e18 FLOP/s = 2000 accelerators) is pinned to Azure; chat needs d / 5e14 accelerators
on the cheaper of Azure (4000 in all, so 2000 left) and OCI (3000), in price order. So
for Azure at a $/h, OCI at o $/h and chat demand d <= 2.5e18, with n = d / 5e14:

    cost = 2880 x (2000 a + chat_on_azure x a + chat_on_oci x o)

where chat goes first to the cheaper provider up to its free capacity. The $1M minimum
spend never binds (api alone spends 2000 x 1.5 x 720 > $2M on Azure each month). Above
2.5e18 chat cannot be served: infeasible with strict demand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sweep_helpers import TINY

from gigawatt.errors import GigawattError
from gigawatt.forecast.sampling import parse_uncertainty
from gigawatt.plan import SolveOptions
from gigawatt.scenario import Scenario, parse_scenario
from gigawatt.sweep import Sweep, draw_samples, run_sweep, sampled_scenario

HOURS = 720 + 744 + 744 + 672
AZ, OC, CHAT = (
    "sites.az.offers[0].usd_per_hour",
    "sites.oc.offers[0].usd_per_hour",
    "workloads.chat.demand_flops",
)
CAPACITY_FLOPS = 2.5e18


def hand_cost(a: float, o: float, d: float) -> tuple[float, float, float]:
    """(cost USD, Azure accelerators, OCI accelerators) of the optimum, worked by hand."""
    n = d / 5e14
    if o <= a:
        on_oc = min(n, 3000.0)
        on_az = n - on_oc
    else:
        on_az = min(n, 2000.0)
        on_oc = n - on_az
    cost = HOURS * (2000 * a + on_az * a + on_oc * o)
    return cost, 2000 + on_az, on_oc


def test_draws_are_the_forecast_draws(tiny: Scenario) -> None:
    specs = draw_samples(tiny, 10, seed=7)
    drawn = parse_uncertainty(tiny).draw(0, 10, 7)
    for name in (AZ, OC, CHAT):
        assert [s.values[name] for s in specs] == list(drawn[name])
    # the first samples of a longer run are those of a shorter one
    assert [s.values for s in draw_samples(tiny, 4, seed=7)] == [s.values for s in specs[:4]]
    assert [s.index for s in specs] == list(range(10))


def test_sampled_scenario_replaces_the_values(tiny: Scenario) -> None:
    spec = draw_samples(tiny, 3, seed=1)[2]
    s = sampled_scenario(tiny, spec)
    assert s.sites["az"].offers[0].usd_per_hour == spec.values[AZ]
    assert s.sites["oc"].offers[0].usd_per_hour == spec.values[OC]
    assert tiny.sites["az"].offers[0].usd_per_hour == 2  # the original is untouched
    assert tiny.raw["sites"]["az"]["offers"][0]["usd_per_hour"] == 2


def test_serial_sweep_matches_hand_worked_optimum(tiny: Scenario) -> None:
    result = run_sweep(tiny, samples=12, seed=3)
    rows = result.samples
    assert len(rows) == 12 and list(rows["sample"]) == list(range(12))
    checked = 0
    gw = result.tables["gw"]
    for r in rows.to_dict("records"):
        assert r["status"] == "optimal", r["message"]
        if r[CHAT] > CAPACITY_FLOPS:
            assert r["shortfall_flop"] > 0  # shortfall allowed: unserved, not infeasible
            continue
        cost, az_acc, oc_acc = hand_cost(r[AZ], r[OC], r[CHAT])
        assert r["cost_usd"] == pytest.approx(cost, rel=1e-6)
        assert r["shortfall_flop"] == pytest.approx(0.0, abs=1e12)
        mine = gw[gw["sample"] == r["sample"]].set_index(["provider", "year"])["gw"]
        for year in ("2025", "2026"):
            assert mine[("azure", year)] == pytest.approx(az_acc * 1000 / 1e9, rel=1e-6)
            assert mine[("oci", year)] == pytest.approx(oc_acc * 1000 / 1e9, rel=1e-6, abs=1e-12)
        checked += 1
    assert checked >= 4  # seed 3: 5 samples within capacity


def test_distributions_are_quantiles_of_the_solved_samples(tiny: Scenario) -> None:
    result = run_sweep(tiny, samples=10, seed=5, options=SolveOptions(allow_shortfall=False))
    solved = result.samples[result.samples["status"] == "optimal"]
    cost = solved["cost_usd"].to_numpy()
    d = result.distribution("cost_usd")
    assert d["n"] == len(solved)
    assert d["p50"] == pytest.approx(float(np.median(cost)), rel=1e-12)
    assert d["p5"] == pytest.approx(float(np.percentile(cost, 5)), rel=1e-12)
    assert d["mean"] == pytest.approx(float(cost.mean()), rel=1e-12)
    gw = result.tables["gw"]
    azure = gw[(gw["provider"] == "azure") & (gw["year"] == "2026")]["gw"].to_numpy()
    assert result.distribution("gw", provider="azure", year="2026")["p95"] == pytest.approx(
        float(np.percentile(azure, 95)), rel=1e-12
    )


def test_infeasible_samples_are_recorded_never_dropped(tiny: Scenario) -> None:
    result = run_sweep(tiny, samples=12, seed=0, options=SolveOptions(allow_shortfall=False))
    rows = result.samples
    too_much = set(rows.loc[rows[CHAT] > CAPACITY_FLOPS * (1 + 1e-9), "sample"])
    assert 0 < len(too_much) < 12  # the seed gives both kinds
    failed = set(rows.loc[rows["status"] == "infeasible", "sample"])
    assert failed == too_much
    assert len(rows) == 12
    s = result.summary
    assert s["failed"] == len(too_much) and s["solved"] == 12 - len(too_much)
    assert s["status_counts"]["infeasible"] == len(too_much)
    assert {f["sample"] for f in s["failed_samples"]} == too_much
    assert all("workload chat inference demand" in f["message"] for f in s["failed_samples"])
    assert all(math.isnan(v) for v in rows.loc[rows["status"] == "infeasible", "cost_usd"])
    assert result.distribution("cost_usd")["n"] == 12 - len(too_much)
    assert list(result.failed["sample"]) == sorted(too_much)


def test_clause_costs_per_sample_match_clause_costs(tiny: Scenario) -> None:
    from gigawatt.plan.clauses import clause_costs

    result = run_sweep(tiny, samples=3, seed=2, clauses=True)
    clauses = result.tables["clause_samples"]
    assert len(clauses) == 3 * 2
    spec = draw_samples(tiny, 3, seed=2)[1]
    direct = clause_costs(sampled_scenario(tiny, spec), SolveOptions(threads=1), processes=1)
    mine = clauses[clauses["sample"] == 1].sort_values("clause_index")
    assert list(mine["cost_usd"]) == pytest.approx([c.cost_usd for c in direct], rel=1e-9, abs=1e-3)
    assert set(result.tables["distributions"]["quantity"]) >= {"clause_cost_usd", "gw", "cost_usd"}


def test_save_and_load_round_trip(tiny: Scenario, tmp_path: object) -> None:
    from pathlib import Path

    result = run_sweep(tiny, samples=4, seed=1, options=SolveOptions(allow_shortfall=False))
    folder = Path(str(tmp_path)) / "sweep"
    result.save(folder)
    again = Sweep.load(folder)
    assert again.summary["kind"] == "sweep"
    assert again.summary["failed_samples"] == result.summary["failed_samples"]
    for name, frame in result.tables.items():
        assert again.tables[name].equals(frame), name


def test_errors_say_what_to_fix(tiny: Scenario, tmp_path: object) -> None:
    with pytest.raises(GigawattError, match="--samples must be at least 1"):
        run_sweep(tiny, samples=0)
    plain = parse_scenario(TINY.read_text().split("uncertainty:")[0], "no-uncertainty.yaml")
    with pytest.raises(GigawattError, match="no uncertainty section"):
        run_sweep(plain, samples=2)
    with pytest.raises(GigawattError, match=r"holds no sweep \(no summary.json\); write one with"):
        Sweep.load(str(tmp_path))
