"""Band stores and rank correlations of gigawatt.forecast.stats."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from gigawatt.forecast.stats import (
    QUANTILES,
    ExactStore,
    HistogramStore,
    RangeStore,
    linear_quantiles,
    spearman,
    spearman_columns,
)


def _rows(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    return [
        rng.random(n),
        np.exp(3 * rng.standard_normal(n)),
        np.where(rng.random(n) < 0.6, 0.0, rng.random(n)),  # a mass at zero (no shortfall)
        np.round(5 * rng.random(n)),  # few distinct values
        np.where(rng.random(n) < 0.97, 1.0, 100 * rng.random(n)),
        -np.exp(rng.standard_normal(n)),  # negative cash
    ]


@pytest.mark.parametrize("n", [1, 2, 10, 1000, 40_000, 100_001])
def test_selection_is_numpys_linear_quantile(n: int) -> None:
    rng = np.random.default_rng(n)
    for row in _rows(n, rng):
        row32 = row.astype(np.float32)
        expected = np.quantile(row32.astype(np.float64), QUANTILES)
        got, mean = linear_quantiles(row32[None, :], QUANTILES)
        np.testing.assert_allclose(got[:, 0], expected, rtol=1e-12, atol=0)
        scale = float(np.abs(row32).max())
        np.testing.assert_allclose(
            mean[0], row32.astype(np.float64).mean(), rtol=1e-12, atol=1e-15 * scale
        )


def test_exact_store_skips_constant_months_and_streams_chunks() -> None:
    rng = np.random.default_rng(0)
    values = rng.random((3, 1000))
    values[1] = 7.0
    store = ExactStore(1000, 3)
    for a in range(0, 1000, 300):
        store.add(a, values[:, a : a + 300], min(300, 1000 - a))
    q = store.quantiles()
    np.testing.assert_allclose(q[:, 0], np.quantile(values[0].astype(np.float32), QUANTILES))
    assert (q[:, 1] == 7.0).all()
    np.testing.assert_allclose(store.mean(), values.mean(axis=1), rtol=1e-6)
    broadcast = ExactStore(10, 2)
    broadcast.add(0, np.array([[1.0], [2.0]]), 10)  # a [T, 1] chunk fills every sample
    assert (broadcast.values() == np.array([[1.0], [2.0]], dtype=np.float32)).all()


def test_histogram_store_is_within_one_bin() -> None:
    rng = np.random.default_rng(1)
    values = np.stack([rng.random(50_000), np.exp(rng.standard_normal(50_000)), np.zeros(50_000)])
    ranges = RangeStore(3)
    ranges.add(0, values, 50_000)
    store = HistogramStore(50_000, ranges.low, ranges.high)
    for a in range(0, 50_000, 7000):
        store.add(a, values[:, a : a + 7000], min(7000, 50_000 - a))
    got = store.quantiles()
    want = np.quantile(values, QUANTILES, axis=1)
    width = (ranges.high - ranges.low) / 4096
    assert (np.abs(got - want) <= width[None, :] + 1e-12).all()
    np.testing.assert_allclose(store.mean(), values.mean(axis=1), rtol=1e-12)


def test_spearman_matches_scipy() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((500, 3))
    y = np.exp(x[:, 0]) - 0.5 * x[:, 1] + 0.1 * rng.standard_normal(500)
    for j in range(3):
        assert spearman(x, y)[j] == pytest.approx(stats.spearmanr(x[:, j], y).statistic)
    assert spearman(x, np.ones(500)).tolist() == [0.0, 0.0, 0.0]
    both = spearman_columns(x, [y, -y])
    for j in range(3):
        assert both[0][j] == pytest.approx(stats.spearmanr(x[:, j], y).statistic)
    np.testing.assert_array_equal(both[1], -both[0])


def _stored_every_value(values: np.ndarray, chunk: int) -> ExactStore:
    store = ExactStore(values.shape[1], values.shape[0])
    for a in range(0, values.shape[1], chunk):
        b = min(a + chunk, values.shape[1])
        block = values[:, a:b]
        # a row equal in the whole chunk comes as [T, 1], as the forecast's chunks do
        same = (block == block[:, :1]).all(axis=1)
        store.add(a, block[:, :1] if same.all() else block, b - a)
    return store


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_exact_store_keeps_constant_rows_unwritten_and_equals_storing_everything(
    chunk: int,
) -> None:
    """Rows constant so far, then varying (late, at the first or last sample), stay exact.

    Oracle: numpy's quantile and float64 mean of every value rounded to float32.
    """
    rng = np.random.default_rng(chunk)
    n = 1000
    values = np.empty((7, n))
    values[0] = 3.5  # constant throughout
    values[1] = 2.0
    values[1, 999] = 5.0  # varies only at the last sample
    values[2] = 1.0
    values[2, 0] = -1.0  # only at the first
    values[3] = rng.random(n)  # always varying
    values[4] = 0.0
    values[4, 500:] = rng.random(500)  # constant for half the run
    values[5] = 0.1  # constant, not exactly a float32: rounded like every stored value
    values[6] = -0.0
    store = _stored_every_value(values, chunk)
    assert store.varying().tolist() == [False, True, True, True, True, False, False]
    expected = values.astype(np.float32)
    assert (store.values() == expected).all()
    q = store.quantiles(workers=2)
    want = np.quantile(expected.astype(np.float64), QUANTILES, axis=1)
    np.testing.assert_array_equal(q, want)
    assert np.signbit(q[:, 6]).all()  # -0.0 kept as stored
    mean = store.mean()
    np.testing.assert_allclose(mean, expected.astype(np.float64).mean(axis=1), rtol=1e-12)
    full = ExactStore(n, 7)
    full.data[:] = expected
    full.state[:] = 2  # every row varying: the selection reads every stored value
    np.testing.assert_array_equal(full.quantiles(), q)
    np.testing.assert_array_equal(full.mean(), mean)  # same sums, constant rows included


def test_exact_store_leaves_constant_rows_untouched() -> None:
    store = ExactStore(100, 3)
    store.data[:] = np.nan  # a constant row is never written, so this stays
    store.add(0, np.array([[1.0], [2.0], [3.0]]), 50)
    store.add(50, np.vstack([np.ones(50), np.full(50, 2.0), np.arange(50.0)]), 50)
    assert np.isnan(store.data[:2]).all()
    assert (store.data[2, :50] == 3.0).all() and (store.data[2, 50:] == np.arange(50)).all()
