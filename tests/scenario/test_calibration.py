"""Calibration on outcomes: the default scenario's PLAN against the public record.

The scenario is solved once per test session (real HiGHS); every anchor of
:data:`gigawatt.report.fidelity.ANCHORS` marked ``tested`` must hold, and
``docs/fidelity.md`` must be the page generated from this very plan.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.plan import plan
from gigawatt.plan.results import Plan
from gigawatt.report.fidelity import (
    ANCHORS,
    accelerators_online,
    accrual_loss_usd,
    cash_burn_usd,
    installed_gw,
    render_page,
    revenue_usd,
    suppliers,
)
from gigawatt.scenario import load_scenario

PAGE = Path(__file__).resolve().parents[2] / "docs" / "fidelity.md"


@pytest.fixture(scope="session")
def default_plan() -> Plan:
    return plan(load_scenario("frontier-lab-2025"))


def test_installed_power_end_2025(default_plan: Plan) -> None:
    """~1.9 GW operating at end-2025 (Friar, 2026-01-18, facts.md B.3), +/-15%."""
    assert 1.9 * 0.85 <= installed_gw(default_plan, "2025-12") <= 1.9 * 1.15


def test_accelerators_end_2025(default_plan: Plan) -> None:
    """'Well over 1M' accelerators (2025-07): at least 0.9M installed in 2025-12."""
    assert accelerators_online(default_plan, "2025-12") >= 0.9e6


def test_revenue_2025(default_plan: Plan) -> None:
    """$13.07B of 2025 revenue (facts.md C), +/-10%, as earned in the plan."""
    assert 13.07e9 * 0.9 <= revenue_usd(default_plan, 2025) <= 13.07e9 * 1.1


def test_cash_burn_2025_29(default_plan: Plan) -> None:
    """Cumulative burn 2025-29 as charged (accrual: capex straight-line, as the partners
    who finance the campuses bill it) between the reported forecasts: ~$115B (The
    Information, 2025-09) and $226B (its Q1-2026 vintage), facts.md C; it and the cash
    burn (compute as paid) equal independent sums of the finance table's flows."""
    usd = accrual_loss_usd(default_plan, 2025, 2029)
    assert 115e9 <= usd <= 226e9
    fin = default_plan.tables["finance"]
    fin = fin[fin["month"].between("2025-01", "2029-12")]
    rest = fin["min_spend_shortfall_usd"] + fin["revenue_share_usd"] + fin["other_opex_usd"]
    charged = fin["compute_spend_usd"] + rest - fin["revenue_usd"]
    assert usd == pytest.approx(float(charged.sum()), rel=1e-9)
    paid = fin["compute_paid_usd"] + rest - fin["revenue_usd"]
    cash = cash_burn_usd(default_plan, 2025, 2029)
    assert cash == pytest.approx(float(paid.sum()), rel=1e-9)


def test_suppliers_2025(default_plan: Plan) -> None:
    """Oracle (Abilene) and CoreWeave supplied the lab in 2025 (facts.md B.1, B.2)."""
    names = suppliers(default_plan, 2025)
    assert {"azure", "oci", "coreweave"} <= set(names)


def test_installed_power_is_the_sum_of_accelerators_times_facility_watts(
    default_plan: Plan,
) -> None:
    """An independent count: installed accelerators x IT watts x pue (the convention)."""
    scenario = load_scenario("frontier-lab-2025")
    cap = default_plan.tables["capacity"]
    dec = cap[cap["month"] == "2025-12"]
    mw = sum(
        row.installed
        * scenario.accelerators[row.accelerator].it_power_w
        * scenario.sites[row.site].pue
        / 1e6
        for row in dec.itertuples()
    )
    assert installed_gw(default_plan, "2025-12") == pytest.approx(mw / 1e3)


@pytest.mark.parametrize("anchor", [a for a in ANCHORS if a.tested], ids=lambda a: a.metric)
def test_tested_anchors_hold(default_plan: Plan, anchor: object) -> None:
    _, ok = anchor.check(default_plan)  # type: ignore[attr-defined]
    assert ok


def test_fidelity_page_is_up_to_date(default_plan: Plan) -> None:
    """docs/fidelity.md is generated from this plan (python -m gigawatt.report.fidelity)."""
    assert PAGE.read_text(encoding="utf-8") == render_page(default_plan)


def test_products_come_before_research(default_plan: Plan) -> None:
    """Products the lab sells are served first (issue 16): in no month does research hold an
    accelerator that a product left short could have used. Research's value per FLOP
    (its own shortfall_usd_per_flop) stays below each product's net revenue per FLOP, so
    the planner moves any such accelerator to the product; the check is on the plan."""
    from gigawatt.plan.inputs import PlanInputs

    scenario = load_scenario("frontier-lab-2025")
    inputs = PlanInputs.from_scenario(scenario)
    offer_index = {ref.key: k for k, ref in enumerate(inputs.refs)}
    month_index = {m: t for t, m in enumerate(inputs.months)}
    products = [
        w.name for w in scenario.workloads if getattr(w, "revenue_usd_per_month", None) is not None
    ]
    short = default_plan.tables["shortfall"]
    short = short[short["workload"].isin(products) & (short["served_fraction"] < 1 - 1e-6)]
    alloc = default_plan.tables["allocation"]
    research = alloc[(alloc["workload"] == "research") & (alloc["accelerators"] > 1.0)]
    held = research.groupby("month")["offer"].apply(set).to_dict()
    for row in short.itertuples():
        for offer in held.get(row.month, set()):
            w = inputs.workloads.index(row.workload)
            assert not inputs.allowed[w, offer_index[offer], month_index[row.month]], (
                row.workload,
                row.month,
                offer,
            )
    assert len(research) > 0  # research is served in some months
