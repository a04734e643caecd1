"""Marginals, the Gaussian copula and the spec parser of gigawatt.scenario.distributions.

Monte Carlo tolerances. For a sample of size n, the number of draws at or below the
true p-quantile x_p is Binomial(n, p), with standard error se = sqrt(p (1 - p) / n) in
probability. The true quantile therefore lies between the empirical (p - k se) and
(p + k se) quantiles except with probability about 2 Phi(-k); with k = 5 a false failure
has probability ~6e-7 per check, so the tests are not flaky, while a wrong sigma or a
wrong z-constant (errors of a few percent in x_p) is far outside the band at n = 200k.

For Spearman's rho, the standard error at n = 200k is about (1 - rho^2) / sqrt(n)
<= 0.0023; a tolerance of 0.01 is over 4 standard errors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from gigawatt.scenario.distributions import (
    Distribution,
    DistributionError,
    Lognormal,
    Normal,
    Triangular,
    Uniform,
    parse_distribution,
    sample,
    spearman_to_pearson,
)

N = 200_000
K_SE = 5.0

# Reference quantiles computed with scipy.stats, independently of our ppf code.
CASES: list[tuple[str, Distribution, Any]] = [
    (
        "lognormal",
        Lognormal(p50=2.5, p90=4.0),
        stats.lognorm(s=math.log(4.0 / 2.5) / stats.norm.ppf(0.9), scale=2.5),
    ),
    ("normal", Normal(mean=1.0, sd=0.2), stats.norm(loc=1.0, scale=0.2)),
    ("uniform", Uniform(low=0.3, high=0.5), stats.uniform(loc=0.3, scale=0.2)),
    (
        "triangular",
        Triangular(low=0.2, mode=0.3, high=0.6),
        stats.triang(c=(0.3 - 0.2) / 0.4, loc=0.2, scale=0.4),
    ),
]


def _assert_quantile(x: np.ndarray, p: float, expected: float) -> None:
    se = math.sqrt(p * (1 - p) / x.size)
    lo, hi = np.quantile(x, [p - K_SE * se, p + K_SE * se])
    assert lo <= expected <= hi, f"q{p}: expected {expected} outside [{lo}, {hi}]"


@pytest.mark.parametrize(("name", "dist", "ref"), CASES, ids=[c[0] for c in CASES])
def test_p50_p90_within_monte_carlo_error(name: str, dist: Distribution, ref: Any) -> None:
    draws = sample({name: dist}, N, np.random.default_rng(1))[name]
    assert draws.shape == (N,)
    for p in (0.5, 0.9, 0.1):
        _assert_quantile(draws, p, float(ref.ppf(p)))


def test_lognormal_spec_values_are_its_percentiles() -> None:
    d = parse_distribution({"lognormal": {"p50": 2.5, "p90": 4.0}})
    assert d.quantile(0.5) == pytest.approx(2.5, rel=1e-12)
    assert d.quantile(0.9) == pytest.approx(4.0, rel=1e-12)
    draws = sample({"g": d}, N, np.random.default_rng(7))["g"]
    _assert_quantile(draws, 0.5, 2.5)
    _assert_quantile(draws, 0.9, 4.0)


def test_normal_from_percentiles() -> None:
    d = parse_distribution({"normal": {"p50": 1.0, "p90": 1.3}})
    assert isinstance(d, Normal)
    assert d.mean == 1.0
    assert d.quantile(0.9) == pytest.approx(1.3, rel=1e-12)


def test_marginals_stay_exact_under_correlation() -> None:
    dists: dict[str, Distribution] = {name: dist for name, dist, _ in CASES}
    corr = {("lognormal", "normal"): 0.6, ("uniform", "triangular"): -0.5}
    draws = sample(dists, N, np.random.default_rng(3), corr)
    for name, _, ref in CASES:
        for p in (0.5, 0.9):
            _assert_quantile(draws[name], p, float(ref.ppf(p)))


def test_rank_correlations_reproduced() -> None:
    dists: dict[str, Distribution] = {
        "a": Lognormal(2.5, 4.0),
        "b": Normal(0.0, 1.0),
        "c": Triangular(0.0, 0.1, 1.0),
        "d": Uniform(-1.0, 1.0),
    }
    wanted = {("a", "b"): 0.7, ("a", "c"): -0.4, ("b", "c"): -0.2, ("c", "d"): 0.3}
    draws = sample(dists, N, np.random.default_rng(11), wanted)
    for (x, y), rho in wanted.items():
        got = stats.spearmanr(draws[x], draws[y]).statistic
        assert got == pytest.approx(rho, abs=0.01), (x, y)
    # A pair not requested, such as (a, d), has latent correlation 0: independent.
    assert stats.spearmanr(draws["a"], draws["d"]).statistic == pytest.approx(0.0, abs=0.01)


def test_independent_by_default_and_deterministic() -> None:
    dists: dict[str, Distribution] = {"x": Uniform(0.0, 1.0), "y": Normal(0.0, 1.0)}
    first = sample(dists, 50_000, np.random.default_rng(5))
    again = sample(dists, 50_000, np.random.default_rng(5))
    np.testing.assert_array_equal(first["x"], again["x"])
    np.testing.assert_array_equal(first["y"], again["y"])
    assert abs(stats.spearmanr(first["x"], first["y"]).statistic) < 0.02


def test_spearman_to_pearson() -> None:
    assert float(spearman_to_pearson(0.0)) == 0.0
    assert float(spearman_to_pearson(1.0)) == pytest.approx(1.0)
    assert float(spearman_to_pearson(0.5)) == pytest.approx(2 * math.sin(math.pi / 12))


def test_inconsistent_correlations_raise() -> None:
    dists = {k: Normal(0.0, 1.0) for k in "abc"}
    bad = {("a", "b"): 0.9, ("b", "c"): 0.9, ("a", "c"): -0.9}
    with pytest.raises(ValueError, match="positive definite"):
        sample(dists, 10, np.random.default_rng(0), bad)


@pytest.mark.parametrize(
    ("corr", "fragment"),
    [
        ({("a", "z"): 0.5}, "no distribution"),
        ({("a", "a"): 0.5}, "itself"),
        ({("a", "b"): 1.0}, "strictly between -1 and 1"),
        ({("a", "b"): 0.5, ("b", "a"): 0.4}, "given twice"),
    ],
)
def test_bad_correlation_requests(corr: dict[tuple[str, str], float], fragment: str) -> None:
    dists = {"a": Normal(0.0, 1.0), "b": Normal(0.0, 1.0)}
    with pytest.raises(ValueError, match=fragment):
        sample(dists, 10, np.random.default_rng(0), corr)


def test_bad_sample_size() -> None:
    with pytest.raises(ValueError, match="positive integer"):
        sample({"a": Normal(0.0, 1.0)}, 0, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"lognormal": {"p50": 4.0, "p90": 2.5}}, "p90 > p50 > 0"),
        ({"lognormal": {"p50": -1.0, "p90": 2.5}}, "p90 > p50 > 0"),
        ({"lognormal": {"p50": 2.5}}, "takes exactly {p50, p90}"),
        ({"lognormal": {"p50": 2.5, "p90": 4.0, "p99": 9.0}}, "unknown key"),
        ({"lognormal": {"p50": "abc", "p90": 4.0}}, "must be a number"),
        ({"lognormal": {"p50": True, "p90": 4.0}}, "not a boolean"),
        ({"lognormal": [2.5, 4.0]}, "needs a mapping"),
        ({"normal": {"mean": 1.0, "sd": 0.0}}, "sd > 0"),
        ({"normal": {"p50": 1.0, "p90": 0.5}}, "p90 > p50"),
        ({"normal": {"mean": 1.0, "p90": 0.5}}, "takes exactly"),
        ({"uniform": {"low": 1.0, "high": 0.5}}, "high > low"),
        ({"triangular": {"low": 0.0, "mode": 2.0, "high": 1.0}}, "low <= mode <= high"),
        ({"beta": {"a": 1, "b": 2}}, "unknown distribution"),
        ({"normal": {"mean": 1, "sd": 1}, "uniform": {"low": 0, "high": 1}}, "exactly one key"),
        (3.0, "must be a mapping"),
        ({"normal": {"mean": float("nan"), "sd": 1.0}}, "finite"),
    ],
)
def test_bad_specs_raise_helpful_value_errors(raw: object, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_distribution(raw)
    assert fragment in str(info.value)
    assert isinstance(info.value, DistributionError)


def test_parse_accepts_yaml11_numeric_strings_and_round_trips() -> None:
    d = parse_distribution({"lognormal": {"p50": "2.5e11", "p90": 4e11}})
    assert d == Lognormal(2.5e11, 4e11)
    for _, dist, _ in CASES:
        assert parse_distribution(dist.to_dict()) == dist
        assert parse_distribution(dist) is dist


# ----------------------------------------------------------------- property tests

positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)
reals = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
spreads = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False)


@st.composite
def distributions(draw: st.DrawFn) -> Distribution:
    kind = draw(st.sampled_from(["lognormal", "normal", "uniform", "triangular"]))
    if kind == "lognormal":
        p50 = draw(positive)
        return Lognormal(p50, p50 * (1 + draw(spreads)))
    if kind == "normal":
        return Normal(draw(reals), draw(spreads))
    low = draw(reals)
    high = low + draw(spreads)
    if kind == "uniform":
        return Uniform(low, high)
    mode = low + draw(st.floats(min_value=0.0, max_value=1.0)) * (high - low)
    return Triangular(low, min(max(mode, low), high), high)


@settings(max_examples=200, deadline=None)
@given(
    dist=distributions(),
    u=st.lists(st.floats(min_value=1e-12, max_value=1 - 1e-12), min_size=2, max_size=50),
)
def test_ppf_is_monotone(dist: Distribution, u: list[float]) -> None:
    grid = np.sort(np.asarray(u))
    values = dist.ppf(grid)
    assert np.all(np.isfinite(values))
    assert np.all(np.diff(values) >= 0)
