r"""Sampled scenarios of a sweep: one parameter vector per sample, applied to a copy.

The parameter values of sample :math:`i` are those the forecast draws for sample
:math:`i` with the same seed (:meth:`gigawatt.forecast.sampling.Uncertainty.draw`:
a Gaussian copula in fixed blocks, so sample :math:`i` depends only on
``(seed, i)``). The driver draws every vector up front; each solve, serial or on a
Ray worker, receives its vector and applies it to a deep copy of the scenario's raw
data: the value at each parameter's key path is *replaced* by the draw, and the
result is validated again with :func:`gigawatt.scenario.load.scenario_from_data`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from gigawatt.errors import GigawattError, InputError
from gigawatt.forecast.sampling import parse_uncertainty
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.paths import set_path
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.yamlmarks import PathItem

__all__ = [
    "SampleSpec",
    "apply_values",
    "draw_samples",
    "parameter_paths",
    "sampled_scenario",
]


@dataclass(frozen=True)
class SampleSpec:
    """What one task needs to know about its sample.

    Attributes:
        index: Sample number :math:`i` (0-based) within the sweep.
        values: Key path (as written under ``uncertainty``) to the drawn value.
    """

    index: int
    values: dict[str, float]


def draw_samples(scenario: Scenario, samples: int, seed: int) -> list[SampleSpec]:
    """Draw the parameter vectors of samples ``0 .. samples - 1``.

    Args:
        scenario: A scenario with an ``uncertainty`` section.
        samples: Number of samples :math:`N` (>= 1).
        seed: Seed of the sweep (>= 0); the same seed gives the same vectors as the
            forecast's first :math:`N` samples.

    Raises:
        GigawattError: ``samples`` or ``seed`` out of range, or nothing to sample.
        ScenarioError: the ``uncertainty`` section cannot be sampled.
    """
    if samples < 1:
        raise InputError(f"--samples must be at least 1 (got {samples})")
    if seed < 0:
        raise InputError(f"--seed must be >= 0 (got {seed})")
    uncertainty = parse_uncertainty(scenario)
    if not uncertainty.parameters:
        raise InputError(
            f"scenario {scenario.name} has no uncertainty section, so every sample would be "
            "the same plan; add `uncertainty:` with distributions (see docs/sweep.md)"
        )
    drawn = uncertainty.draw(0, samples, seed)
    return [
        SampleSpec(i, {name: float(drawn[name][i]) for name in uncertainty.names})
        for i in range(samples)
    ]


def parameter_paths(scenario: Scenario) -> dict[str, tuple[PathItem, ...]]:
    """Each sampled key path (as written) and its resolved keys into ``scenario.raw``."""
    return {p.path: p.resolved for p in parse_uncertainty(scenario).parameters}


def apply_values(
    raw: dict[str, Any], paths: dict[str, tuple[PathItem, ...]], values: dict[str, float]
) -> dict[str, Any]:
    """A deep copy of ``raw`` with the number at each parameter's path replaced by its draw.

    Raises:
        GigawattError: a value names a parameter missing from ``paths``.
    """
    data = copy.deepcopy(raw)
    for name, value in values.items():
        if name not in paths:
            raise GigawattError(f"sample value for unknown parameter {name!r}")
        set_path(data, paths[name], value)
    return data


def sampled_scenario(scenario: Scenario, spec: SampleSpec) -> Scenario:
    """The scenario of one sample, validated.

    Raises:
        ScenarioError: the sampled values make an invalid scenario.
        GigawattError: the scenario has no raw data to copy.
    """
    if not scenario.raw:
        raise GigawattError("the scenario has no source data; load it with load_scenario")
    data = apply_values(scenario.raw, parameter_paths(scenario), spec.values)
    return scenario_from_data(data, f"{scenario.source} (sample {spec.index})")
