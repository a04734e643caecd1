"""Funding under uncertainty (issue #20, step 5): a round that may fail, a cash floor.

Hand-worked: $5M of cash, $1M of other opex a month, compute free, no revenue; a $10M
round in month 6 (2025-06) that arrives with probability 1/2 (``chance``); a $1M floor.
Cash at the end of month i (0-based) is 4M - i x 1M, plus 10M from i = 5 if the round
arrives: below the floor from i = 4 in every sample, and from i = 5 on only where the
round failed. The funding needed to stay above the floor is 1M - min cash: 1M with the
round (min 0 at i = 4), 8M without (min -7M at i = 11).
"""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.forecast import run_forecast
from gigawatt.scenario import parse_scenario
from gigawatt.scenario.distributions import Chance, DistributionError, parse_distribution

ROUND = """
name: round
horizon: {start: 2025-01, months: 12}
accelerators: {X: {peak_flops: 1.0e15, facility_watts: 1000}}
providers: {p: {kind: cloud}}
sites:
  s: {provider: p, offers: [{accelerator: X, pricing: on_demand, usd_per_hour: 0,
                             available: 100}]}
workloads: [{name: api, kind: inference, demand_flops: 1.0e15}]
finance:
  cash_usd: 5.0e6
  cash_floor_usd: 1.0e6
  other_opex_usd_per_month: 1.0e6
  funding: [{month: 2025-06, usd: 1.0e7}]
uncertainty:
  finance.funding[0].usd: {chance: {p: 0.5, low: 1.0e7, high: 1.0e7}}
"""


def test_chance_inverse_cdf() -> None:
    d = parse_distribution({"chance": {"p": 0.8, "low": 1.0, "high": 3.0}})
    assert d == Chance(0.8, 1.0, 3.0)
    u = np.array([0.0, 0.1, 0.1999, 0.2, 0.6, 1.0])
    assert d.ppf(u) == pytest.approx([0, 0, 0, 1.0, 2.0, 3.0])
    assert d.to_dict() == {"chance": {"p": 0.8, "low": 1.0, "high": 3.0}}


@pytest.mark.parametrize(
    "spec",
    [{"chance": {"p": 0, "low": 1, "high": 2}}, {"chance": {"p": 0.5, "low": 3, "high": 2}}],
)
def test_bad_chance_says_how_to_fix(spec: dict[str, dict[str, float]]) -> None:
    with pytest.raises(DistributionError, match="chance needs"):
        parse_distribution(spec)


def test_a_round_that_may_fail_against_the_floor() -> None:
    result = run_forecast(parse_scenario(ROUND), samples=4000, seed=3)
    p = result.probabilities["p_cash_negative"].to_numpy()
    assert p[:4] == pytest.approx(0.0)
    assert p[4] == pytest.approx(1.0)
    arrived = 1.0 - p[5]
    assert arrived == pytest.approx(0.5, abs=0.03)  # 4,000 draws: sd 0.8%
    assert p[5:] == pytest.approx(np.full(7, p[5]))
    funding = result.summary["funding_needed_usd"]
    # half the samples need 1M, half 8M: the median is one of them, the p90 is 8M
    assert funding["p90"] == pytest.approx(8.0e6, rel=1e-9)
    assert funding["p50"] in (pytest.approx(1.0e6, rel=1e-9), pytest.approx(8.0e6, rel=1e-9))
