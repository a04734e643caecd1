"""P(world short) per year: the market cleared on samples of its uncertain inputs.

A market's ``uncertainty:`` maps key paths of its own numbers to distributions (the same
kinds as a scenario's: lognormal, normal, uniform, triangular, chance). The draws come
from the forecast's sampler (:class:`gigawatt.forecast.sampling.Uncertainty`) with its
conventions: blocks of :data:`~gigawatt.forecast.sampling.BLOCK_SAMPLES` samples, block
``b`` from ``SeedSequence(seed, spawn_key=(b,))``, so sample ``i`` depends only on
``(seed, i)`` and a longer run starts with a shorter one's samples; draws below 0 are
clipped to 0 (every market number is non-negative). Sample ``i`` writes its draws into a
copy of the file's data, validates it like the file itself, and clears it. Per year:
P(world short) is the share of samples whose coverage is short
(:mod:`gigawatt.market.answers`), P(lab short) the share where the lab is served less
than its trend demand (by more than 1e-4 of it), and P(kind binds) for each kind of
limit (chips, packaging, memory, power) the share of samples where it binds.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.errors import ScenarioError
from gigawatt.forecast.sampling import Parameter, Uncertainty
from gigawatt.market.answers import KINDS, analyze_market
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
        years: year, p_world_short, p_lab_short, p_binds_<kind> for each kind of limit,
            samples.
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


def _parameters(market: Market) -> tuple[Parameter, ...]:
    out = []
    for key, spec in market.uncertainty.items():
        path = _path(market, key)
        try:
            dist = parse_distribution(spec)
        except DistributionError as exc:
            raise ScenarioError(
                [market.problem(("uncertainty", key), str(exc), "see `gigawatt schema`")]
            ) from None
        node: Any = market.raw
        for part in path:
            node = node[part]
        out.append(Parameter(key, path, "scalar", path, None, dist, float(node), 0.0, math.inf))
    return tuple(out)


def sample_market(
    market: Market, samples: int, seed: int = 0, lab_bid: Mapping[int, float] | None = None
) -> MarketUncertainty:
    """Clear the market on ``samples`` draws of its uncertain inputs.

    Args:
        market: The market.
        samples: Number of samples (the first ``samples`` of the seed's stream).
        seed: Seed, as the forecast's ``--seed``.
        lab_bid: The lab's bid by year (:func:`gigawatt.market.labbid.bids_by_year`).

    Raises:
        ScenarioError: an uncertainty path or distribution is invalid, or a draw makes
            the market invalid (e.g. a negative quantity), located in the file.
        SolverError: a sample did not clear.
    """
    if samples < 1:
        raise ScenarioError(
            [market.problem(("uncertainty",), "samples must be at least 1", "pass --samples N")]
        )
    params = _parameters(market)
    drawn = Uncertainty(params).draw(0, samples, seed)
    draws = np.column_stack([drawn[p.path] for p in params]) if params else np.zeros((samples, 0))
    world, lab, cover = [], [], []
    binds: dict[str, list[np.ndarray]] = {kind: [] for kind in dict.fromkeys(KINDS.values())}
    for i in range(samples):
        data = copy.deepcopy(market.raw)
        for j, p in enumerate(params):
            _set(data, p.resolved, float(draws[i, j]))
        result = analyze_market(market.with_data(data), alone=False, lab_bid=lab_bid)
        y = result.years
        world.append(y["short"].to_numpy(dtype=bool))
        lab.append((y["lab_shortfall_h100e"] > _SHORT * y["lab_demand_h100e"]).to_numpy(dtype=bool))
        cover.append(y["coverage"].to_numpy(dtype=float))
        for kind, hits in binds.items():
            hits.append(np.array([kind in str(b).split(", ") for b in y["binding"]]))
    years = market.year_list
    table = pd.DataFrame(
        {
            "year": years,
            "p_world_short": np.mean(world, axis=0),
            "p_lab_short": np.mean(lab, axis=0),
            **{f"p_binds_{kind}": np.mean(hits, axis=0) for kind, hits in binds.items()},
            "samples": samples,
        }
    )
    return MarketUncertainty(
        draws=pd.DataFrame(draws, columns=[p.path for p in params]),
        years=table,
        coverage=pd.DataFrame(np.array(cover), columns=[str(y) for y in years]),
    )
