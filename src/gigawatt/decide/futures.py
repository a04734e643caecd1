r"""The futures of a stochastic plan: :math:`S` samples of the uncertain inputs, with weights.

Samples come from the forecast's sampler exactly as a sweep draws them
(:func:`gigawatt.sweep.draw_samples`: same seed, same values), or are given
explicitly (a parameter vector per future, for discrete distributions). Weights
:math:`p_s` are equal unless given; given weights must be positive and are
normalised to sum to 1.

The *mean-value* scenario replaces every sampled number by its weighted mean over the
futures, :math:`\bar v = \sum_s p_s v_s`: the deterministic plan a planner would make
from point forecasts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigawatt.errors import GigawattError, InputError
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.yamlmarks import PathItem
from gigawatt.sweep.scenarios import (
    SampleSpec,
    apply_values,
    draw_samples,
    parameter_paths,
    sampled_scenario,
)

__all__ = ["Futures", "draw_futures", "given_futures", "mean_value_scenario"]


@dataclass(frozen=True)
class Futures:
    """The samples of a stochastic plan.

    Attributes:
        specs: Each future's index and drawn values (by key path).
        weights: Probability of each future :math:`p_s` (sums to 1).
        paths: Resolved key path of each sampled parameter.
        seed: The seed the samples were drawn with (None when given explicitly).
    """

    specs: tuple[SampleSpec, ...]
    weights: npt.NDArray[np.float64]
    paths: dict[str, tuple[PathItem, ...]]
    seed: int | None

    def __len__(self) -> int:
        return len(self.specs)

    def scenarios(self, scenario: Scenario) -> list[Scenario]:
        """The validated scenario of every future."""
        return [sampled_scenario(scenario, spec) for spec in self.specs]


def _weights(weights: Sequence[float] | None, n: int) -> npt.NDArray[np.float64]:
    if weights is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(list(weights), dtype=float)
    if len(w) != n:
        raise InputError(f"{len(w)} weights given for {n} futures; give one weight per future")
    if not all(math.isfinite(x) and x > 0 for x in w):
        raise InputError(f"weights must be positive numbers (got {list(w)})")
    return np.asarray(w / w.sum(), dtype=float)


def draw_futures(
    scenario: Scenario, samples: int, seed: int = 0, weights: Sequence[float] | None = None
) -> Futures:
    """Draw :math:`S` futures from the scenario's ``uncertainty`` section (as a sweep does).

    Raises:
        InputError: ``samples`` below 1, no uncertainty section, or bad weights.
        ScenarioError: the ``uncertainty`` section cannot be sampled.
    """
    specs = tuple(draw_samples(scenario, samples, seed))
    return Futures(specs, _weights(weights, samples), parameter_paths(scenario), seed)


def given_futures(
    scenario: Scenario,
    values: Sequence[Mapping[str, float]],
    weights: Sequence[float] | None = None,
) -> Futures:
    """Futures given explicitly: one mapping of key path to value per future.

    Every key must be a parameter of the scenario's ``uncertainty`` section (its
    distribution is then unused).

    Raises:
        InputError: no futures, an unknown key, or bad weights.
    """
    if not values:
        raise InputError("give at least one future")
    paths = parameter_paths(scenario)
    keys = set(values[0])
    for i, future in enumerate(values):
        if set(future) != keys:
            raise InputError(
                f"future {i} sets {sorted(future)} but future 0 sets {sorted(keys)}; "
                "every future must set the same parameters"
            )
        unknown = sorted(set(future) - set(paths))
        if unknown:
            raise InputError(
                f"future {i} sets {', '.join(unknown)}, which the scenario's uncertainty "
                f"section does not list (known: {', '.join(paths) or 'none'}); add it there"
            )
    specs = tuple(
        SampleSpec(i, {k: float(v) for k, v in future.items()}) for i, future in enumerate(values)
    )
    return Futures(specs, _weights(weights, len(values)), paths, None)


def mean_value_scenario(scenario: Scenario, futures: Futures) -> Scenario:
    """The scenario with each sampled number at its weighted mean over the futures."""
    names = sorted({k for spec in futures.specs for k in spec.values})
    mean = {
        k: float(sum(p * s.values[k] for p, s in zip(futures.weights, futures.specs, strict=True)))
        for k in names
    }
    if not scenario.raw:
        raise GigawattError("the scenario has no source data; load it with load_scenario")
    data = apply_values(scenario.raw, futures.paths, mean)
    return scenario_from_data(data, f"{scenario.source} (mean of {len(futures)} futures)")
