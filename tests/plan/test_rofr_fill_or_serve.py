"""The fill-or-serve rows of the right of first refusal (``rofr_serve[k]``, issue #18).

The row says: in a month, the counterparty's offers are full, or they serve the covered
inference workloads' demand (:func:`gigawatt.plan.model._add_rofr_fill_or_serve`). It is
valid for every plan, so it must never change the optimum; it only lifts the LP
relaxation. Checked three ways:

* a hand-worked case, where the row lifts the relaxation exactly to the optimum;
* on the default scenario, plans of the plain formulation (every ROFR inequality
  removed) for several patterns of "the counterparty is full" satisfy every row;
* the optimum with and without the rows on the default scenario's first two years.
"""

from __future__ import annotations

import copy
from typing import Any

import highspy
import numpy as np
import pytest
from linopy.io import to_highspy

from gigawatt.plan.inputs import MUSD
from gigawatt.plan.model import PlanModel, remove_rofr_tightening
from gigawatt.plan.planner import build
from gigawatt.plan.solve import SolveOptions, solve_model
from gigawatt.scenario import load_scenario, parse_scenario, scenario_from_data
from gigawatt.scenario.schema import Scenario

pytestmark = pytest.mark.slow

OPTIONS = SolveOptions(duals=False, mip_gap=1e-9, threads=1)
FEB = 672  # hours in February 2025

# One accelerator X (5e14 FLOP/s per accelerator at utilization 0.5): azure sells 600 at
# 2 USD/h, oci 10,000 at 1 USD/h; "chat" needs 500 accelerators (2.5e17 FLOP/s) and is
# covered by azure's right of first refusal. Lost revenue (1e9 USD) exceeds any plan.
HAND = """\
name: fill-or-serve
horizon: {start: 2025-02, months: 1}
discount_rate: 0
accelerators:
  X: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  azure: {kind: cloud}
  oci: {kind: cloud}
sites:
  az: {provider: azure, offers: [{accelerator: X, pricing: on_demand, usd_per_hour: 2,
       available: 600}]}
  oc: {provider: oci, offers: [{accelerator: X, pricing: on_demand, usd_per_hour: 1,
       available: 10000}]}
workloads:
  - {name: chat, kind: inference, demand_flops: 2.5e17, utilization: 0.5,
     revenue_usd_per_month: 1.0e9}
contracts:
  - {name: ms, counterparty: azure, clauses: [{type: right_of_first_refusal}]}
"""


def _lp_relaxation_usd(pm: PlanModel) -> float:
    """The optimum of the model's LP relaxation (every binary in [0, 1]), USD."""
    m = pm.model
    m.constraints.sanitize_zeros()
    h = to_highspy(m)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    lp = h.getLp()
    for i, kind in enumerate(lp.integrality_):
        if kind == highspy.HighsVarType.kInteger:
            h.changeColIntegrality(i, highspy.HighsVarType.kContinuous)
    highspy.Highs.resetGlobalScheduler(True)  # sized by whatever ran before in this process
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value) * MUSD


def test_hand_worked_relaxation_is_lifted_to_the_optimum() -> None:
    # Optimum: oci only once azure's 600 are taken: 600 x 2 = 1,200 USD/h > 500 x 2 on
    # azure alone = 1,000 USD/h, so 500 on azure: 1,000 x 672 = 672,000.
    # Plain relaxation, z in [0, 1]: azure a >= 600 z, oci o <= 500 z (its limit or
    # what chat can use), a + o >= 500. For z <= 5/11, a = 500 - 500 z and o = 500 z
    # cost 1,000 - 500 z; for z >= 5/11, a = 600 z, o = 500 - 600 z cost 500 + 600 z:
    # the least at z = 5/11, 8,500 / 11 USD/h, x 672 = 519,272.73.
    # With the row (alpha = 5e14 FLOP/s per accelerator): alpha a + u >= alpha 600 z +
    # alpha 500 (1 - z), so a >= 500 + 100 z, and the least is z = 0: 672,000.
    scenario = parse_scenario(HAND)
    tight = build(scenario)
    assert "rofr_serve[0]" in tight.model.constraints
    plain = build(scenario)
    assert "rofr_serve[0]" in remove_rofr_tightening(plain)
    assert _lp_relaxation_usd(plain) == pytest.approx(8_500 / 11 * FEB, rel=1e-9)
    assert _lp_relaxation_usd(tight) == pytest.approx(1_000 * FEB, rel=1e-9)
    for pm in (build(scenario), plain):
        assert solve_model(pm, OPTIONS).objective_musd * MUSD == pytest.approx(
            1_000 * FEB, rel=1e-9
        )


@pytest.mark.parametrize(
    ("demand_flops", "revenue", "optimum_usd_per_hour"),
    [
        # 3,000 needed: fill azure (600 x 2) and 2,400 on oci (x 1) = 3,600 USD/h
        ("1.5e18", "1.0e9", 3_600),
        # 500 needed, lost revenue 1e5 USD < any plan's cost (500 x 1 x 672 = 336,000
        # on oci even without the clause): nothing served, the row holds through u
        ("2.5e17", "1.0e5", 1.0e5 / FEB),
    ],
)
def test_hand_worked_cases_where_the_row_must_not_cut(
    demand_flops: str, revenue: str, optimum_usd_per_hour: float
) -> None:
    text = HAND.replace("2.5e17", demand_flops).replace("1.0e9", revenue)
    scenario = parse_scenario(text)
    plain = build(scenario)
    remove_rofr_tightening(plain)
    for pm in (build(scenario), plain):
        got = solve_model(pm, OPTIONS).objective_musd * MUSD
        assert got == pytest.approx(optimum_usd_per_hour * FEB, rel=1e-9)


def _row_slack(pm: PlanModel, name: str, values: np.ndarray) -> np.ndarray:
    """Slack of every row of constraint ``name`` at a plan (values by variable label)."""
    con = pm.model.constraints[name]
    labels = np.asarray(con.labels.values)
    vars_ = np.asarray(con.vars.values)
    coeffs = np.asarray(con.coeffs.values)
    x = np.where(vars_ >= 0, values[np.clip(vars_, 0, None)], 0.0)
    lhs = (np.where(vars_ >= 0, coeffs, 0.0) * x).sum(axis=-1)
    rhs = np.asarray(con.rhs.values)
    sign = str(con.sign.values.flat[0])
    assert sign == ">="
    return np.asarray((lhs - rhs)[labels >= 0])


def test_plans_of_the_plain_formulation_satisfy_the_rows_on_the_default() -> None:
    scenario = load_scenario("frontier-lab-2025")
    tight = build(scenario)
    serve = [n for n in tight.model.constraints if n.startswith("rofr_serve[")]
    assert serve
    n_checked = 0
    rng = np.random.default_rng(18)
    for pattern in ("zeros", "ones", "random", "random"):
        plain = build(scenario)
        remove_rofr_tightening(plain)
        m = plain.model
        for name in plain.rofr_names:
            z = m.variables[name]
            present = np.asarray(z.labels.values) >= 0
            if pattern == "zeros":
                value = np.zeros(present.shape)
            elif pattern == "ones":
                value = np.ones(present.shape)
            else:
                value = rng.integers(0, 2, present.shape).astype(float)
            fixed = z.labels.copy(data=value)
            z.update(lower=fixed, upper=fixed)
        outcome = solve_model(plain, SolveOptions(duals=False, threads=1, mip_gap=1e-3))
        assert outcome.status == "optimal"
        values = np.zeros(m._xCounter)
        for name in m.variables:
            labels = np.asarray(m.variables[name].labels.values)
            keep = labels >= 0
            values[labels[keep]] = np.asarray(outcome.primal[name])[keep]
        for name in serve:
            # the same inputs give the same variable labels in both models
            slack = _row_slack(tight, name, values)
            assert slack.min() >= -1e-6 * max(1.0, float(np.abs(slack).max()))
            n_checked += slack.size
    assert n_checked > 0


def _default_first_months(n: int) -> Scenario:
    """The default scenario on its first ``n`` months, no tail, runs that end inside them."""
    raw = copy.deepcopy(load_scenario("frontier-lab-2025").raw)
    raw["horizon"] = {**raw["horizon"], "months": n, "tail_months": 0}

    def inside(w: dict[str, Any]) -> bool:
        year, month = (int(p) for p in str(w.get("window", ["", "2025-01"])[1]).split("-"))
        return (year - 2025) * 12 + month - 1 < n

    raw["workloads"] = [w for w in raw["workloads"] if inside(w)]
    return scenario_from_data(raw, f"frontier-lab-2025, first {n} months")


def test_optimum_unchanged_on_the_default_first_two_years() -> None:
    # The plain formulation of the whole default takes minutes (benchmarks/bench_rofr.py
    # compares the two there); its first 24 months have 55 binaries and the same mix.
    scenario = _default_first_months(24)
    tight = build(scenario)
    plain = build(scenario)
    removed = remove_rofr_tightening(plain)
    assert any(r.startswith("rofr_serve[") for r in removed)
    a = solve_model(tight, OPTIONS).objective_musd
    b = solve_model(plain, OPTIONS).objective_musd
    assert a == pytest.approx(b, rel=2e-6)
