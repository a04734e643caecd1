"""The right of first refusal as solved (with its valid inequalities) has the plain optimum.

The planner adds families of inequalities to the big-M formulation of the right of
first refusal (``docs/decisions.md``, "Right of first refusal, how it is solved"):
dominance between groups, one bound on an outside offer shared by groups, the bounds of
single-site runs and the fill-or-serve rows (issue #18). They must
never change the optimum. Each example builds the model twice, as the planner builds it
and with those rows removed (:func:`gigawatt.plan.model.remove_rofr_tightening`), and
solves both to a MIP gap of 1e-9: the optima agree within 1e-6 relative + 1 USD.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from strategies import (
    ACCELERATORS,
    Data,
    _offer,
    _workload,
    month_label,
    n_months,
    scenario_data,
)
from test_warm_clauses import SCENARIO

from gigawatt.plan.inputs import MUSD
from gigawatt.plan.model import remove_rofr_tightening
from gigawatt.plan.planner import build
from gigawatt.plan.solve import SolveOptions, solve_model
from gigawatt.scenario import parse_scenario, scenario_from_data
from gigawatt.scenario.schema import Scenario

pytestmark = pytest.mark.slow

OPTIONS = SolveOptions(duals=False, mip_gap=1e-9, threads=1)

# Right of first refusal drawn most often, with clauses that interact with it.
CLAUSES = ("right_of_first_refusal", "right_of_first_refusal", "pin", "min_spend")


def _both_optima(scenario: Scenario) -> tuple[float, float, list[str]]:
    """(optimum as built, optimum of the plain formulation, the rows removed), USD."""
    tight = solve_model(build(scenario), OPTIONS)
    plain_pm = build(scenario)
    removed = remove_rofr_tightening(plain_pm)
    plain = solve_model(plain_pm, OPTIONS)
    assert tight.status == plain.status == "optimal"
    return tight.objective_musd * MUSD, plain.objective_musd * MUSD, removed


@st.composite
def nested_groups(draw: st.DrawFn) -> Data:
    """A random scenario whose right of first refusal has groups with nested offer sets.

    Both accelerator types; a counterparty and an outside provider that each offer both;
    two to four workloads restricted to A, to B or to both (groups {A}, {B}, {A, B}), so
    that the dominance and shared-outside-offer rows are built in most examples.
    """
    data = draw(scenario_data(clause_types=("pin", "min_spend"), max_clauses=1))
    n_t = n_months(data)
    data["accelerators"] = {a: dict(ACCELERATORS[a]) for a in ("A", "B")}
    data["providers"]["cp"] = {"kind": "cloud"}
    data["providers"]["out"] = {"kind": draw(st.sampled_from(["cloud", "neocloud"]))}
    for name, provider in (("scp", "cp"), ("sout", "out")):
        offers = [_offer(draw, [a], n_t) for a in ("A", "B")]
        data["sites"][name] = {"provider": provider, "offers": offers}
    workloads = data["workloads"]
    while len(workloads) < draw(st.integers(2, 4)):
        workloads.append(_workload(draw, len(workloads), ["A", "B"], n_t))
    for w in workloads:
        w["accelerators"] = draw(st.sampled_from([["A"], ["B"], ["A", "B"]]))
    rofr: dict[str, object] = {"type": "right_of_first_refusal"}
    data.setdefault("contracts", []).append(
        {"name": "c-rofr", "counterparty": "cp", "clauses": [rofr]}
    )
    return data


@st.composite
def single_site_runs(draw: st.DrawFn) -> Data:
    """A random scenario with single-site training runs covered by a right of first refusal.

    A counterparty with one site and two outside sites (of one provider or two), all
    selling accelerator A (sometimes B too); one or two single-site runs on A, and
    inference on A that competes for the counterparty's capacity, so that the bounds
    tying a run's outside use to the counterparty's fill (``rofr_run``,
    ``rofr_run_fill``) are built in every example.
    """
    data = draw(scenario_data(clause_types=("pin", "min_spend"), max_clauses=1))
    n_t = n_months(data)
    accs = draw(st.sampled_from([["A"], ["A", "B"]]))
    data["accelerators"] = {a: dict(ACCELERATORS[a]) for a in accs}
    data["providers"]["cp"] = {"kind": "cloud"}
    data["providers"]["out"] = {"kind": draw(st.sampled_from(["cloud", "neocloud", "owned"]))}
    data["providers"]["out2"] = {"kind": "neocloud"}
    sites = [("scp", "cp"), ("sout", "out"), ("sout2", draw(st.sampled_from(["out", "out2"])))]
    for name, provider in sites:
        offers = [_offer(draw, ["A"], n_t)]
        if len(accs) > 1 and draw(st.booleans()):
            offers.append(_offer(draw, ["B"], n_t))
        data["sites"][name] = {"provider": provider, "offers": offers}
    for site in data["sites"].values():
        for offer in site["offers"]:
            if offer["accelerator"] not in accs:
                offer["accelerator"] = "A"
    workloads = data["workloads"]
    for w in workloads:
        if "accelerators" in w:
            w["accelerators"] = [a for a in w["accelerators"] if a in accs] or ["A"]
    for _ in range(draw(st.integers(1, 2))):
        run = _workload(draw, len(workloads), ["A"], n_t)
        if run.get("kind") != "training":
            run = {k: v for k, v in run.items() if k in ("name", "tags")}
            run["kind"] = "training"
            run["flop"] = draw(st.sampled_from([1.0e23, 1.0e24, 1.0e25]))
            run["window"] = [month_label(0), month_label(n_t - 1)]
        run["single_site"] = True
        run["accelerators"] = ["A"]
        workloads.append(run)
    rofr: dict[str, object] = {"type": "right_of_first_refusal"}
    data.setdefault("contracts", []).append(
        {"name": "c-rofr", "counterparty": "cp", "clauses": [rofr]}
    )
    return data


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.one_of(
        nested_groups(),
        single_site_runs(),
        scenario_data(clause_types=CLAUSES, min_clauses=1),
    )
)
def test_valid_inequalities_keep_the_optimum(data: Data) -> None:
    note(repr(data))
    tight, plain, removed = _both_optima(scenario_from_data(data))
    event(f"valid inequalities present: {bool(removed)}")
    event(f"single-site run bounds present: {any(r.startswith('rofr_run') for r in removed)}")
    event(f"fill-or-serve rows present: {any(r.startswith('rofr_serve') for r in removed)}")
    assert tight == pytest.approx(plain, abs=1.0 + 1e-6 * max(abs(tight), abs(plain)))


# The three months, Azure and OCI of the warm-start tests (Azure sells H100 and B200, OCI
# both cheaper), with three groups of nested counterparty sets ({H100}, {B200},
# {H100, B200}): dominance rows and a shared-outside-offer row exist, and the right of
# first refusal binds.
NESTED = (
    SCENARIO[: SCENARIO.index("contracts:")]
    .replace("revenue_usd_per_month: 1.0e7}", "revenue_usd_per_month: 1.0e7, accelerators: [H100]}")
    .replace("demand_flops: 6.0e17", "demand_flops: 9.0e17")
) + "contracts: [{name: ms, counterparty: azure, clauses: [{type: right_of_first_refusal}]}]\n"


def test_valid_inequalities_keep_the_optimum_of_nested_groups() -> None:
    scenario = parse_scenario(NESTED)
    tight, plain, removed = _both_optima(scenario)
    assert any(name.startswith("rofr_dominance[") for name in removed)
    assert "rofr_shared" in removed
    assert tight == pytest.approx(plain, abs=1.0 + 1e-6 * abs(plain))
    # The clause binds: without it the plan is cheaper by more than the tolerance.
    raw = dict(scenario.raw)
    raw["contracts"] = []
    free = solve_model(build(scenario_from_data(raw)), OPTIONS).objective_musd * MUSD
    assert free < tight - 1e3
