"""Radix selection of gigawatt.forecast.selection against a full sort (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.forecast.selection import order_statistics


def _rows(n: int, rng: np.random.Generator) -> np.ndarray:
    rows = [
        rng.random(n),
        np.exp(3 * rng.standard_normal(n)),  # skewed over many octaves
        1e9 + rng.random(n) * 1e3,  # narrow: differs in the last mantissa bits
        1e9 * rng.standard_normal(n) - 3e8,  # both signs (cash)
        np.where(rng.random(n) < 0.6, 0.0, rng.random(n)),  # a mass at zero
        np.where(rng.random(n) < 0.53, 2.4e22, 2.4e22 - 4e20 * rng.random(n)),  # at the top
        np.where(rng.random(n) < 0.5, -0.0, 0.0),  # signed zeros
        np.round(5 * rng.random(n)) - 2,  # few distinct values
        np.where(rng.random(n) < 0.97, 1.0, 100 * rng.random(n)),
        -np.exp(rng.standard_normal(n)),
        np.full(n, 3.0),
        np.where(rng.random(n) < 0.5, np.float32(np.finfo(np.float32).max), -1e-30),
    ]
    return np.stack(rows).astype(np.float32)


@pytest.mark.parametrize("n", [1, 2, 3, 63, 64, 65, 1000, 4097, 100_001])
@pytest.mark.parametrize("workers", [1, 2])
def test_equal_to_sorted_rows(n: int, workers: int) -> None:
    rng = np.random.default_rng(n)
    data = _rows(n, rng)
    ranks = np.unique(np.linspace(0, n - 1, 11).astype(np.int64))
    got, sums = order_statistics(data, ranks, workers)
    expected = np.sort(data, axis=1)[:, ranks]
    # equal values; -0.0 and 0.0 may come out either way round
    np.testing.assert_array_equal(got, expected)
    exact = data.astype(np.float64).sum(axis=1)
    bound = n * np.finfo(np.float64).eps * np.abs(data).astype(np.float64).sum(axis=1)
    assert np.all(np.abs(sums - exact) <= bound)


def test_every_rank_of_a_tied_row() -> None:
    rng = np.random.default_rng(7)
    row = rng.choice(np.array([-1.5, 0.0, 2.0, 2.0000002, 7.0], dtype=np.float32), size=5000)
    ranks = np.arange(5000, dtype=np.int64)
    got = order_statistics(row[None, :], ranks)[0][0]
    np.testing.assert_array_equal(got, np.sort(row))


def test_empty_rank_list_and_rows() -> None:
    assert order_statistics(np.zeros((0, 5), np.float32), np.array([1]))[0].shape == (0, 1)
    none, sums = order_statistics(np.ones((3, 5), np.float32), np.zeros(0, np.int64))
    assert none.shape == (3, 0)
    np.testing.assert_array_equal(sums, [5.0, 5.0, 5.0])


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_selected_rows_only_are_read(workers: int) -> None:
    rng = np.random.default_rng(workers)
    data = rng.standard_normal((6, 5000)).astype(np.float32)
    ranks = np.array([0, 249, 2500, 4999])
    full, full_sums = order_statistics(data, ranks)
    rows = np.array([1, 4, 5])
    garbage = data.copy()
    garbage[[0, 2, 3]] = np.nan  # not selected: must not be read
    got, sums = order_statistics(garbage, ranks, workers, rows)
    np.testing.assert_array_equal(got[rows], full[rows])
    np.testing.assert_array_equal(sums[rows], full_sums[rows])
    assert (got[[0, 2, 3]] == 0).all() and (sums[[0, 2, 3]] == 0).all()
