"""The forecast's cash is the cash basis (issue #20): builds and prepaid terms paid ahead.

Hand-worked, no revenue, $10M of cash at the start, 2025-01..04, 1,000 accelerators of
demand (5e17 FLOP/s at utilization 0.5 on 1e15 FLOP/s peak) except where stated.
"""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.forecast import run_forecast
from gigawatt.scenario import parse_scenario


def lab(offer: str, provider: str, demand: str) -> str:
    return f"""
name: paid-ahead
horizon: {{start: 2025-01, months: 4}}
accelerators: {{X: {{peak_flops: 1.0e15, facility_watts: 1000}}}}
providers: {{p: {{kind: {provider}}}}}
sites:
  s: {{provider: p, electricity_usd_per_mwh: 0, offers: [{offer}]}}
workloads: [{{name: api, kind: inference, demand_flops: {demand}, utilization: 0.5}}]
finance: {{cash_usd: 1.0e7}}
"""


def test_a_build_is_paid_when_delivered() -> None:
    # Use 1,000, 1,000, 500, 1,000 of a build ($3,000, 3-month life): 1,000 delivered in
    # January serve January..March, 1,000 more in April. Paid $3M in January and in
    # April; the merit order charges $1,000 a month per accelerator used (spend).
    text = lab(
        "{accelerator: X, pricing: build, capex_usd: 3000, opex_usd_per_hour: 0,"
        " lifetime_months: 3, available: 1000}",
        "owned",
        "{2025-01: 5.0e17, 2025-03: 2.5e17, 2025-04: 5.0e17}",
    )
    result = run_forecast(parse_scenario(text), samples=4, seed=1)
    spend = result.band("spend_usd")["p50"].to_numpy()
    assert spend == pytest.approx([1.0e6, 1.0e6, 0.5e6, 1.0e6], rel=1e-12)
    cash = result.band("cash_usd")["p50"].to_numpy()
    assert cash == pytest.approx([7.0e6, 7.0e6, 7.0e6, 4.0e6], rel=1e-12)


def test_a_build_deposit_is_paid_lead_months_before() -> None:
    # The same build with a 25% deposit one month before delivery; no demand in January
    # (the offer opens after its lead month), 1,000 from February: delivered in
    # February (deposit $750k in January, $2.25M on delivery).
    text = lab(
        "{accelerator: X, pricing: build, capex_usd: 3000, opex_usd_per_hour: 0,"
        " lifetime_months: 3, available: 1000, lead_months: 1, deposit_share: 0.25}",
        "owned",
        "{2025-01: 0, 2025-02: 5.0e17}",
    )
    result = run_forecast(parse_scenario(text), samples=4, seed=1)
    cash = result.band("cash_usd")["p50"].to_numpy()
    assert cash == pytest.approx([9.25e6, 7.0e6, 7.0e6, 7.0e6], rel=1e-12)


def test_a_prepaid_term_is_paid_when_it_starts() -> None:
    # Demand January..March on a 2-month prepaid reservation at $1 an hour: terms start
    # in January (Jan + Feb: 744 + 672 hours) and March (Mar + Apr: 744 + 720 hours).
    text = lab(
        "{accelerator: X, pricing: reserved, usd_per_hour: 1, term_months: 2,"
        " payment: prepaid, available: 1000}",
        "cloud",
        "{2025-01: 5.0e17, 2025-04: 0}",
    )
    result = run_forecast(parse_scenario(text), samples=4, seed=1)
    spend = result.band("spend_usd")["p50"].to_numpy()
    assert spend == pytest.approx([744e3, 672e3, 744e3, 0.0], abs=1e-6)
    paid = np.array([1000 * (744 + 672), 0.0, 1000 * (744 + 720), 0.0])
    cash = result.band("cash_usd")["p50"].to_numpy()
    assert cash == pytest.approx(1.0e7 - np.cumsum(paid), rel=1e-12)
