"""Compiled month-by-month recurrences and the blocked merit-order loop, against plain loops."""

from __future__ import annotations

import numpy as np
from test_montecarlo import fast_outputs, small

from gigawatt.forecast.fillkernel import BLOCK
from gigawatt.forecast.recurrences import (
    add_served,
    cash_balance,
    first_months,
    running_product,
    weighted_sum,
)
from gigawatt.scenario import parse_scenario


def test_running_product_equals_a_python_loop() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((30, 17)) + 0.5
    g = rng.random(17) + 0.5
    expected = x.copy()
    for m in range(8, 30):
        for s in range(17):
            expected[m, s] = expected[m - 1, s] * g[s]
    got = x.copy()
    running_product(got, 7, g)
    np.testing.assert_array_equal(got, expected)


def test_served_revenue_and_cash_equal_numpy_expressions() -> None:
    rng = np.random.default_rng(2)
    t, n = 12, 5
    q = rng.random((t, n))
    full, paid = rng.random((t, 1)) * 1e9, rng.random((t, n)) * 1e8
    revenue, shared = np.zeros((t, n)), np.zeros((t, n))
    for _ in range(2):  # two classes
        add_served(revenue, shared, q, np.broadcast_to(full, (t, n)), paid)
    served = 1.0 - q
    np.testing.assert_array_equal(revenue, (0.0 + served * full) + served * full)
    np.testing.assert_array_equal(shared, (0.0 + served * paid) + served * paid)
    spend, other = rng.random((t, n)) * 1e8, rng.random((t, 1)) * 1e8
    funding, cash0 = np.zeros((t, 1)), rng.random(n) * 1e9
    funding[3] = 2e9
    cash = cash_balance(
        revenue,
        shared,
        spend,
        np.broadcast_to(other, (t, n)),
        np.broadcast_to(funding, (t, n)),
        cash0,
    )
    expected = np.broadcast_to(revenue - shared - spend - other + funding, (t, n)).copy()
    expected[0] += cash0
    for m in range(1, t):
        expected[m] += expected[m - 1]
    np.testing.assert_array_equal(cash, expected)


def test_weighted_sum_is_month_order_and_width_free() -> None:
    rng = np.random.default_rng(1)
    w = rng.random(40) * 1e6
    x = rng.random((40, 9)) * 1e19
    expected = np.zeros(9)
    for m in range(40):
        expected = expected + w[m] * x[m]
    np.testing.assert_array_equal(weighted_sum(w, x), expected)
    for s in range(9):  # one column alone gives the same bits
        assert weighted_sum(w, x[:, s : s + 1])[0] == expected[s]


def test_first_months_counts_each_sample_once() -> None:
    flags = np.array([[0, 1, 0, 0], [1, 1, 0, 0], [1, 0, 0, 1]], dtype=bool)
    counts = np.zeros(3, dtype=np.int64)
    assert first_months(flags, counts) == 3
    np.testing.assert_array_equal(counts, [1, 1, 1])
    # broadcast (zero-stride) input, as the tally passes it
    wide = np.broadcast_to(np.array([[False], [True], [True]]), (3, 5))
    assert first_months(wide, counts) == 5
    np.testing.assert_array_equal(counts, [1, 6, 1])


def test_merit_blocks_do_not_change_results() -> None:
    """A chunk spanning several sample blocks equals small chunks, exactly."""
    scenario = parse_scenario(small(True))
    n = BLOCK + 77
    whole = fast_outputs(scenario, n, seed=4, chunk=n)
    pieces = fast_outputs(scenario, n, seed=4, chunk=64)
    for name, values in whole.items():
        np.testing.assert_array_equal(values, pieces[name], err_msg=name)
    fixed = parse_scenario(small(False))
    whole = fast_outputs(fixed, n, seed=4, chunk=n)
    pieces = fast_outputs(fixed, n, seed=4, chunk=13)
    for name, values in whole.items():
        np.testing.assert_array_equal(values, pieces[name], err_msg=name)
