"""Clause costs by warm start equal the costs of independent re-solves from scratch."""

from __future__ import annotations

import pytest
from warm_support import SCENARIO

from gigawatt.errors import InfeasibleError
from gigawatt.plan import SolveOptions, plan
from gigawatt.plan.clauses import clause_costs
from gigawatt.scenario import load_scenario, parse_scenario

# Three months; Azure (the counterparty) H100 on demand at $2/h, 600 available; OCI at
# $1/h. Two products and a two-GPU-type training run, so that the right of first refusal
# has two groups (two binaries a month) and every kind of clause is present.


def _compare(scenario_text_or_name: str, *, builtin: bool = False) -> list[float]:
    s = load_scenario(scenario_text_or_name) if builtin else parse_scenario(scenario_text_or_name)
    options = SolveOptions(threads=1)
    warm = clause_costs(s, options, method="warm")
    rebuilt = clause_costs(s, options, method="rebuild", processes=1)
    assert [(c.contract, c.clause_index, c.type) for c in warm] == [
        (c.contract, c.clause_index, c.type) for c in rebuilt
    ]
    for w, r in zip(warm, rebuilt, strict=True):
        # Same optimum within the MIP gap (HiGHS default 1e-4, relative).
        scale = max(abs(r.objective_with_usd), abs(r.objective_without_usd), 1.0)
        assert w.objective_with_usd == pytest.approx(r.objective_with_usd, abs=1e-4 * scale)
        assert w.objective_without_usd == pytest.approx(r.objective_without_usd, abs=1e-4 * scale)
        assert w.revenue_share_without_usd == pytest.approx(r.revenue_share_without_usd, rel=1e-9)
        assert w.cost_usd == pytest.approx(r.cost_usd, abs=2e-4 * scale)
        assert w.status == r.status == "optimal"
    return [c.cost_usd for c in rebuilt]


def test_warm_equals_rebuild_on_every_kind_of_clause() -> None:
    costs = _compare(SCENARIO)
    pin, rofr, share, min_spend, exclusive = costs
    # Restrictions cost >= 0; the right of first refusal binds (OCI is half the price
    # and Azure's 600 H100 must be full before OCI is used), the share costs what it takes.
    assert rofr > 1e4
    assert share > 0
    assert min(pin, min_spend, exclusive) >= -1e-6 * 1e7


def test_warm_equals_rebuild_when_the_right_of_first_refusal_does_not_bind() -> None:
    # Azure cheaper than OCI: the clause never binds and costs nothing either way.
    text = SCENARIO.replace("usd_per_hour: 2, available: 600", "usd_per_hour: 0.5, available: 600")
    costs = _compare(text)
    assert costs[1] == pytest.approx(0.0, abs=1.0)


def test_warm_equals_rebuild_on_the_default_scenario() -> None:
    costs = _compare("frontier-lab-2025", builtin=True)
    assert len(costs) == 3


def test_warm_re_runs_after_an_infeasible_plan_reset_the_scheduler() -> None:
    # An IIS resets HiGHS's per-process thread scheduler; a re-run of an existing model
    # with another ``threads`` option then refused to start ("Not Set").
    impossible = SCENARIO.replace("demand_flops: 3.0e17", "demand_flops: 3.0e21")
    with pytest.raises(InfeasibleError):
        plan(parse_scenario(impossible), SolveOptions(allow_shortfall=False))
    costs = clause_costs(parse_scenario(SCENARIO), SolveOptions(threads=1), method="warm")
    assert all(c.status == "optimal" for c in costs)
    assert costs[1].type == "right_of_first_refusal" and costs[1].cost_usd > 1e4


def test_warm_equals_rebuild_with_a_tail_after_the_horizon() -> None:
    # With ``tail_months`` the model solves months past the horizon; a clause cost counts
    # the horizon's objective alone (as the plan reports it), whichever way it is re-solved.
    text = SCENARIO.replace("months: 3}", "months: 3, tail_months: 2}")
    # chat earns too little to be served: its lost revenue, net of the share, is in the
    # objective, so that the share's re-solve must be judged without the share.
    text = text.replace("revenue_usd_per_month: 4.0e6", "revenue_usd_per_month: 1.0e5")
    costs = _compare(text)
    assert costs[2] > 1e4  # the share of the served products' revenue
