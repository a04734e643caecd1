"""Hand-worked clearing: two labs, one resource; priority, price and pro rata.

Quantities are in millions of accelerators (H100e), power in GW: the model's own units.
"""

from __future__ import annotations

import numpy as np
import pytest
from market_support import one_resource_market

from gigawatt.market.clearing import clear
from gigawatt.market.inputs import market_inputs


def _served(market):  # type: ignore[no-untyped-def]
    result = clear(market_inputs(market), market.rule)
    return result, result.served_m[:, 0]


def test_pro_rata_gives_every_lab_the_same_fraction() -> None:
    # 100 chips, demands 150 and 50: both get 100 / 200 = 50% -> 75 and 25
    _, served = _served(one_resource_market(supply=100, demand_a=150, demand_b=50))
    assert served == pytest.approx([75.0, 25.0], abs=1e-3)


def test_price_serves_the_higher_bid_first_and_prices_at_the_lower() -> None:
    # 100 chips, demands 80 and 80, bids $30k and $20k per H100e-year: a gets 80, b the
    # remaining 20; the marginal buyer is b, so a chip's rent is b's bid, $20,000
    market = one_resource_market(
        supply=100, demand_a=80, demand_b=80, bid_a=30000, bid_b=20000, rule="price"
    )
    result, served = _served(market)
    assert served == pytest.approx([80.0, 20.0], abs=1e-3)
    rent = result.rents.loc[result.rents["resource"] == "chips", "rent"].iloc[0]
    assert rent * 1e3 == pytest.approx(20000.0, rel=1e-6)  # $B per million -> USD per chip


def test_price_with_equal_bids_falls_back_to_pro_rata() -> None:
    market = one_resource_market(supply=90, demand_a=120, demand_b=60, rule="price")
    _, served = _served(market)
    assert served == pytest.approx([60.0, 30.0], abs=1e-3)


def test_price_rent_is_zero_when_supply_is_ample() -> None:
    market = one_resource_market(supply=500, demand_a=80, demand_b=80, rule="price")
    result, served = _served(market)
    assert served == pytest.approx([80.0, 80.0], abs=1e-3)
    assert result.rents.loc[result.rents["resource"] == "chips", "rent"].iloc[0] == 0.0


def test_contract_is_served_before_pro_rata() -> None:
    # 100M chips of 1 kW (pue 1): a has 60M contracted (60 kW = 60.0 GW); demands 80 and 80.
    # Contract first: a 60. Then pro rata on the rest: max(60, 80 alpha) + 80 alpha <= 100
    # gives alpha = 0.5: b 40, a keeps 60 (>= 40).
    market = one_resource_market(supply=100, demand_a=80, demand_b=80, contract_a_gw=60.0)
    result, served = _served(market)
    assert served == pytest.approx([60.0, 40.0], abs=1e-3)
    assert result.contract_fill[0] == pytest.approx(1.0)


def test_contract_beats_a_higher_bid() -> None:
    # b bids more, but a's contract of 70 comes first; b gets the other 30
    market = one_resource_market(
        supply=100,
        demand_a=80,
        demand_b=80,
        bid_a=10000,
        bid_b=40000,
        rule="price",
        contract_a_gw=70.0,
    )
    _, served = _served(market)
    assert served == pytest.approx([70.0, 30.0], abs=1e-3)


def test_contract_larger_than_supply_is_filled_as_far_as_it_goes() -> None:
    market = one_resource_market(supply=50, demand_a=80, demand_b=80, contract_a_gw=80.0)
    result, served = _served(market)
    assert served == pytest.approx([50.0, 0.0], abs=1e-3)
    assert result.contract_fill[0] == pytest.approx(50 / 80, abs=1e-6)


def test_power_limits_what_chips_can_serve() -> None:
    # 100 chips but 40 GW of power: 40 run (pro rata 20 and 20); 60 stand idle or unsold
    market = one_resource_market(supply=100, demand_a=80, demand_b=80, power_gw=40.0)
    result, served = _served(market)
    assert served == pytest.approx([20.0, 20.0], abs=1e-3)
    assert result.on_m.sum() == pytest.approx(40.0, abs=1e-3)
    assert np.all(result.on_m.sum(axis=0) <= result.stock_m + 1e-9)
