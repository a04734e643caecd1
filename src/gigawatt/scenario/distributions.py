r"""Uncertain inputs: five marginal distributions and a Gaussian copula for rank correlation.

A scenario's ``uncertainty`` section maps a parameter to one of these specs::

    {lognormal: {p50: 2.5, p90: 4.0}}        # median and 90th percentile
    {normal: {mean: 1.0, sd: 0.2}}           # or {normal: {p50: 1.0, p90: 1.3}}
    {uniform: {low: 0.3, high: 0.5}}
    {triangular: {low: 0.2, mode: 0.4, high: 0.6}}
    {chance: {p: 0.8, low: 1.5e10, high: 3.0e10}}  # 0 with probability 1 - p (a round fails)

Math. Let :math:`\Phi` be the standard normal CDF and
:math:`z_{0.9} = \Phi^{-1}(0.9) \approx 1.2816`. Each distribution is represented by its
inverse CDF (``ppf``), so a uniform draw :math:`u \in (0, 1)` maps to a sample:

- lognormal: :math:`\mu = \ln p_{50}`, :math:`\sigma = (\ln p_{90} - \ln p_{50}) / z_{0.9}`,
  :math:`F^{-1}(u) = \exp(\mu + \sigma \Phi^{-1}(u))`. Requires :math:`p_{90} > p_{50} > 0`.
- normal: :math:`F^{-1}(u) = m + s \Phi^{-1}(u)`; from percentiles :math:`m = p_{50}`,
  :math:`s = (p_{90} - p_{50}) / z_{0.9}`.
- uniform: :math:`F^{-1}(u) = a + u (b - a)`.
- triangular on :math:`[a, b]` with mode :math:`c`, :math:`F_c = (c - a) / (b - a)`:
  :math:`F^{-1}(u) = a + \sqrt{u (b - a)(c - a)}` for :math:`u < F_c`, otherwise
  :math:`b - \sqrt{(1 - u)(b - a)(b - c)}`.

Rank correlation (Gaussian copula). For :math:`k` parameters with requested Spearman
rank correlations :math:`\rho_{ij}`, the normal copula needs the Pearson correlation of
the latent normals, :math:`r_{ij} = 2 \sin(\pi \rho_{ij} / 6)` (exact for a bivariate
normal, whose Spearman correlation is :math:`(6/\pi) \arcsin(r/2)`). With the Cholesky
factor :math:`L L^\top = R`, draw :math:`Z = E L^\top` from i.i.d. standard normals
:math:`E \in \mathbb{R}^{n \times k}`, set :math:`U = \Phi(Z)` (uniform marginals, same
ranks as :math:`Z`), and return :math:`F_j^{-1}(U_{\cdot j})`. Since each
:math:`F_j^{-1}` is increasing, ranks are preserved: the marginals are exact and the
Spearman correlations equal :math:`\rho_{ij}` up to Monte Carlo error. :math:`R` must be
positive definite; otherwise the requested correlations are mutually inconsistent and
:func:`sample` raises :class:`DistributionError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from gigawatt.errors import GigawattError

__all__ = [
    "Z90",
    "Chance",
    "Distribution",
    "DistributionError",
    "Lognormal",
    "Normal",
    "Triangular",
    "Uniform",
    "parse_distribution",
    "sample",
    "spearman_to_pearson",
]

Z90: float = 1.2815515655446004
"""The 90th percentile of the standard normal distribution, :math:`\\Phi^{-1}(0.9)`."""

FloatArray: TypeAlias = NDArray[np.float64]

_KINDS = ("lognormal", "normal", "uniform", "triangular", "chance")
_EXAMPLES = {
    "lognormal": "{lognormal: {p50: 2.5, p90: 4.0}}",
    "normal": "{normal: {mean: 1.0, sd: 0.2}} or {normal: {p50: 1.0, p90: 1.3}}",
    "uniform": "{uniform: {low: 0.3, high: 0.5}}",
    "triangular": "{triangular: {low: 0.2, mode: 0.4, high: 0.6}}",
    "chance": "{chance: {p: 0.8, low: 1.5e10, high: 3.0e10}}",
}


class DistributionError(GigawattError, ValueError):
    """An uncertainty spec or a rank-correlation request is invalid.

    It is a :class:`ValueError` as well as a :class:`~gigawatt.errors.GigawattError`, so
    callers may catch either; the message says what is wrong and how to fix it.
    """

    exit_code = 2


def _norm_ppf(u: FloatArray) -> FloatArray:
    from scipy.special import ndtri  # loaded when sampling, not when a scenario is read

    return np.asarray(ndtri(u), dtype=np.float64)


def _as_unit_array(u: NDArray[Any] | float) -> FloatArray:
    return np.asarray(u, dtype=np.float64)


@dataclass(frozen=True)
class Lognormal:
    """Lognormal distribution given by its median ``p50`` and 90th percentile ``p90``."""

    p50: float
    p90: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.p50) and math.isfinite(self.p90)):
            raise DistributionError(
                f"lognormal needs finite p50 and p90 (got p50={self.p50}, p90={self.p90})"
            )
        if not self.p90 > self.p50 > 0:
            raise DistributionError(
                f"lognormal needs p90 > p50 > 0 (got p50={self.p50}, p90={self.p90}); p50 is "
                "the median and p90 the value exceeded with 10% probability, e.g. "
                + _EXAMPLES["lognormal"]
            )

    @property
    def mu(self) -> float:
        """Mean of the logarithm, ``ln p50``."""
        return math.log(self.p50)

    @property
    def sigma(self) -> float:
        """Standard deviation of the logarithm, ``(ln p90 - ln p50) / z90``."""
        return (math.log(self.p90) - math.log(self.p50)) / Z90

    def ppf(self, u: FloatArray) -> FloatArray:
        """Return the inverse CDF at probabilities ``u`` (vectorised)."""
        return np.exp(self.mu + self.sigma * _norm_ppf(_as_unit_array(u)))

    def quantile(self, q: float) -> float:
        """Return the ``q`` quantile as a float."""
        return float(self.ppf(np.array([q]))[0])

    def to_dict(self) -> dict[str, dict[str, float]]:
        """Return the spec in the scenario's form."""
        return {"lognormal": {"p50": self.p50, "p90": self.p90}}


@dataclass(frozen=True)
class Normal:
    """Normal distribution with ``mean`` and standard deviation ``sd``."""

    mean: float
    sd: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean) and math.isfinite(self.sd)):
            raise DistributionError(
                f"normal needs finite mean and sd (got mean={self.mean}, sd={self.sd})"
            )
        if not self.sd > 0:
            raise DistributionError(
                f"normal needs sd > 0 (got sd={self.sd}); for a fixed value set the parameter "
                "itself instead of giving it a distribution, e.g. " + _EXAMPLES["normal"]
            )

    @classmethod
    def from_percentiles(cls, p50: float, p90: float) -> Normal:
        """Build from the median and 90th percentile (needs ``p90 > p50``).

        Args:
            p50: Median (equal to the mean).
            p90: 90th percentile.

        Returns:
            The normal distribution with ``mean = p50`` and ``sd = (p90 - p50) / z90``.

        Raises:
            DistributionError: If ``p90 <= p50`` or a value is not finite.

        """
        if not (math.isfinite(p50) and math.isfinite(p90)) or not p90 > p50:
            raise DistributionError(
                f"normal given by percentiles needs p90 > p50 (got p50={p50}, p90={p90}), "
                "e.g. {normal: {p50: 1.0, p90: 1.3}}"
            )
        return cls(mean=p50, sd=(p90 - p50) / Z90)

    def ppf(self, u: FloatArray) -> FloatArray:
        """Return the inverse CDF at probabilities ``u`` (vectorised)."""
        return self.mean + self.sd * _norm_ppf(_as_unit_array(u))

    def quantile(self, q: float) -> float:
        """Return the ``q`` quantile as a float."""
        return float(self.ppf(np.array([q]))[0])

    def to_dict(self) -> dict[str, dict[str, float]]:
        """Return the spec in the scenario's form."""
        return {"normal": {"mean": self.mean, "sd": self.sd}}


@dataclass(frozen=True)
class Uniform:
    """Uniform distribution on ``[low, high]``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise DistributionError(
                f"uniform needs finite low and high (got low={self.low}, high={self.high})"
            )
        if not self.high > self.low:
            raise DistributionError(
                f"uniform needs high > low (got low={self.low}, high={self.high}), e.g. "
                + _EXAMPLES["uniform"]
            )

    def ppf(self, u: FloatArray) -> FloatArray:
        """Return the inverse CDF at probabilities ``u`` (vectorised)."""
        return self.low + _as_unit_array(u) * (self.high - self.low)

    def quantile(self, q: float) -> float:
        """Return the ``q`` quantile as a float."""
        return float(self.ppf(np.array([q]))[0])

    def to_dict(self) -> dict[str, dict[str, float]]:
        """Return the spec in the scenario's form."""
        return {"uniform": {"low": self.low, "high": self.high}}


@dataclass(frozen=True)
class Triangular:
    """Triangular distribution on ``[low, high]`` with its peak at ``mode``."""

    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        values = (self.low, self.mode, self.high)
        if not all(math.isfinite(v) for v in values):
            raise DistributionError(f"triangular needs finite low, mode and high (got {values})")
        if not (self.low <= self.mode <= self.high and self.high > self.low):
            raise DistributionError(
                f"triangular needs low <= mode <= high and low < high (got low={self.low}, "
                f"mode={self.mode}, high={self.high}), e.g. " + _EXAMPLES["triangular"]
            )

    def ppf(self, u: FloatArray) -> FloatArray:
        """Return the inverse CDF at probabilities ``u`` (vectorised)."""
        uu = _as_unit_array(u)
        width = self.high - self.low
        f_mode = (self.mode - self.low) / width
        left = self.low + np.sqrt(np.clip(uu, 0.0, 1.0) * width * (self.mode - self.low))
        right = self.high - np.sqrt(np.clip(1.0 - uu, 0.0, 1.0) * width * (self.high - self.mode))
        return np.where(uu < f_mode, left, right)

    def quantile(self, q: float) -> float:
        """Return the ``q`` quantile as a float."""
        return float(self.ppf(np.array([q]))[0])

    def to_dict(self) -> dict[str, dict[str, float]]:
        """Return the spec in the scenario's form."""
        return {"triangular": {"low": self.low, "mode": self.mode, "high": self.high}}


@dataclass(frozen=True)
class Chance:
    r"""Something that may not happen: 0 with probability ``1 - p``, else uniform on [low, high].

    For a funding round that can fail (0) or shrink (anywhere from ``low`` to ``high``);
    ``low == high`` is a round that arrives whole or not at all. Inverse CDF:
    :math:`F^{-1}(u) = 0` for :math:`u < 1 - p`, else
    :math:`\text{low} + (u - (1 - p)) / p \cdot (\text{high} - \text{low})`.
    """

    p: float
    low: float
    high: float

    def __post_init__(self) -> None:
        if not 0 < self.p <= 1:
            raise DistributionError(
                f"chance needs 0 < p <= 1, the probability that it happens (got p={self.p}), "
                "e.g. " + _EXAMPLES["chance"]
            )
        if not 0 <= self.low <= self.high:
            raise DistributionError(
                f"chance needs 0 <= low <= high (got low={self.low}, high={self.high}), e.g. "
                + _EXAMPLES["chance"]
            )

    def ppf(self, u: FloatArray) -> FloatArray:
        """Return the inverse CDF at probabilities ``u`` (vectorised)."""
        u = _as_unit_array(u)
        fail = 1.0 - self.p
        share = np.clip((u - fail) / self.p, 0.0, 1.0)
        return np.where(u < fail, 0.0, self.low + share * (self.high - self.low))

    def quantile(self, q: float) -> float:
        """Return the ``q`` quantile as a float."""
        return float(self.ppf(np.array([q]))[0])

    def to_dict(self) -> dict[str, dict[str, float]]:
        """Return the spec in the scenario's form."""
        return {"chance": {"p": self.p, "low": self.low, "high": self.high}}


Distribution: TypeAlias = Lognormal | Normal | Uniform | Triangular | Chance
"""Any of the supported marginal distributions."""


def _number(kind: str, key: str, value: object) -> float:
    """Read one numeric parameter; YAML 1.1 strings such as ``"2.5e11"`` are accepted."""
    if isinstance(value, bool):
        raise DistributionError(f"{kind}.{key} must be a number, not a boolean ({value!r})")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise DistributionError(
                f"{kind}.{key} must be a number (got the text {value!r}); write it as e.g. "
                "2.5 or 2.5e11"
            ) from None
    else:
        raise DistributionError(
            f"{kind}.{key} must be a number (got {type(value).__name__} {value!r})"
        )
    if not math.isfinite(number):
        raise DistributionError(f"{kind}.{key} must be finite (got {value!r})")
    return number


def _params(kind: str, body: object, allowed: tuple[tuple[str, ...], ...]) -> dict[str, float]:
    """Check that ``body`` is a mapping whose keys form exactly one allowed set."""
    if not isinstance(body, Mapping):
        raise DistributionError(
            f"{kind} needs a mapping of parameters (got {type(body).__name__} {body!r}), "
            f"e.g. {_EXAMPLES[kind]}"
        )
    keys = {str(k) for k in body}
    for option in allowed:
        if keys == set(option):
            return {k: _number(kind, k, body[k]) for k in option}
    wanted = " or ".join("{" + ", ".join(o) + "}" for o in allowed)
    unknown = sorted(keys - {k for o in allowed for k in o})
    detail = (
        f"unknown key(s) {', '.join(unknown)}" if unknown else f"got {{{', '.join(sorted(keys))}}}"
    )
    raise DistributionError(f"{kind} takes exactly {wanted} ({detail}), e.g. {_EXAMPLES[kind]}")


def parse_distribution(raw: object) -> Distribution:
    """Parse one uncertainty spec such as ``{"lognormal": {"p50": 2.5, "p90": 4.0}}``.

    Args:
        raw: A one-key mapping from the distribution kind to its parameters, or an
            already-built distribution (returned unchanged).

    Returns:
        The distribution.

    Raises:
        DistributionError: (a ``ValueError``) saying what is wrong and how to fix it.

    """
    if isinstance(raw, Lognormal | Normal | Uniform | Triangular | Chance):
        return raw
    kinds = ", ".join(_KINDS)
    if not isinstance(raw, Mapping):
        raise DistributionError(
            f"an uncertainty spec must be a mapping with one key among {kinds} "
            f"(got {type(raw).__name__} {raw!r}), e.g. {_EXAMPLES['lognormal']}"
        )
    if len(raw) != 1:
        raise DistributionError(
            f"an uncertainty spec must have exactly one key among {kinds} "
            f"(got {len(raw)}: {', '.join(map(str, raw)) or 'none'})"
        )
    ((kind_raw, body),) = raw.items()
    kind = str(kind_raw).strip().lower()
    if kind == "lognormal":
        p = _params(kind, body, (("p50", "p90"),))
        return Lognormal(p50=p["p50"], p90=p["p90"])
    if kind == "normal":
        p = _params(kind, body, (("mean", "sd"), ("p50", "p90")))
        if "mean" in p:
            return Normal(mean=p["mean"], sd=p["sd"])
        return Normal.from_percentiles(p["p50"], p["p90"])
    if kind == "uniform":
        p = _params(kind, body, (("low", "high"),))
        return Uniform(low=p["low"], high=p["high"])
    if kind == "triangular":
        p = _params(kind, body, (("low", "mode", "high"),))
        return Triangular(low=p["low"], mode=p["mode"], high=p["high"])
    if kind == "chance":
        p = _params(kind, body, (("p", "low", "high"),))
        return Chance(p=p["p"], low=p["low"], high=p["high"])
    raise DistributionError(f"unknown distribution {kind_raw!r}; use one of {kinds}")


def spearman_to_pearson(rho: FloatArray | float) -> FloatArray:
    """Return the normal-copula Pearson correlation ``2 sin(pi rho / 6)`` for Spearman ``rho``."""
    return np.asarray(2.0 * np.sin(np.pi * np.asarray(rho, dtype=np.float64) / 6.0))


def _correlation_matrix(
    names: list[str], rank_correlation: Mapping[tuple[str, str], float]
) -> FloatArray:
    """Build the latent Pearson correlation matrix from pairwise Spearman requests."""
    index = {name: i for i, name in enumerate(names)}
    spearman = np.eye(len(names))
    given: dict[frozenset[str], float] = {}
    for pair, value in rank_correlation.items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise DistributionError(
                f"rank correlations are keyed by a pair of parameter names (got {pair!r})"
            )
        a, b = pair
        for name in (a, b):
            if name not in index:
                raise DistributionError(
                    f"rank correlation names {name!r}, which has no distribution; "
                    f"known parameters: {', '.join(names) or 'none'}"
                )
        if a == b:
            raise DistributionError(f"rank correlation of {a!r} with itself is always 1; drop it")
        rho = _number("rank_correlation", f"{a}~{b}", value)
        if not -1.0 < rho < 1.0:
            raise DistributionError(
                f"rank correlation {a!r}~{b!r} must lie strictly between -1 and 1 (got {rho}); "
                "for a perfect dependence derive one parameter from the other instead"
            )
        key = frozenset((a, b))
        if key in given and given[key] != rho:
            raise DistributionError(
                f"rank correlation {a!r}~{b!r} is given twice with different values "
                f"({given[key]} and {rho}); keep one"
            )
        given[key] = rho
        spearman[index[a], index[b]] = spearman[index[b], index[a]] = rho
    pearson = spearman_to_pearson(spearman)
    np.fill_diagonal(pearson, 1.0)
    return pearson


def sample(
    dists: Mapping[str, Distribution],
    n: int,
    rng: np.random.Generator,
    rank_correlation: Mapping[tuple[str, str], float] | None = None,
) -> dict[str, FloatArray]:
    """Draw ``n`` joint samples with the given marginals and Spearman rank correlations.

    Args:
        dists: Parameter name to marginal distribution.
        n: Number of samples (at least 1).
        rng: Random generator; the result is a deterministic function of its state.
        rank_correlation: Optional Spearman correlations keyed by ``(name_a, name_b)``;
            pairs not given are uncorrelated (in the copula).

    Returns:
        Parameter name to an array of ``n`` samples, in the order of ``dists``.

    Raises:
        DistributionError: (a ``ValueError``) if ``n < 1``, a correlation names an unknown
            parameter or lies outside (-1, 1), or the correlations are mutually
            inconsistent (the copula correlation matrix is not positive definite).

    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise DistributionError(f"the number of samples must be a positive integer (got {n!r})")
    names = list(dists)
    if not names:
        return {}
    pearson = _correlation_matrix(names, rank_correlation or {})
    try:
        chol = np.linalg.cholesky(pearson)
    except np.linalg.LinAlgError:
        smallest = float(np.linalg.eigvalsh(pearson).min())
        raise DistributionError(
            "the requested rank correlations are mutually inconsistent: the copula "
            f"correlation matrix is not positive definite (smallest eigenvalue {smallest:.3g}). "
            "Weaken some correlations, e.g. if A~B and B~C are strongly positive, "
            "A~C cannot be strongly negative"
        ) from None
    from scipy.special import ndtr

    latent = rng.standard_normal((int(n), len(names))) @ chol.T
    u = np.asarray(ndtr(latent), dtype=np.float64)
    # Keep u inside the open interval so unbounded ppfs stay finite.
    tiny = np.finfo(np.float64).tiny
    u = np.clip(u, tiny, np.nextafter(1.0, 0.0))
    return {name: dists[name].ppf(u[:, j]) for j, name in enumerate(names)}
