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

# a year of free compute, enough for the demand
FREE = """
horizon: {start: 2025-01, months: 12}
accelerators: {X: {peak_flops: 1.0e15, facility_watts: 1000}}
providers: {p: {kind: cloud}}
sites:
  s: {provider: p, offers: [{accelerator: X, pricing: on_demand, usd_per_hour: 0,
                             available: 100}]}
"""

ROUND = (
    """
name: round
"""
    + FREE
    + """
workloads: [{name: api, kind: inference, demand_flops: 1.0e15}]
finance:
  cash_usd: 5.0e6
  cash_floor_usd: 1.0e6
  other_opex_usd_per_month: 1.0e6
  funding: [{month: 2025-06, usd: 1.0e7}]
uncertainty:
  finance.funding[0].usd: {chance: {p: 0.5, low: 1.0e7, high: 1.0e7}}
"""
)


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
    # the gap's distribution: two values, 1M (round arrived) and 8M (failed), half each
    assert funding["p5"] == pytest.approx(1.0e6, rel=1e-9)
    assert funding["p95"] == pytest.approx(8.0e6, rel=1e-9)
    assert funding["mean"] == pytest.approx(1.0e6 + 7.0e6 * (1.0 - arrived), rel=1e-9)
    # below the floor in some month of 2025: every sample (month 4)
    assert result.summary["p_cash_negative_by_year"] == {"2025": pytest.approx(1.0)}


CAPPED_SHARE = (
    """
name: capped-share
"""
    + FREE
    + """
workloads: [{name: api, kind: inference, demand_flops: 1.0e15, utilization: 0.5,
             revenue_usd_per_month: 1.0e6, tags: [api]}]
contracts:
  - name: partner
    counterparty: p
    clauses:
      - {type: revenue_share, percent: 10, tags: [api], cap_usd: 4.5e5}
finance:
  cash_usd: 0
  cash_floor_usd: 1.155e7
uncertainty:
  contracts.partner.clauses[0].cap_usd: {uniform: {low: 3.0e5, high: 6.0e5}}
"""
)


def test_an_unknown_revenue_share_cap_is_sampled() -> None:
    # All demand served at no cost: $1M of revenue a month, 10% of it ($100k) shared
    # until the cap C is paid (C <= $1.2M, the year's share). Cash at month i (0-based) is
    # (i + 1) x 1M - min(C, (i + 1) x 100k): the last month ends at 12M - C, below the
    # $11.55M floor exactly when C > $450k, the middle of C's range: P = 1/2. Earlier
    # months are below it in every sample.
    result = run_forecast(parse_scenario(CAPPED_SHARE), samples=4000, seed=5)
    p = result.probabilities["p_cash_negative"].to_numpy()
    assert p[:11] == pytest.approx(np.ones(11))
    assert p[11] == pytest.approx(0.5, abs=0.03)  # 4,000 draws: sd 0.8%
    share = result.band("revenue_share_usd")
    # the first three months pay $100k each whatever C (C >= $300k)
    assert share["p50"].to_numpy()[:3] == pytest.approx(np.full(3, 1.0e5), rel=1e-9)
    assert share["p5"].to_numpy()[-1] == pytest.approx(0.0, abs=1e-6)  # cap reached


def test_below_the_floor_per_year_counts_each_sample_once_a_year() -> None:
    # ROUND over two years with a second $21M round in 2026-01, also arriving half the
    # time (A, B: each round arrived or not). 2026's month j (1..12) ends at
    # 5M - (12 + j) x 1M + 10M A + 21M B: with B it stays >= 2M, above the $1M floor;
    # without it, below the floor in 2026-01 only when A failed too (P 1/4) and from
    # 2026-03 on whatever A (10M < 8M + j). So P(below the floor in some month of 2026)
    # = P(no B) = 1/2, neither the first month's 1/4 nor the cumulative 1 (every sample
    # is below the floor in 2025-05).
    text = (
        ROUND.replace("months: 12", "months: 24").replace(
            "funding: [{month: 2025-06, usd: 1.0e7}]",
            "funding: [{month: 2025-06, usd: 1.0e7}, {month: 2026-01, usd: 2.1e7}]",
        )
        + "  finance.funding[1].usd: {chance: {p: 0.5, low: 2.1e7, high: 2.1e7}}\n"
    )
    result = run_forecast(parse_scenario(text), samples=4000, seed=3)
    by_year = result.summary["p_cash_negative_by_year"]
    assert by_year["2025"] == pytest.approx(1.0)
    assert by_year["2026"] == pytest.approx(0.5, abs=0.03)  # 4,000 draws: sd 0.8%
    p = result.probabilities["p_cash_negative"].to_numpy()
    assert p[12] == pytest.approx(0.25, abs=0.03)
    assert p[14:] == pytest.approx(np.full(10, by_year["2026"]))
