"""The figures of a decision against independent definitions."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.decide.metrics import Risk, cvar, quantile, risk_value
from gigawatt.errors import InputError


@pytest.mark.parametrize("seed", range(5))
def test_cvar_is_the_mean_of_the_worst_tail(seed: int) -> None:
    # equal weights and (1 - alpha) S whole: the mean of the k largest values
    rng = np.random.default_rng(seed)
    values = rng.normal(size=20)
    weights = np.full(20, 1 / 20)
    for k in (1, 4, 10, 20):
        alpha = 1 - k / 20
        assert cvar(values, weights, alpha) == pytest.approx(np.sort(values)[-k:].mean())


def test_cvar_splits_a_future_at_the_level() -> None:
    # worst 25% of [1 (p=.5), 2 (p=.3), 10 (p=.2)]: all of 10 and 0.05 of 2
    values, weights = np.array([1.0, 2.0, 10.0]), np.array([0.5, 0.3, 0.2])
    assert cvar(values, weights, 0.75) == pytest.approx((0.2 * 10 + 0.05 * 2) / 0.25)
    assert quantile(values, weights, 0.5) == 1.0 and quantile(values, weights, 0.51) == 2.0


def test_risk_mixes_expectation_and_cvar() -> None:
    values, weights = np.array([1.0, 3.0]), np.array([0.5, 0.5])
    assert risk_value(values, weights, Risk(0.5, 0.0)) == pytest.approx(2.0)
    assert risk_value(values, weights, Risk(0.5, 1.0)) == pytest.approx(3.0)
    assert risk_value(values, weights, Risk(0.5, 0.25)) == pytest.approx(0.75 * 2 + 0.25 * 3)


@pytest.mark.parametrize(("alpha", "weight"), [(1.0, 0.0), (-0.1, 0.0), (0.9, 1.5)])
def test_bad_risk_settings_are_refused(alpha: float, weight: float) -> None:
    with pytest.raises(InputError, match="--cvar"):
        Risk(alpha, weight)
