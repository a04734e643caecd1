"""The planner's and the broker's readings of the contract rules agree.

``gigawatt.scenario.rules.allowed_mask`` (the planner's vectorised answer, [workload,
offer, month]) and ``gigawatt.scenario.rules.may_use`` (the broker's one-at-a-time
answer) must agree wherever accelerator, availability and activity permit the pair;
when ``may_use`` refuses, the clause it names must be a pin or exclusivity that covers
the workload, is active in the month and favours another provider. Both are also
checked against an independent reading of the scenario data (tests/plan/strategies.py).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings

from gigawatt.scenario import scenario_from_data
from gigawatt.scenario.rules import allowed_mask, may_use, revenue_share
from gigawatt.scenario.supply import offer_availability, offers


def _load_strategies():  # type: ignore[no-untyped-def]
    """Import tests/plan/strategies.py (shared with the planner's property tests)."""
    name = "strategies"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "plan" / "strategies.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


S = _load_strategies()

RULES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@RULES
@given(S.scenario_data(max_clauses=5))
def test_allowed_mask_agrees_with_may_use(data: dict) -> None:  # type: ignore[type-arg]
    s = scenario_from_data(data)
    refs = offers(s)
    mask = allowed_mask(s)
    tl = s.timeline
    assert mask.shape == (len(s.workloads), len(refs), tl.n_months)
    assert [r.key for r in refs] == S.offer_keys(data)
    contracts = {c.name: c for c in s.contracts}
    for wi, w in enumerate(s.workloads):
        w_data = data["workloads"][wi]
        assert w_data["name"] == w.name
        accs = S.workload_accelerators(data, w_data)
        for oi, r in enumerate(refs):
            avail = offer_availability(s, r)
            for t, month in enumerate(tl.months):
                permitted = r.accelerator in accs and avail[t] > 0 and S.workload_active(w_data, t)
                where = f"{w.name} on {r.key} ({r.provider}) in {month}"
                ok, clause = may_use(s, list(w.tags), r.provider, month)
                independent = S.pin_allows(data, w_data, r.provider, t)
                assert ok == independent, f"{where}: may_use {ok}, pin reading {independent}"
                if not permitted:
                    assert not mask[wi, oi, t], f"{where}: allowed although not permitted"
                    continue
                assert bool(mask[wi, oi, t]) == ok, (
                    f"{where}: allowed_mask {bool(mask[wi, oi, t])}, may_use {ok} ({clause})"
                )
                if ok:
                    assert clause is None, where
                    continue
                assert clause is not None, where
                assert clause.type in ("pin", "exclusive"), f"{where}: {clause}"
                contract = contracts[clause.contract]
                assert clause.counterparty == contract.counterparty != r.provider, where
                raw = data["contracts"][list(contracts).index(clause.contract)]
                c_data = raw["clauses"][clause.index]
                assert c_data["type"] == clause.type, where
                assert S.clause_covers(c_data, w_data), f"{where}: {clause} does not cover it"
                assert S.clause_active(c_data, t), f"{where}: {clause} not active"


@RULES
@given(S.scenario_data(max_clauses=5))
def test_revenue_share_adds_up_and_caps(data: dict) -> None:  # type: ignore[type-arg]
    s = scenario_from_data(data)
    share = revenue_share(s)
    for wi, w_data in enumerate(data["workloads"]):
        for t in range(S.n_months(data)):
            total = sum(
                c["percent"] / 100.0
                for _, _, _, c in S.clauses(data, "revenue_share")
                if S.clause_covers(c, w_data) and S.clause_active(c, t)
            )
            assert math.isclose(share[wi, t], min(1.0, total), abs_tol=1e-12)
    assert np.all((share >= 0) & (share <= 1))
