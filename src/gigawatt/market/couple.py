"""The lab's plan with the market: what the market clears for the lab becomes its supply.

The market says how much compute the world gives the lab each year (its H100e served,
:mod:`gigawatt.market.answers`), not from whom. Coupled, every offer of the lab's
scenario keeps its share: in each month where the scenario offers more H100e than the
market clears for the lab that year, every offer's ``available`` is scaled by the same
factor, ``min(1, market H100e / offered H100e)``. The offered H100e of a month is
``sum over offers of available (after lead times) x peak_flops / H100 peak``. Months
outside the market's years take its nearest year. The planner itself is unchanged: the
limits are the scenario's own numbers, so ``plan``, ``forecast`` and ``sweep`` all run
"with the market" on the scenario this returns.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gigawatt.market.result import MarketResult
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.supply import offer_availability, offers

__all__ = ["H100_PEAK_FLOPS", "MarketLimits", "limit_by_market", "limit_scenario"]

#: Dense BF16 FLOP/s of one H100 SXM (facts.md D.1): one H100e.
H100_PEAK_FLOPS = 9.89e14


@dataclass(frozen=True)
class MarketLimits:
    """A scenario limited by a market, and by how much, month by month.

    Attributes:
        scenario: The scenario with every offer's ``available`` scaled.
        months: One row per month: month, offered_h100e (before), market_h100e (the
            lab's served H100e that year), factor (applied to every offer).
    """

    scenario: Scenario
    months: pd.DataFrame


def limit_scenario(scenario: Scenario, market: MarketResult) -> MarketLimits:
    """The scenario whose offers deliver no more than the market clears for the lab.

    Raises:
        ScenarioError: the limited scenario does not validate (it should; a bug).
    """
    tl = scenario.timeline
    years = market.years["year"].to_numpy(dtype=int)
    served = market.years["lab_served_h100e"].to_numpy(dtype=float)
    month_years = np.array([int(label[:4]) for label in tl.labels])
    cap = served[np.clip(np.searchsorted(years, month_years), 0, len(years) - 1)]
    refs = offers(scenario)
    h100e = np.array(
        [scenario.accelerators[r.accelerator].peak_flops / H100_PEAK_FLOPS for r in refs]
    )
    offered = np.zeros(tl.n_months)
    for k, ref in enumerate(refs):
        offered += offer_availability(scenario, ref) * h100e[k]
    factor = np.where(offered > cap, cap / np.where(offered > 0, offered, 1.0), 1.0)
    data = copy.deepcopy(scenario.raw)
    for ref in refs:
        offer = scenario.sites[ref.site].offers[ref.index]
        values = offer.available.values(tl) * factor
        data["sites"][ref.site]["offers"][ref.index]["available"] = {
            label: float(v) for label, v in zip(tl.labels, values, strict=True)
        }
    limited = scenario_from_data(data, f"{scenario.source} with market {market.name}")
    months = pd.DataFrame(
        {
            "month": tl.labels,
            "offered_h100e": offered,
            "market_h100e": cap,
            "factor": factor,
        }
    )
    return MarketLimits(limited, months)


def limit_by_market(scenario: Scenario, market: str) -> Scenario:
    """``gigawatt plan --market MARKET``: the scenario limited by a market file or built-in.

    Raises:
        ScenarioError: the market is missing or invalid.
        SolverError: the market did not clear.
    """
    from gigawatt.market.answers import analyze_market
    from gigawatt.market.load import load_market

    return limit_scenario(scenario, analyze_market(load_market(market), alone=False)).scenario
