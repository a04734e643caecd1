"""The lab's plan with the market: what the market clears for the lab caps its total supply.

The market says how much the world gives the lab each year (its H100e served and the
facility GW it uses, :mod:`gigawatt.market.answers`), not from whom. Coupled, the
scenario gets ``supply_limits``: in every month, the lab's installed H100e across all
offers is at most the H100e the market serves it that year, and its installed facility
MW at most the GW it uses that year x 1,000 (months outside the market's years take its
nearest year). The planner keeps or drops whichever offers it likes under the caps
(:mod:`gigawatt.plan.supplylimits`); the forecast scales every offer alike where the
total is over (:mod:`gigawatt.forecast.supply`). The limits are scenario numbers, so
``plan``, ``forecast`` and ``sweep`` all run "with the market" on the scenario this
returns.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gigawatt.market.result import MarketResult
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.power import H100_PEAK_FLOPS
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.supply import offer_availability, offers

__all__ = ["MarketLimits", "limit_by_market", "limit_scenario", "market_caps"]


@dataclass(frozen=True)
class MarketLimits:
    """A scenario limited by a market, and by how much, month by month.

    Attributes:
        scenario: The scenario with ``supply_limits`` from the market.
        months: One row per month: month, offered_h100e (what the scenario's offers add
            up to), market_h100e and market_mw (the caps).
    """

    scenario: Scenario
    months: pd.DataFrame


def market_caps(scenario: Scenario, market: MarketResult) -> pd.DataFrame:
    """The lab's caps of each month of the scenario: month, market_h100e, market_mw."""
    tl = scenario.timeline
    years = market.years["year"].to_numpy(dtype=int)
    month_years = np.array([int(label[:4]) for label in tl.labels])
    pick = np.clip(np.searchsorted(years, month_years), 0, len(years) - 1)
    return pd.DataFrame(
        {
            "month": tl.labels,
            "market_h100e": market.years["lab_served_h100e"].to_numpy(dtype=float)[pick],
            "market_mw": market.years["lab_power_gw"].to_numpy(dtype=float)[pick] * 1e3,
        }
    )


def limit_scenario(scenario: Scenario, market: MarketResult) -> MarketLimits:
    """The scenario whose total supply is capped by what the market clears for the lab.

    Raises:
        ScenarioError: the limited scenario does not validate (it should; a bug).
    """
    caps = market_caps(scenario, market)
    data = copy.deepcopy(scenario.raw)
    data["supply_limits"] = {
        "h100e": {m: float(v) for m, v in zip(caps["month"], caps["market_h100e"], strict=True)},
        "power_mw": {m: float(v) for m, v in zip(caps["month"], caps["market_mw"], strict=True)},
        "source": f"market {market.name} ({market.rule})",
    }
    limited = scenario_from_data(data, f"{scenario.source} with market {market.name}")
    offered = np.zeros(scenario.timeline.n_months)
    for ref in offers(scenario):
        peak = scenario.accelerators[ref.accelerator].peak_flops
        offered += offer_availability(scenario, ref) * peak / H100_PEAK_FLOPS
    caps.insert(1, "offered_h100e", offered)
    return MarketLimits(limited, caps)


def limit_by_market(scenario: Scenario, market: str) -> MarketLimits:
    """``--market MARKET``: the scenario limited by a market file or built-in.

    Raises:
        ScenarioError: the market is missing or invalid.
        SolverError: the market did not clear.
    """
    from gigawatt.market.answers import analyze_market
    from gigawatt.market.load import load_market

    return limit_scenario(scenario, analyze_market(load_market(market), alone=False))
