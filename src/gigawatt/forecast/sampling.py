r"""Uncertain parameters of a scenario and their joint draws, reproducible chunk by chunk.

A scenario's ``uncertainty`` section maps key paths to distributions
(:mod:`gigawatt.scenario.distributions`) and may add Spearman rank correlations::

    uncertainty:
      workloads.partner-api.demand_flops.growth_per_year: {lognormal: {p50: 2.5, p90: 4.0}}
      sites.abilene.power_mw.2026-06: {triangular: {low: 600, mode: 1200, high: 1200}}
      rank_correlation:
        - {between: [workloads.partner-api.demand_flops.growth_per_year,
                     sites.abilene.power_mw.2026-06], rho: -0.3}

A sampled value *replaces* the number at its key path. The forecast can sample:

* one value of a schedule (``<schedule>.YYYY-MM``), its ``growth_per_year``, or the
  whole schedule when it is a plain number; schedules are a workload's
  ``demand_flops`` and ``revenue_usd_per_month``, a site's ``power_mw``, an offer's
  ``available`` and ``finance.other_opex_usd_per_month``;
* prices (an offer's ``usd_per_hour``, ``capex_usd``, ``opex_usd_per_hour``, a site's
  ``electricity_usd_per_mwh``), a workload's ``utilization``, ``mfu`` or ``flop``,
  ``finance.cash_usd``, a funding event's ``usd``, a revenue share's ``percent`` and
  ``cap_usd`` (where the clause writes one), and a min-spend's ``usd``.

Any other path (months, lead times, accelerator specifications, ...) is a located
error. Draws outside the valid range of their field (a normal price below 0, a
utilization above 1) are clipped to it, so that every sample is a valid scenario.

Reproducibility. Samples are drawn in fixed blocks of :data:`BLOCK_SAMPLES`. Block
:math:`b` uses its own generator seeded with ``SeedSequence(seed, spawn_key=(b,))``, so
sample :math:`i` depends only on ``(seed, i)``: the same seed gives the same samples
whatever the chunk size, and the first :math:`n` samples of a longer run are those of
a shorter one.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from gigawatt.errors import Problem, ScenarioError
from gigawatt.scenario.distributions import Distribution, parse_distribution, sample
from gigawatt.scenario.paths import get_path, resolve_path
from gigawatt.scenario.schedule import GROWTH_KEY
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.timeline import parse_month
from gigawatt.scenario.yamlmarks import Marks, PathItem, format_path, load_yaml

__all__ = [
    "BLOCK_SAMPLES",
    "Parameter",
    "Uncertainty",
    "parse_uncertainty",
]

BLOCK_SAMPLES = 4096
"""Samples drawn per generator block (fixed: results do not depend on chunk size)."""

F64 = NDArray[np.float64]
_ANY_NAME = "*"
_ANY_INDEX = "#"
_INF = math.inf
_TINY = 1e-9

# Owner paths of schedules that may be sampled.
_SCHEDULES: tuple[tuple[str, ...], ...] = (
    ("workloads", _ANY_INDEX, "demand_flops"),
    ("workloads", _ANY_INDEX, "revenue_usd_per_month"),
    ("sites", _ANY_NAME, "power_mw"),
    ("sites", _ANY_NAME, "offers", _ANY_INDEX, "available"),
    ("finance", "other_opex_usd_per_month"),
)
# Scalars that may be sampled, with their valid range.
_SCALARS: dict[tuple[str, ...], tuple[float, float]] = {
    ("sites", _ANY_NAME, "offers", _ANY_INDEX, "usd_per_hour"): (0.0, _INF),
    ("sites", _ANY_NAME, "offers", _ANY_INDEX, "capex_usd"): (0.0, _INF),
    ("sites", _ANY_NAME, "offers", _ANY_INDEX, "opex_usd_per_hour"): (0.0, _INF),
    ("sites", _ANY_NAME, "electricity_usd_per_mwh"): (0.0, _INF),
    ("workloads", _ANY_INDEX, "utilization"): (_TINY, 1.0),
    ("workloads", _ANY_INDEX, "mfu"): (_TINY, 1.0),
    ("workloads", _ANY_INDEX, "flop"): (1.0, _INF),
    ("finance", "cash_usd"): (-_INF, _INF),
    ("finance", "funding", _ANY_INDEX, "usd"): (0.0, _INF),
    ("contracts", _ANY_INDEX, "clauses", _ANY_INDEX, "percent"): (0.0, 100.0),
    ("contracts", _ANY_INDEX, "clauses", _ANY_INDEX, "usd"): (0.0, _INF),
    ("contracts", _ANY_INDEX, "clauses", _ANY_INDEX, "cap_usd"): (0.0, _INF),
}
_SUPPORTED = (
    "a schedule value (<schedule>.YYYY-MM), its growth_per_year or a constant schedule of "
    "workloads.NAME.demand_flops / revenue_usd_per_month, sites.NAME.power_mw, "
    "sites.NAME.offers[i].available, finance.other_opex_usd_per_month; or one of "
    "offers[i].usd_per_hour / capex_usd / opex_usd_per_hour, sites.NAME."
    "electricity_usd_per_mwh, workloads.NAME.utilization / mfu / flop, finance.cash_usd, "
    "finance.funding[i].usd, contracts.NAME.clauses[i].percent / cap_usd / usd"
)


@dataclass(frozen=True)
class Parameter:
    """One sampled number of the scenario.

    Attributes:
        path: The key path as written under ``uncertainty``.
        resolved: The path as concrete keys and list indices into the raw data.
        kind: ``schedule`` (a schedule value, growth or constant) or ``scalar``.
        owner: For a schedule, the path of the schedule field; else ``resolved``.
        key: For a schedule, the month (``YYYY-MM``), ``growth_per_year`` or ``None``
            for a constant schedule; ``None`` for a scalar.
        distribution: Its marginal distribution.
        base: The value written in the scenario.
        lower: Smallest valid value (draws are clipped to it).
        upper: Largest valid value.
    """

    path: str
    resolved: tuple[PathItem, ...]
    kind: Literal["schedule", "scalar"]
    owner: tuple[PathItem, ...]
    key: str | None
    distribution: Distribution
    base: float
    lower: float
    upper: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "path": self.path,
            "distribution": self.distribution.to_dict(),
            "base": self.base,
        }


@dataclass
class Uncertainty:
    """The sampled parameters of a scenario and their rank correlations."""

    parameters: tuple[Parameter, ...] = ()
    rank_correlation: dict[tuple[str, str], float] = field(default_factory=dict)
    _cache: dict[tuple[int, int], dict[str, F64]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        """Key paths of the parameters, in file order."""
        return [p.path for p in self.parameters]

    def draw(self, start: int, stop: int, seed: int) -> dict[str, F64]:
        """Values of every parameter for samples ``start .. stop - 1``.

        Args:
            start: First sample index (>= 0).
            stop: One past the last sample index.
            seed: Seed of the run (>= 0).

        Returns:
            Path to an array of ``stop - start`` values (clipped to the valid range).
        """
        if not self.parameters or stop <= start:
            return {}
        first, last = start // BLOCK_SAMPLES, (stop - 1) // BLOCK_SAMPLES
        blocks = [self._block(b, seed) for b in range(first, last + 1)]
        lo = start - first * BLOCK_SAMPLES
        out: dict[str, F64] = {}
        for name in self.names:
            joined = np.concatenate([blk[name] for blk in blocks])
            out[name] = np.ascontiguousarray(joined[lo : lo + stop - start])
        return out

    def _block(self, block: int, seed: int) -> dict[str, F64]:
        key = (seed, block)
        with self._lock:
            drawn = self._cache.get(key)
        if drawn is not None:
            return drawn
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
        dists = {p.path: p.distribution for p in self.parameters}
        raw = sample(dists, BLOCK_SAMPLES, rng, self.rank_correlation)
        drawn = {p.path: np.clip(raw[p.path], p.lower, p.upper) for p in self.parameters}
        with self._lock:
            self._cache[key] = drawn
            while len(self._cache) > 8:
                self._cache.pop(next(iter(self._cache)))
        return drawn


def _matches(path: tuple[PathItem, ...], pattern: tuple[str, ...]) -> bool:
    if len(path) != len(pattern):
        return False
    for part, want in zip(path, pattern, strict=True):
        if want == _ANY_INDEX:
            if not isinstance(part, int):
                return False
        elif want == _ANY_NAME:
            if not isinstance(part, str):
                return False
        elif part != want:
            return False
    return True


def _classify(
    resolved: tuple[PathItem, ...],
) -> tuple[Literal["schedule", "scalar"], tuple[PathItem, ...], str | None, float, float] | None:
    """(kind, owner, key, lower, upper) of a resolved path, or None if not sampleable."""
    for pattern in _SCHEDULES:
        if _matches(resolved, pattern):
            return "schedule", resolved, None, 0.0, _INF
        if resolved and isinstance(resolved[-1], str) and _matches(resolved[:-1], pattern):
            key = resolved[-1]
            if key == GROWTH_KEY:
                return "schedule", resolved[:-1], key, _TINY, _INF
            return "schedule", resolved[:-1], key, 0.0, _INF
    for scalar_pattern, (lo, hi) in _SCALARS.items():
        if _matches(resolved, scalar_pattern):
            return "scalar", resolved, None, lo, hi
    return None


def _marks(scenario: Scenario) -> Marks:
    """Positions of the scenario's keys, re-read from its file or built-in text."""
    from gigawatt.scenario.builtins import builtin_names, builtin_text

    source = scenario.source
    try:
        name = source.removesuffix(" (built-in)")
        if source.endswith(" (built-in)") and name in builtin_names():
            return load_yaml(builtin_text(name), source)[1]
        path = Path(source)
        if path.is_file():
            return load_yaml(path.read_text(encoding="utf-8"), source)[1]
    except (OSError, UnicodeDecodeError, ScenarioError):
        pass
    return Marks(source)


def parse_uncertainty(scenario: Scenario) -> Uncertainty:
    """Read the ``uncertainty`` section of a scenario into sampled parameters.

    Args:
        scenario: A validated scenario (its ``raw`` data holds the values replaced).

    Returns:
        The parameters in file order and the requested rank correlations.

    Raises:
        ScenarioError: a path does not exist or names a number the forecast cannot
            sample, or a distribution is malformed; each problem is located at
            ``uncertainty.<path>``.
    """
    raw = scenario.raw
    problems: list[tuple[tuple[PathItem, ...], str, str]] = []
    params: list[Parameter] = []
    correlation: dict[tuple[str, str], float] = {}
    for path, spec in scenario.uncertainty.items():
        where: tuple[PathItem, ...] = ("uncertainty", path)
        if path == "rank_correlation":
            correlation = _correlations(spec, scenario, problems)
            continue
        try:
            resolved = resolve_path(raw, path)
        except ValueError as exc:
            problems.append((where, f"key path does not exist: {exc}", _SUPPORTED))
            continue
        value = get_path(raw, resolved)
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append((where, f"key path leads to {type(value).__name__}, not a number", ""))
            continue
        found = _classify(resolved)
        if found is None:
            problems.append(
                (where, f"'{format_path(resolved)}' cannot be sampled by the forecast", _SUPPORTED)
            )
            continue
        kind, owner, key, lower, upper = found
        if kind == "schedule" and key not in (None, GROWTH_KEY):
            try:
                parse_month(key)
            except ValueError as exc:
                problems.append((where, str(exc), "schedule keys are months or growth_per_year"))
                continue
        try:
            dist = parse_distribution(spec)
        except ValueError as exc:
            problems.append((where, str(exc), ""))
            continue
        params.append(Parameter(path, resolved, kind, owner, key, dist, float(value), lower, upper))
    if params and not problems:
        try:
            dists = {p.path: p.distribution for p in params}
            sample(dists, 1, np.random.default_rng(0), correlation)
        except ValueError as exc:
            problems.append((("uncertainty", "rank_correlation"), str(exc), ""))
    if problems:
        marks = _marks(scenario)
        raise ScenarioError([Problem(marks.locate(p), msg, hint) for p, msg, hint in problems])
    return Uncertainty(tuple(params), correlation)


def _correlations(
    spec: Any,
    scenario: Scenario,
    problems: list[tuple[tuple[PathItem, ...], str, str]],
) -> dict[tuple[str, str], float]:
    where: tuple[PathItem, ...] = ("uncertainty", "rank_correlation")
    hint = "write `- {between: [path_a, path_b], rho: 0.5}` items"
    if not isinstance(spec, list):
        problems.append((where, "rank_correlation must be a list", hint))
        return {}
    out: dict[tuple[str, str], float] = {}
    for i, item in enumerate(spec):
        ok = (
            isinstance(item, Mapping)
            and set(item) == {"between", "rho"}
            and isinstance(item["between"], list)
            and len(item["between"]) == 2
            and all(str(b) in scenario.uncertainty for b in item["between"])
            and isinstance(item["rho"], int | float)
            and not isinstance(item["rho"], bool)
            and -1 < float(item["rho"]) < 1
        )
        if not ok:
            problems.append(
                (
                    (*where, i),
                    "each rank correlation is {between: [path_a, path_b], rho: r} with both "
                    "paths listed under uncertainty and -1 < r < 1",
                    hint,
                )
            )
            continue
        a, b = (str(x) for x in item["between"])
        out[(a, b)] = float(item["rho"])
    return out
