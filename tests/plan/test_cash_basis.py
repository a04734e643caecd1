"""The cash-basis view of a plan's finance table (issue #20, step 1).

Hand-worked cases with one accelerator ``X`` (peak 1e15 FLOP/s, utilization 0.5: a
demand of 5e17 FLOP/s needs exactly 1,000 accelerators) and revenue far above any cost,
so that every plan serves all demand. Months of 2025: Jan 744 h, Feb 672, Mar 744,
Apr 720, May 744, Jun 720.

Then a mixed plan whose cash view is recomputed from its capacity table and the raw
scenario with independent code, and the two views reconciled over a closed horizon.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd
import pytest

from gigawatt.plan import Plan, SolveOptions, plan
from gigawatt.scenario import parse_scenario

REL = 1e-6
FEB, MAR, APR = 672, 744, 720


def tiny(offers: str, demand: str, *, start: str = "2025-01", months: int = 6) -> str:
    return f"""
name: cash
horizon: {{start: {start}, months: {months}}}
accelerators:
  X: {{peak_flops: 1.0e15, facility_watts: 1000}}
providers:
  own: {{kind: owned}}
  cl: {{kind: cloud}}
sites:
  s:
    provider: own
    offers:
{offers}
  c:
    provider: cl
    offers:
      - {{accelerator: X, pricing: reserved, usd_per_hour: 1, term_months: 2,
         payment: prepaid, available: 400}}
workloads:
  - {{name: api, kind: inference, demand_flops: {demand}, utilization: 0.5,
     revenue_usd_per_month: 1.0e8}}
finance: {{cash_usd: 1.0e7}}
"""


BUILD = """\
      - {accelerator: X, pricing: build, capex_usd: 3000, opex_usd_per_hour: 0,
         lifetime_months: 3, lead_months: 1, deposit_share: 0.25, available: 1000}"""


def solve(text: str) -> Plan:
    return plan(parse_scenario(text), SolveOptions(duals=False))


def test_build_capex_is_paid_as_deposit_then_on_delivery() -> None:
    # Demand Feb..Apr; the cloud's 400 prepaid accelerators are removed (available 0)
    # by asking for 1,000 from builds: the cheapest plan builds 1,000 delivered in Feb.
    text = tiny(BUILD, "{2025-02: 5.0e17, 2025-05: 0}").replace("available: 400", "available: 0")
    p = solve(text)
    fin = p.tables["finance"].set_index("month")
    # accrual: 3,000 / 3 x 1,000 = 1,000,000 in each of Feb, Mar, Apr
    assert fin["compute_spend_usd"].tolist() == pytest.approx([0, 1e6, 1e6, 1e6, 0, 0], abs=1)
    # cash: 25% deposit in Jan (one lead month before delivery), 75% on delivery in Feb
    assert fin["compute_paid_usd"].tolist() == pytest.approx(
        [750_000, 2_250_000, 0, 0, 0, 0], abs=1
    )
    assert fin["timing_difference_usd"].tolist() == pytest.approx(
        [750_000, 1_250_000, -1e6, -1e6, 0, 0], abs=1
    )
    assert fin["compute_paid_usd"].sum() == pytest.approx(fin["compute_spend_usd"].sum(), rel=REL)
    # the cash line: 1e7 start, revenue 1e8 a month, compute as paid
    revenue = np.full(6, 1e8)
    expected = 1e7 + np.cumsum(revenue - np.array([750_000, 2_250_000, 0, 0, 0, 0]))
    assert fin["cash_usd"].to_numpy() == pytest.approx(expected, rel=REL)
    assert p.summary["min_cash_usd"] == pytest.approx(expected.min(), rel=REL)
    assert p.summary["min_cash_month"] == "2025-01"


def test_prepaid_reservation_pays_its_whole_term_when_it_starts() -> None:
    # Demand 400 accelerators in Feb and Mar only: one 2-month prepaid reservation in Feb.
    p = solve(tiny(BUILD, "{2025-02: 2.0e17, 2025-04: 0}"))
    fin = p.tables["finance"].set_index("month")
    assert fin.loc["2025-02", "compute_paid_usd"] == pytest.approx(400 * (FEB + MAR), rel=REL)
    assert fin.loc["2025-03", "compute_paid_usd"] == pytest.approx(0, abs=1)
    assert fin.loc["2025-02", "compute_spend_usd"] == pytest.approx(400 * FEB, rel=REL)
    assert fin.loc["2025-03", "compute_spend_usd"] == pytest.approx(400 * MAR, rel=REL)


def test_a_prepaid_term_past_the_horizon_is_paid_inside_it() -> None:
    # Horizon Feb..Mar, demand in Mar: the reservation taken in Mar runs into April. The
    # accrual view charges March alone; cash pays March and April up front.
    text = tiny(BUILD, "{2025-03: 2.0e17}", start="2025-02", months=2)
    p = solve(text)
    fin = p.tables["finance"].set_index("month")
    assert fin.loc["2025-03", "compute_spend_usd"] == pytest.approx(400 * MAR, rel=REL)
    assert fin.loc["2025-03", "compute_paid_usd"] == pytest.approx(400 * (MAR + APR), rel=REL)
    assert fin.loc["2025-03", "timing_difference_usd"] == pytest.approx(400 * APR, rel=REL)


MIXED_BUILDS = """\
      - {accelerator: X, pricing: build, capex_usd: 2000, opex_usd_per_hour: 0.1,
         lifetime_months: 2, lead_months: 1, deposit_share: 0.4, available: 700}
      - {accelerator: X, pricing: build, capex_usd: 2600, opex_usd_per_hour: 0.05,
         lifetime_months: 3, lead_months: 2, available: 500}
      - {accelerator: X, pricing: on_demand, usd_per_hour: 4, available: 2000}"""


def _hours(month: str) -> float:
    y, m = (int(v) for v in month.split("-"))
    return calendar.monthrange(y, m)[1] * 24.0


def _independent_paid(p: Plan, raw: dict) -> pd.Series:
    """Compute paid per month from the capacity table and the raw scenario, plainly."""
    cap = p.tables["capacity"]
    months = sorted(set(cap["month"]))
    paid = dict.fromkeys(months, 0.0)
    offers = {
        f"{site}/{i}": o for site, s in raw["sites"].items() for i, o in enumerate(s["offers"])
    }
    for row in cap.itertuples():
        o = offers[row.offer]
        h = _hours(row.month)
        if o["pricing"] == "on_demand":
            paid[row.month] += row.installed * o["usd_per_hour"] * h
        elif o["pricing"] == "reserved":
            if o.get("payment", "monthly") == "monthly":
                paid[row.month] += row.installed * o["usd_per_hour"] * h
            else:
                i = months.index(row.month)
                y, m = (int(v) for v in row.month.split("-"))
                term_hours = 0.0
                for k in range(o["term_months"]):
                    yy, mm = y + (m - 1 + k) // 12, (m - 1 + k) % 12 + 1
                    term_hours += calendar.monthrange(yy, mm)[1] * 24.0
                paid[months[i]] += row.new * o["usd_per_hour"] * term_hours
        else:
            paid[row.month] += row.installed * o["opex_usd_per_hour"] * h
            share = o.get("deposit_share", 0.0)
            i = months.index(row.month)
            paid[row.month] += row.new * o["capex_usd"] * (1 - share)
            if row.new > 0:
                paid[months[i - o.get("lead_months", 0)]] += row.new * o["capex_usd"] * share
    return pd.Series(paid)


def test_cash_view_recomputed_from_the_raw_tables_and_reconciled() -> None:
    # Demand rises then falls to zero two months before the horizon ends: every term and
    # lifetime chosen ends inside it (a closed horizon), so both views total the same.
    demand = "{2025-01: 1.0e17, 2025-02: 4.0e17, 2025-03: 6.0e17, 2025-04: 3.0e17, 2025-05: 0}"
    text = tiny(MIXED_BUILDS, demand, months=7)
    scenario = parse_scenario(text)
    p = plan(scenario, SolveOptions(duals=False))
    fin = p.tables["finance"].set_index("month")
    expected = _independent_paid(p, scenario.raw)
    assert fin["compute_paid_usd"].to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-3)
    assert fin["compute_paid_usd"].sum() == pytest.approx(fin["compute_spend_usd"].sum(), rel=REL)
    assert fin["compute_paid_usd"].sum() > 0
    # the accrual view (profit and loss, compute as charged) and the cash reconcile over
    # the closed horizon: start + profit + funding = cash at the end
    charged = fin["compute_spend_usd"] + fin["min_spend_shortfall_usd"] + fin["other_opex_usd"]
    profit = fin["revenue_usd"] - fin["revenue_share_usd"] - charged
    assert fin["profit_usd"].to_numpy() == pytest.approx(profit.to_numpy(), abs=1e-6)
    assert scenario.finance is not None
    accrual_end = scenario.finance.cash_usd + float((profit + fin["funding_usd"]).sum())
    assert fin["cash_usd"].iloc[-1] == pytest.approx(accrual_end, rel=REL)
    # month by month they differ by the timing difference alone
    gap = (fin["profit_usd"] + fin["funding_usd"] - fin["net_cash_usd"]).to_numpy()
    assert gap == pytest.approx(fin["timing_difference_usd"].to_numpy(), abs=1e-6)
    # the difference is named and is exactly paid minus charged, month by month
    diff = fin["compute_paid_usd"] - fin["compute_spend_usd"]
    assert fin["timing_difference_usd"].to_numpy() == pytest.approx(diff.to_numpy(), abs=1e-6)
