"""Property tests of the planner on small random scenarios (see ``strategies.py``).

1. Every plan respects the rules, judged by an independent reading of the scenario data
   (not ``gigawatt.scenario.rules`` nor ``gigawatt.scenario.supply``): pins and
   exclusivity, offer availability, site power caps, single-site training, allowed
   accelerators, activity windows, and right of first refusal (docs/decisions.md:
   a covered workload may use another provider in a month only when every counterparty
   offer usable by it is used up to min(available, power cap / (W x PUE / 1e6))).
   Also: reserved terms and build lifetimes (installed = what started in the last L
   months), min-spend shortfall = max(0, prorated commitment - spend with the
   counterparty in the window), objective = cost + lost revenue + penalties.
   These checks run on every plan solved in this file, not only in the first test.
2. More capacity never raises the optimum (x2 on one offer's `available`, or an extra
   on-demand offer) -- for offers of providers that hold no right of first refusal.
   Under right of first refusal, more counterparty capacity raises the bar for "fully
   taken" and can legitimately make the plan dearer, so those offers are excluded.
3. Dropping a restrictive clause (pin, exclusive, right_of_first_refusal, min_spend)
   never raises the optimum: the model only loses constraints.
4. A larger revenue share never raises the optimum: it lowers the lost net revenue of
   every unserved unit and changes nothing else in the model.

Tolerances: quantities within 1e-6 relative + 1e-3 accelerators absolute (1e-6
k-accelerators, the model's unit); power within 1e-6 relative + 1e-5 MW; objectives
within 1e-6 relative + 1 USD. The comparisons solve with ``mip_gap=1e-9`` so that the
MIP gap (HiGHS default 1e-4) cannot mask or fake a violation.

Each solve costs ~0.3-1 s (mostly linopy model building), so example counts are small
(71 solves): the file runs in about 30 s on one idle core. Set
``GIGAWATT_PROPERTY_SCALE`` (a factor on the example counts) for a longer hunt.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from strategies import (
    RESTRICTIVE,
    Data,
    available,
    clause_active,
    clause_covers,
    clauses,
    clone,
    month_index,
    month_label,
    mw_per_accelerator,
    n_months,
    offer_keys,
    offer_of,
    pin_allows,
    power_cap,
    scaled,
    scenario_data,
    workload,
    workload_accelerators,
    workload_active,
)

from gigawatt.plan import Plan, SolveOptions, plan
from gigawatt.scenario import scenario_from_data

pytestmark = pytest.mark.slow

OPTIONS = SolveOptions(duals=False, mip_gap=1e-9)
# Multiply the example counts for a longer bug hunt: GIGAWATT_PROPERTY_SCALE=20 pytest ...
SCALE = float(os.environ.get("GIGAWATT_PROPERTY_SCALE", "1"))


def examples(n: int) -> int:
    return max(1, round(n * SCALE))


SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def acc_tol(x: float) -> float:
    """Tolerance on a number of accelerators: 1e-6 relative + 1e-6 k-accelerators."""
    return 1e-3 + 1e-6 * abs(x)


def mw_tol(x: float) -> float:
    return 1e-5 + 1e-6 * abs(x)


def obj_tol(a: float, b: float) -> float:
    return 1.0 + 1e-6 * max(abs(a), abs(b))


def dump(data: Data) -> str:
    return json.dumps(data, sort_keys=True)


def solve(data: Data) -> Plan:
    note(f"scenario: {dump(data)}")
    return plan(scenario_from_data(data), OPTIONS)


def solve_and_check(data: Data) -> Plan:
    p = solve(data)
    check_plan(data, p)
    return p


# ------------------------------------------------------------------ property 1


def check_plan(data: Data, p: Plan) -> None:
    """Every rule of docs/decisions.md the plan tables can show, read independently."""
    assert p.status == "optimal", p.status
    n_t = n_months(data)
    labels = [month_label(t) for t in range(n_t)]
    t_of = {label: t for t, label in enumerate(labels)}
    alloc: pd.DataFrame = p.tables["allocation"]
    cap: pd.DataFrame = p.tables["capacity"]
    power: pd.DataFrame = p.tables["power"]

    # allocation rows: accelerator, activity, pins/exclusivity, offer identity
    for row in alloc.itertuples(index=False):
        w = workload(data, row.workload)
        t = t_of[row.month]
        offer = offer_of(data, row.offer)
        where = f"{row.workload} on {row.offer} ({row.provider}) in {row.month}"
        assert row.provider == data["sites"][row.site]["provider"], where
        assert row.accelerator == offer["accelerator"], where
        assert row.accelerators > 0, where
        assert row.accelerator in workload_accelerators(data, w), (
            f"{where}: accelerator {row.accelerator} not allowed"
        )
        assert workload_active(w, t), f"{where}: workload not active"
        assert pin_allows(data, w, row.provider, t), f"{where}: a pin/exclusive forbids it"
        if any(
            clause_covers(c, w) and clause_active(c, t)
            for *_, c in clauses(data, "pin", "exclusive")
        ):
            event("allocation under an active pin/exclusive")

    # capacity per offer-month: used <= installed <= available
    used_by: dict[tuple[str, str], float] = {}
    inst_by: dict[tuple[str, str], float] = {}
    alloc_sum = alloc.groupby(["offer", "month"])["accelerators"].sum().to_dict()
    assert set(cap["offer"]) == set(offer_keys(data))
    for row in cap.itertuples(index=False):
        t = t_of[row.month]
        avail = available(data, row.offer, t)
        where = f"offer {row.offer} in {row.month}"
        assert math.isclose(row.available, avail, rel_tol=1e-9, abs_tol=1e-9), (
            f"{where}: available {row.available} != {avail}"
        )
        assert row.used >= -acc_tol(0), where
        assert row.used <= row.installed + acc_tol(row.installed), (
            f"{where}: used {row.used} > installed {row.installed}"
        )
        assert row.installed <= avail + acc_tol(avail), (
            f"{where}: installed {row.installed} > available {avail}"
        )
        alloc_used = alloc_sum.get((row.offer, row.month), 0.0)
        assert math.isclose(row.used, alloc_used, rel_tol=1e-6, abs_tol=1e-3), where
        used_by[(row.offer, row.month)] = row.used
        inst_by[(row.offer, row.month)] = row.installed

    # site power: installed MW within the cap
    for row in power.itertuples(index=False):
        t = t_of[row.month]
        own = power_cap(data, row.site, t)
        where = f"site {row.site} in {row.month}"
        if own is None:
            assert math.isnan(row.cap_mw), where
        else:
            assert math.isclose(row.cap_mw, own, rel_tol=1e-9, abs_tol=1e-9), where
            assert row.installed_mw <= own + mw_tol(own), (
                f"{where}: installed {row.installed_mw} MW > cap {own} MW"
            )
            if own > 0 and row.installed_mw >= own - mw_tol(own):
                event("power cap binds")
        mw = sum(
            inst_by[(k, row.month)]
            * mw_per_accelerator(data, row.site, offer_of(data, k)["accelerator"])
            for k in offer_keys(data)
            if k.rsplit("/", 1)[0] == row.site
        )
        assert math.isclose(row.installed_mw, mw, rel_tol=1e-6, abs_tol=1e-5), where

    # reserved terms and build lifetimes: installed = what started in the last L months
    new_by = {(r.offer, r.month): r.new for r in cap.itertuples(index=False)}
    for k in offer_keys(data):
        offer = offer_of(data, k)
        if offer["pricing"] == "on_demand":
            continue
        term = offer["term_months"] if offer["pricing"] == "reserved" else offer["lifetime_months"]
        for t, label in enumerate(labels):
            held = sum(new_by[(k, labels[j])] for j in range(max(0, t - term + 1), t + 1))
            assert math.isclose(inst_by[(k, label)], held, rel_tol=1e-6, abs_tol=1e-3), (
                f"offer {k} in {label}: installed {inst_by[(k, label)]} != started within "
                f"the last {term} months {held}"
            )

    # min spend (take-or-pay): the shortfall paid is what the window's spend with the
    # counterparty (rent, capex, opex) leaves of the commitment, prorated to the horizon
    spend: pd.DataFrame = p.tables["spend"]
    for contract, index, cp, clause in clauses(data, "min_spend"):
        first = month_index(clause["from"]) if "from" in clause else 0
        last = month_index(clause["until"]) if "until" in clause else n_t - 1
        inside = [t for t in range(n_t) if first <= t <= last]
        amount = clause["usd"] * len(inside) / (last - first + 1)
        paid = spend[
            (spend["provider"] == cp)
            & spend["kind"].isin(["rent", "capex", "opex"])
            & spend["month"].isin([labels[t] for t in inside])
        ]["usd"].sum()
        short = spend[
            (spend["kind"] == "min_spend_shortfall") & (spend["offer"] == f"{contract}[{index}]")
        ]
        assert len(short) <= 1
        shortfall = float(short["usd"].sum())
        assert math.isclose(
            shortfall, max(0.0, amount - paid), rel_tol=1e-6, abs_tol=1e-6 * amount + 1.0
        ), f"{contract}[{index}] min_spend {amount}: spent {paid}, shortfall paid {shortfall}"

    # the objective is the sum of its parts
    parts = p.cost_usd + p.summary["lost_revenue_usd"] + p.summary["penalty_usd"]
    assert math.isclose(p.objective_usd, parts, rel_tol=1e-6, abs_tol=1.0), (
        f"objective {p.objective_usd} != cost + lost revenue + penalties {parts}"
    )

    # single-site training runs
    for w in data["workloads"]:
        if w["kind"] == "training" and w.get("single_site", True):
            sites = set(alloc.loc[alloc["workload"] == w["name"], "site"])
            assert len(sites) <= 1, f"single-site run {w['name']} uses {sorted(sites)}"
            if len(sites) == 1:
                event("single-site run placed")

    # right of first refusal
    for contract, index, cp, clause in clauses(data, "right_of_first_refusal"):
        for t, label in enumerate(labels):
            if not clause_active(clause, t):
                continue
            others = sum(
                available(data, k, t)
                for k in offer_keys(data)
                if data["sites"][k.rsplit("/", 1)[0]]["provider"] != cp
            )
            for w in data["workloads"]:
                if not clause_covers(clause, w):
                    continue
                rows = alloc[
                    (alloc["workload"] == w["name"])
                    & (alloc["month"] == label)
                    & (alloc["provider"] != cp)
                ]
                outside = float(rows["accelerators"].sum())
                if outside <= acc_tol(others):
                    continue
                event("right of first refusal: covered workload goes elsewhere")
                for k in offer_keys(data):
                    site = k.rsplit("/", 1)[0]
                    acc = offer_of(data, k)["accelerator"]
                    if data["sites"][site]["provider"] != cp:
                        continue
                    if acc not in workload_accelerators(data, w):
                        continue
                    limit = available(data, k, t)
                    pcap = power_cap(data, site, t)
                    if pcap is not None:
                        limit = min(limit, pcap / mw_per_accelerator(data, site, acc))
                    used = used_by[(k, label)]
                    assert used >= limit - acc_tol(limit), (
                        f"{contract}[{index}] right_of_first_refusal in {label}: "
                        f"{w['name']} uses {outside:.6g} accelerators outside {cp} while "
                        f"counterparty offer {k} is used {used:.6g} < limit {limit:.6g}"
                    )


# Right of first refusal is the subtlest rule: draw it three times as often here.
RULE_HEAVY = (*RESTRICTIVE, "right_of_first_refusal", "right_of_first_refusal", "revenue_share")


@settings(max_examples=examples(15), **SETTINGS)
@given(scenario_data(clause_types=RULE_HEAVY, min_clauses=1))
def test_plan_respects_rules(data: Data) -> None:
    solve_and_check(data)


# ------------------------------------------------------------------ property 2


def _rofr_counterparties(data: Data) -> set[str]:
    return {cp for _, _, cp, _ in clauses(data, "right_of_first_refusal")}


@st.composite
def more_capacity(draw: st.DrawFn) -> tuple[Data, Data, str]:
    """A scenario and a copy with more capacity outside any ROFR counterparty."""
    data = draw(scenario_data())
    changed = clone(data)
    excluded = _rofr_counterparties(data)
    eligible = [
        k
        for k in offer_keys(data)
        if data["sites"][k.rsplit("/", 1)[0]]["provider"] not in excluded
    ]
    sites = [s for s, site in data["sites"].items() if site["provider"] not in excluded]
    action = draw(st.sampled_from(["scale", "add_offer", "add_site"]))
    if action == "scale" and eligible:
        key = draw(st.sampled_from(eligible))
        offer = offer_of(changed, key)
        offer["available"] = scaled(offer["available"], 2.0)
        return data, changed, f"available x2 on {key}"
    offer = {
        "accelerator": draw(st.sampled_from(sorted(data["accelerators"]))),
        "pricing": "on_demand",
        "usd_per_hour": draw(st.sampled_from([0.5, 2.0, 6.0])),
        "available": draw(st.sampled_from([1_000.0, 10_000.0, 30_000.0])),
    }
    if action == "add_offer" and sites:
        site = draw(st.sampled_from(sites))
        changed["sites"][site]["offers"].append(offer)
        return data, changed, f"extra on-demand offer at {site}"
    providers = [p for p in data["providers"] if p not in excluded] + ["pnew"]
    provider = draw(st.sampled_from(providers))
    if provider == "pnew":
        changed["providers"]["pnew"] = {"kind": draw(st.sampled_from(["cloud", "neocloud"]))}
    new_site: dict[str, Any] = {"provider": provider, "offers": [offer]}
    if draw(st.booleans()):
        new_site["power_mw"] = draw(st.sampled_from([5.0, 50.0]))
    changed["sites"]["snew"] = new_site
    return data, changed, f"extra on-demand offer at a new site of {provider}"


@settings(max_examples=examples(10), **SETTINGS)
@given(more_capacity())
def test_more_capacity_never_raises_objective(case: tuple[Data, Data, str]) -> None:
    data, changed, what = case
    note(what)
    before = solve_and_check(data)
    after = solve_and_check(changed)
    assert after.objective_usd <= before.objective_usd + obj_tol(
        before.objective_usd, after.objective_usd
    ), f"{what}: objective rose from {before.objective_usd} to {after.objective_usd}"


# ------------------------------------------------------------------ property 3


@st.composite
def clause_dropped(draw: st.DrawFn) -> tuple[Data, Data, str]:
    """A scenario with a restrictive clause and a copy without it."""
    data = draw(scenario_data(min_clauses=1))
    found = clauses(data, *RESTRICTIVE)
    assume(found)
    contract, index, _, clause = draw(st.sampled_from(found))
    changed = clone(data)
    for c in changed["contracts"]:
        if c["name"] == contract:
            del c["clauses"][index]
    changed["contracts"] = [c for c in changed["contracts"] if c["clauses"]]
    if not changed["contracts"]:
        del changed["contracts"]
    return data, changed, f"dropped {contract}[{index}] {clause['type']}"


@settings(max_examples=examples(10), **SETTINGS)
@given(clause_dropped())
def test_dropping_restrictive_clause_never_raises_objective(
    case: tuple[Data, Data, str],
) -> None:
    data, changed, what = case
    note(what)
    before = solve_and_check(data)
    after = solve_and_check(changed)
    assert after.objective_usd <= before.objective_usd + obj_tol(
        before.objective_usd, after.objective_usd
    ), f"{what}: objective rose from {before.objective_usd} to {after.objective_usd}"


# ------------------------------------------------------------------ property 4


@st.composite
def revenue_share_pair(draw: st.DrawFn) -> tuple[Data, Data, str]:
    """The same scenario with an extra revenue-share clause at a lower and higher percent."""
    data = draw(scenario_data())
    earning = [
        w for w in data["workloads"] if w["kind"] == "inference" and "revenue_usd_per_month" in w
    ]
    if not earning or draw(st.booleans()):
        target: dict[str, Any] = {
            "name": "wrev",
            "kind": "inference",
            "tags": ["shared"],
            "demand_flops": draw(st.sampled_from([1.0e18, 3.0e18, 1.0e19])),
            "revenue_usd_per_month": draw(st.sampled_from([1.0e6, 1.0e7, 3.0e7, 1.0e8])),
        }
        data["workloads"].append(target)
    else:
        target = draw(st.sampled_from(earning))
    clause: dict[str, Any] = {"type": "revenue_share"}
    tags = target.get("tags", [])
    if tags and draw(st.booleans()):
        clause["tags"] = [draw(st.sampled_from(tags))]
    if draw(st.booleans()):
        clause["from"] = month_label(draw(st.integers(0, n_months(data) - 1)))
    low, high = sorted(
        draw(
            st.lists(
                st.sampled_from([0.0, 10.0, 30.0, 60.0, 90.0, 100.0]),
                min_size=2,
                max_size=2,
                unique=True,
            )
        )
    )
    cp = draw(st.sampled_from(sorted(data["providers"])))
    pair = []
    for percent in (low, high):
        d = clone(data)
        d.setdefault("contracts", []).append(
            {"name": "rs-extra", "counterparty": cp, "clauses": [dict(clause, percent=percent)]}
        )
        pair.append(d)
    return pair[0], pair[1], f"revenue share on {target['name']}: {low}% -> {high}%"


@settings(max_examples=examples(8), **SETTINGS)
@given(revenue_share_pair())
def test_higher_revenue_share_never_raises_objective(case: tuple[Data, Data, str]) -> None:
    low, high, what = case
    note(what)
    before = solve_and_check(low)
    after = solve_and_check(high)
    assert after.objective_usd <= before.objective_usd + obj_tol(
        before.objective_usd, after.objective_usd
    ), f"{what}: objective rose from {before.objective_usd} to {after.objective_usd}"
