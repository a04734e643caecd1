"""The lab's bid from its plan's duals, hand-worked, and the market cleared with it.

One accelerator ``H`` (an H100: 9.89e14 FLOP/s, so one accelerator is one H100e; 1 kW),
one cloud site with on-demand at $2/h, one inference product at utilization 0.5 with a
demand of 1,000 accelerators, 2025 (8,760 hours).

* Ample supply: the lab serves everything at the margin from the $2/h offer, so one more
  H100e-month is worth 2 x the month's hours; the bid is 12 x mean(2 h) = 2 x 8,760 =
  $17,520 per H100e-year. No power row binds: $0 per MW-year.
* Power binds (0.5 MW: 500 accelerators): the lab is short, and one more H100e-month is
  worth its lost revenue, R / 1,000 = $5,000 with R = $5M a month, $60,000 a year. One
  more MW-month runs 1,000 more accelerators: 1,000 x (5,000 - 2 h) USD; a year is
  1,000 x (60,000 - 17,520) = $42.48M per MW-year.

Clearing against a second buyer bidding $20,000 (100M H100e, demands 80M each,
``rule: price``): the $17,520 bid gets the 20M left after the other's 80M; the $60,000
bid gets its 80M and the other the 20M left.
"""

from __future__ import annotations

import pytest
from market_support import one_resource_market

from gigawatt.market import analyze_market
from gigawatt.market.labbid import bids_by_year, lab_bid_from_plan
from gigawatt.plan import Plan, SolveOptions, plan
from gigawatt.scenario import parse_scenario

HOURS_2025 = 8760


def _scenario(power: str = "", discount: float = 0.0) -> str:
    return f"""
name: bid
horizon: {{start: 2025-01, months: 12}}
discount_rate: {discount}
accelerators:
  H: {{peak_flops: 9.89e14, facility_watts: 1000}}
providers:
  p: {{kind: cloud}}
sites:
  s:
    provider: p
    {power}
    offers:
      - {{accelerator: H, pricing: on_demand, usd_per_hour: 2, available: 10000}}
workloads:
  - {{name: api, kind: inference, demand_flops: 4.945e17, utilization: 0.5,
      revenue_usd_per_month: 5.0e6}}
"""


def _plan(text: str) -> Plan:
    return plan(parse_scenario(text), SolveOptions(duals=True))


def test_the_bid_is_the_marginal_offer_when_supply_is_ample() -> None:
    bid = lab_bid_from_plan(_plan(_scenario()))
    [row] = bid.to_dict("records")
    assert row["year"] == 2025 and row["months"] == 12
    assert row["usd_per_h100e_year"] == pytest.approx(2 * HOURS_2025, rel=1e-6)
    assert row["usd_per_mw_year"] == pytest.approx(0.0, abs=1e-6)


def test_the_bid_is_in_the_year_s_own_dollars_whatever_the_discount() -> None:
    bid = lab_bid_from_plan(_plan(_scenario(discount=0.08)))
    assert bid["usd_per_h100e_year"].iloc[0] == pytest.approx(2 * HOURS_2025, rel=1e-6)


def test_the_bid_is_the_lost_revenue_when_power_binds() -> None:
    bid = lab_bid_from_plan(_plan(_scenario(power="power_mw: 0.5")))
    [row] = bid.to_dict("records")
    assert row["usd_per_h100e_year"] == pytest.approx(12 * 5000, rel=1e-6)
    assert row["usd_per_mw_year"] == pytest.approx(1000 * (12 * 5000 - 2 * HOURS_2025), rel=1e-6)


@pytest.mark.parametrize(
    ("power", "lab_served", "other_served"), [("", 20.0, 80.0), ("power_mw: 0.5", 80.0, 20.0)]
)
def test_the_market_clears_with_the_plan_s_bid(
    power: str, lab_served: float, other_served: float
) -> None:
    bid = bids_by_year(lab_bid_from_plan(_plan(_scenario(power=power))))
    market = one_resource_market(
        supply=100, demand_a=80, demand_b=80, bid_a=1, bid_b=20000, rule="price"
    )
    result = analyze_market(market, alone=False, lab_bid=bid)
    labs = result.labs.set_index("lab")
    # the clearing holds each stage to 1e-6 of its optimum: 1e-3 of a million H100e
    assert labs.loc["a", "served_h100e"] / 1e6 == pytest.approx(lab_served, abs=1e-3)
    assert labs.loc["b", "served_h100e"] / 1e6 == pytest.approx(other_served, abs=1e-3)
    assert labs.loc["a", "bid_usd_per_h100e_year"] == pytest.approx(bid[2025])
    # the chip's rent is the marginal (lower) bid
    rent = result.resources.query("resource == 'chips'")["rent_usd"].iloc[0]
    assert rent == pytest.approx(min(bid[2025], 20000), rel=1e-6)


def test_a_plan_without_duals_says_how_to_get_them() -> None:
    from gigawatt.errors import InputError

    no_duals = plan(parse_scenario(_scenario()), SolveOptions(duals=False))
    with pytest.raises(InputError, match=r"solve it with duals \(`gigawatt plan --duals"):
        lab_bid_from_plan(no_duals)
