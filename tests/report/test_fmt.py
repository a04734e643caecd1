"""Percentages as people read them: no negative zero from solver noise."""

from __future__ import annotations

import math

import pytest

from gigawatt.compare.words import percent
from gigawatt.report.fmt import pct


@pytest.mark.parametrize("noise", [-1e-12, -1e-6, -0.004])
def test_a_share_a_hair_below_zero_prints_as_zero(noise: float) -> None:
    assert pct(noise) == "0%"
    assert percent(noise) == "0%"


def test_a_share_below_zero_at_the_shown_digits_keeps_its_sign() -> None:
    assert pct(-0.006) == "-1%"
    assert pct(-0.0004, 1) == "0.0%"
    assert pct(-0.0006, 1) == "-0.1%"
    assert percent(-0.006) == "-1%"


def test_shares_and_undefined_values() -> None:
    assert pct(0.634) == "63%"
    assert pct(0.9987, 1) == "99.9%"
    assert pct(math.nan) == "n/a"
    assert percent(math.inf) == "n/a"
