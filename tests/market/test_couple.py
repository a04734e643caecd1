"""The plan with the market: offers limited to what the market clears for the lab."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.market import analyze_market, load_market
from gigawatt.market.couple import H100_PEAK_FLOPS, limit_scenario
from gigawatt.scenario import load_scenario
from gigawatt.scenario.supply import offer_availability, offers


@pytest.fixture(scope="module")
def limited():  # type: ignore[no-untyped-def]
    scenario = load_scenario()
    market = analyze_market(load_market(), alone=False)
    return scenario, market, limit_scenario(scenario, market)


def _offered(scenario) -> np.ndarray:  # type: ignore[no-untyped-def]
    total = np.zeros(scenario.timeline.n_months)
    for ref in offers(scenario):
        peak = scenario.accelerators[ref.accelerator].peak_flops
        total += offer_availability(scenario, ref) * peak / H100_PEAK_FLOPS
    return total


def test_the_lab_is_offered_no_more_than_the_market_clears(limited) -> None:  # type: ignore[no-untyped-def]
    scenario, market, result = limited
    before, after = _offered(scenario), _offered(result.scenario)
    months = result.months
    served = market.years.set_index("year")["lab_served_h100e"]
    cap = np.array([served[int(m[:4])] for m in months["month"]])
    assert np.allclose(months["market_h100e"], cap)
    assert np.all(after <= np.maximum(cap, before) * (1 + 1e-9))
    assert np.all(after <= np.where(before > cap, cap, before) * (1 + 1e-9) + 1e-6)
    # where the market covers the scenario nothing changes; elsewhere it binds exactly
    loose = before <= cap
    assert np.allclose(after[loose], before[loose])
    assert np.allclose(after[~loose], cap[~loose], rtol=1e-9)
    assert (~loose).any() and loose.any()


def test_every_offer_keeps_its_share(limited) -> None:  # type: ignore[no-untyped-def]
    scenario, _, result = limited
    factor = result.months["factor"].to_numpy()
    for ref in offers(scenario):
        a = offer_availability(scenario, ref)
        b = offer_availability(result.scenario, ref)
        assert np.allclose(b, a * factor)
    assert result.scenario.workloads == scenario.workloads
    assert result.scenario.contracts == scenario.contracts
