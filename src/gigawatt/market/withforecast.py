"""``gigawatt forecast --market``: the forecast with the market, against it without.

The market is cleared once on its own numbers and its clearing caps the lab's supply
(:func:`gigawatt.market.couple.limit_scenario`); the forecast runs on that scenario and,
with the same samples and seed, on the scenario as written, and the two are compared
(:func:`gigawatt.market.versus.forecast_versus`). The market's own ``uncertainty:`` is
sampled with the forecast's seed (:func:`gigawatt.market.uncertainty.sample_market`):
P(world supply short of all labs' demand) per year and which limit binds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gigawatt.forecast.montecarlo import run_forecast
from gigawatt.forecast.result import Forecast
from gigawatt.market.answers import analyze_market
from gigawatt.market.couple import MarketLimits, limit_scenario
from gigawatt.market.schema import Market
from gigawatt.market.uncertainty import MarketUncertainty, sample_market
from gigawatt.market.versus import Versus, forecast_versus
from gigawatt.scenario.schema import Scenario

__all__ = ["MarketForecast", "forecast_with_market"]


@dataclass(frozen=True)
class MarketForecast:
    """A forecast with the market and without it.

    Attributes:
        forecast: The forecast with the market's caps.
        without: The same forecast (samples, seed) of the scenario as written.
        limits: The caps, month by month.
        versus: The compared figures.
        world: The market's own uncertainty (None when ``market_samples`` is 0).
    """

    forecast: Forecast
    without: Forecast
    limits: MarketLimits
    versus: Versus
    world: MarketUncertainty | None


def forecast_with_market(
    scenario: Scenario,
    market: Market,
    *,
    market_samples: int,
    seed: int,
    lab_bid: Mapping[int, float] | None = None,
    **forecast_options: Any,
) -> MarketForecast:
    """Forecast the scenario with the market and without it (module docstring).

    Args:
        scenario: The lab's scenario.
        market: The market.
        market_samples: Samples of the market's ``uncertainty:`` (0: none).
        seed: The forecast's seed, also the market samples'.
        lab_bid: The lab's bid by year, in place of the file's.
        **forecast_options: Passed to :func:`gigawatt.forecast.montecarlo.run_forecast`.

    Raises:
        ScenarioError: the market's uncertainty or a draw of it is invalid.
        SolverError: the market did not clear.
    """
    limits = limit_scenario(scenario, analyze_market(market, alone=False, lab_bid=lab_bid))
    with_market = run_forecast(limits.scenario, seed=seed, **forecast_options)
    without = run_forecast(scenario, seed=seed, **forecast_options)
    world = None
    if market_samples > 0:
        world = sample_market(market, market_samples, seed, lab_bid=lab_bid)
    return MarketForecast(
        with_market,
        without,
        limits,
        forecast_versus(without.summary, with_market.summary),
        world,
    )
