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
    # chips are the only limit: they bind exactly in the short samples
    assert out.years["p_binds_chips"].iloc[0] == pytest.approx(expected)
    assert out.years["p_binds_power"].iloc[0] == 0.0


def test_the_forecast_s_seed_conventions() -> None:
    # the forecast's sampler: the first n samples of a longer run are a shorter run's, and
    # a market path draws what a scenario path with the same distribution draws
    from gigawatt.forecast.sampling import parse_uncertainty
    from gigawatt.scenario import parse_scenario

    path = "families.chip.shipments.values.2025"
    dist = "{uniform: {low: 5.0e7, high: 1.5e8}}"
    market = _market(f"uncertainty:\n  {path}: {dist}\n")
    short, long = sample_market(market, 2, seed=7), sample_market(market, 4, seed=7)
    assert np.array_equal(short.draws[path], long.draws[path].iloc[:2])
    from test_labbid import _scenario

    text = _scenario() + f"finance: {{cash_usd: 1.0e8}}\nuncertainty:\n  finance.cash_usd: {dist}\n"
    scenario = parse_scenario(text)
    forecast_draws = parse_uncertainty(scenario).draw(0, 4, 7)["finance.cash_usd"]
    assert np.array_equal(forecast_draws, long.draws[path].to_numpy())


def test_p_short_of_a_two_year_market_is_known_by_construction() -> None:
    # supply uniform on 50..150 (million, held in 2026; lifetime 1) against 100 demanded in
    # 2025 and 125 in 2026: P(short) is 1/2 and 3/4. The estimate equals the share of draws
    # below demand and lies within 4 binomial sd of the true probability.
    text = (
        one_resource_text(supply=100, demand_a=60, demand_b=40)
        .replace("years: [2025, 2025]", "years: [2025, 2026]")
        .replace("values: {2025: 60000000.0}", "values: {2025: 60000000.0, 2026: 85000000.0}")
    )
    path = "families.chip.shipments.values.2025"
    market = parse_market(
        text + f"uncertainty:\n  {path}: {{uniform: {{low: 5.0e7, high: 1.5e8}}}}\n"
    )
    n = 20
    out = sample_market(market, n, seed=11)
    draws = out.draws[path].to_numpy()
    p = out.years.set_index("year")["p_world_short"]
    for year, demand, truth in ((2025, 1e8, 0.5), (2026, 1.25e8, 0.75)):
        assert p[year] == pytest.approx(float(np.mean(draws < demand * (1 - 1e-4))))
        assert abs(p[year] - truth) <= 4 * np.sqrt(truth * (1 - truth) / n)
    assert out.years.set_index("year")["p_binds_chips"].to_dict() == pytest.approx(p.to_dict())


def test_a_path_that_is_not_a_number_is_located() -> None:
    market = _market("uncertainty:\n  families.chip.shipmens: {uniform: {low: 1, high: 2}}\n")
    with pytest.raises(ScenarioError) as info:
        sample_market(market, 2)
    text = str(info.value.problems[0])
    assert "u.yaml:" in text and "uncertainty.families.chip.shipmens" in text
    assert "is not a number of this market" in text


def test_a_draw_that_breaks_the_market_is_reported() -> None:
    market = _market("uncertainty:\n  families.chip.h100e: {normal: {mean: -5.0, sd: 0.1}}\n")
    # draws are clipped at 0 as the forecast clips them; an h100e of 0 is refused
    with pytest.raises(ScenarioError, match=r"families\.chip\.h100e"):
        sample_market(market, 1)
