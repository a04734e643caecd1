"""P(world short): the market cleared on samples of its uncertain inputs."""

from __future__ import annotations

import numpy as np
import pytest
from market_support import one_resource_text

from gigawatt.errors import ScenarioError
from gigawatt.market import parse_market
from gigawatt.market.uncertainty import sample_market


def _market(uncertainty: str):  # type: ignore[no-untyped-def]
    text = one_resource_text(supply=100, demand_a=60, demand_b=40) + uncertainty
    return parse_market(text, "u.yaml")


def test_p_short_is_the_share_of_draws_below_demand() -> None:
    # supply uniform on 50..150 million against 100 million demanded: short exactly when
    # the draw is below 100 million (the oracle is the draws themselves)
    path = "families.chip.shipments.values.2025"
    market = _market(f"uncertainty:\n  {path}: {{uniform: {{low: 5.0e7, high: 1.5e8}}}}\n")
    out = sample_market(market, 12, seed=3)
    draws = out.draws[path].to_numpy()
    assert draws.min() >= 5e7 and draws.max() <= 1.5e8
    expected = float(np.mean(draws < 1e8 * (1 - 1e-4)))
    assert 0 < expected < 1
    assert out.years["p_world_short"].iloc[0] == pytest.approx(expected)
    # the coverage of each sample is min(1, supply / demand)
    assert np.allclose(out.coverage["2025"], np.minimum(1.0, draws / 1e8), atol=1e-5)
    again = sample_market(market, 12, seed=3)
    assert again.draws.equals(out.draws)


def test_a_path_that_is_not_a_number_is_located() -> None:
    market = _market("uncertainty:\n  families.chip.shipmens: {uniform: {low: 1, high: 2}}\n")
    with pytest.raises(ScenarioError) as info:
        sample_market(market, 2)
    text = str(info.value.problems[0])
    assert "u.yaml:" in text and "uncertainty.families.chip.shipmens" in text
    assert "is not a number of this market" in text


def test_a_draw_that_breaks_the_market_is_reported() -> None:
    market = _market(
        "uncertainty:\n  families.chip.shipments.values.2025: {normal: {mean: -5.0, sd: 0.1}}\n"
    )
    with pytest.raises(ScenarioError, match="must be >= 0"):
        sample_market(market, 1)
