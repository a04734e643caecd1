"""P(world short) per year: the market cleared on samples of its uncertain inputs.

A market's ``uncertainty:`` maps key paths of its own numbers to distributions (the same
kinds as a scenario's: lognormal, normal, uniform, triangular). Sample ``i`` draws every
path by inverse transform of its own uniform stream (``numpy.random.default_rng(seed)``,
one column per path, in the order written), writes the draws into a copy of the file's
data, validates it like the file itself, and clears it. Per year: P(world short) is the
share of samples whose coverage is short (:mod:`gigawatt.market.answers`), P(lab short)
the share where the lab is served less than its trend demand (by more than 1e-4 of it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.errors import ScenarioError
from gigawatt.market.answers import analyze_market
from gigawatt.market.schema import Market
from gigawatt.scenario.distributions import DistributionError, parse_distribution
from gigawatt.scenario.yamlmarks import PathItem

__all__ = ["MarketUncertainty", "sample_market"]

_SHORT = 1e-4


@dataclass(frozen=True)
class MarketUncertainty:
    """What sampling a market found.

    Attributes:
        draws: One row per sample, one column per uncertain path.
        years: year, p_world_short, p_lab_short, samples.
        coverage: One row per sample, one column per year: the world's coverage.
    """

    draws: pd.DataFrame
    years: pd.DataFrame
    coverage: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "samples": len(self.draws),
            "paths": list(self.draws.columns),
            "years": self.years.to_dict("records"),
        }


def _path(market: Market, key: str) -> tuple[PathItem, ...]:
    node: Any = market.raw
    parts: list[PathItem] = []
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ScenarioError(
                [
                    market.problem(
                        ("uncertainty", key),
                        f"'{key}' is not a number of this market",
                        "write the dotted path of a number in the file, e.g. "
                        "regions.us.power_gw.growth_per_year",
                    )
                ]
            )
        parts.append(part)
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise ScenarioError(
            [
                market.problem(
                    ("uncertainty", key),
                    f"'{key}' is not a number (it is {type(node).__name__})",
                    "sample a number: a growth_per_year, a year's value, a bid",
                )
            ]
        )
    return tuple(parts)


def _set(data: dict[str, Any], path: tuple[PathItem, ...], value: float) -> None:
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def sample_market(market: Market, samples: int, seed: int = 0) -> MarketUncertainty:
    """Clear the market on ``samples`` draws of its uncertain inputs.

    Raises:
        ScenarioError: an uncertainty path or distribution is invalid, or a draw makes
            the market invalid (e.g. a negative quantity), located in the file.
        SolverError: a sample did not clear.
    """
    if samples < 1:
        raise ScenarioError(
            [market.problem(("uncertainty",), "samples must be at least 1", "pass --samples N")]
        )
    paths, dists = [], []
    for key, spec in market.uncertainty.items():
        paths.append(_path(market, key))
        try:
            dists.append(parse_distribution(spec))
        except DistributionError as exc:
            raise ScenarioError(
                [market.problem(("uncertainty", key), str(exc), "see `gigawatt schema`")]
            ) from None
    u = np.random.default_rng(seed).random((samples, len(paths)))
    draws = np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(dists)]) if paths else u
    world, lab, cover = [], [], []
    for i in range(samples):
        data = copy.deepcopy(market.raw)
        for j, path in enumerate(paths):
            _set(data, path, float(draws[i, j]))
        drawn = market.with_data(data)
        result = analyze_market(drawn, alone=False)
        y = result.years
        world.append(y["short"].to_numpy(dtype=bool))
        lab.append((y["lab_shortfall_h100e"] > _SHORT * y["lab_demand_h100e"]).to_numpy(dtype=bool))
        cover.append(y["coverage"].to_numpy(dtype=float))
    years = market.year_list
    table = pd.DataFrame(
        {
            "year": years,
            "p_world_short": np.mean(world, axis=0),
            "p_lab_short": np.mean(lab, axis=0),
            "samples": samples,
        }
    )
    names = list(market.uncertainty)
    return MarketUncertainty(
        draws=pd.DataFrame(draws[:, : len(names)], columns=names),
        years=table,
        coverage=pd.DataFrame(np.array(cover), columns=[str(y) for y in years]),
    )
