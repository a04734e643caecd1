"""Revenue share as reported (issue #20, step 4): a declining percent, capped in total.

facts.md A.2/A.3: the share (~20%) was projected to fall over time and, from April 2026,
is paid through 2030 subject to a total cap. Hand-worked fractions, then a plan whose
finance table pays exactly the capped schedule.
"""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.errors import ScenarioError
from gigawatt.plan import SolveOptions, plan
from gigawatt.scenario import parse_scenario
from gigawatt.scenario.rules import revenue_share


def scenario(clause: str, *, months: int = 24) -> str:
    return f"""
name: share
horizon: {{start: 2025-01, months: {months}}}
accelerators:
  X: {{peak_flops: 1.0e15, facility_watts: 1000}}
providers:
  ms: {{kind: cloud}}
sites:
  s:
    provider: ms
    offers:
      - {{accelerator: X, pricing: on_demand, usd_per_hour: 0.1, available: 10000}}
workloads:
  - {{name: api, kind: inference, tags: [api], demand_flops: 5.0e17, utilization: 0.5,
     revenue_usd_per_month: 1.0e6}}
  - {{name: chat, kind: inference, tags: [chat], demand_flops: 5.0e17, utilization: 0.5,
     revenue_usd_per_month: 1.0e6}}
contracts:
  - name: deal
    counterparty: ms
    clauses: [{clause}]
"""


def test_a_declining_percent() -> None:
    s = parse_scenario(
        scenario(
            "{type: revenue_share, percent: 20, tags: [api], decline_per_year: 0.5, from: 2025-01}"
        )
    )
    share = revenue_share(s)
    # month m: 20% x 0.5^(m/12)
    expected = 0.2 * 0.5 ** (np.arange(24) / 12)
    assert share[0] == pytest.approx(expected, rel=1e-12)
    assert share[0, 12] == pytest.approx(0.10)
    assert share[1] == pytest.approx(np.zeros(24))  # chat is not covered


def test_a_decline_counts_from_a_start_before_the_horizon() -> None:
    s = parse_scenario(
        scenario(
            "{type: revenue_share, percent: 20, tags: [api], decline_per_year: 0.5, from: 2024-01}"
        )
    )
    assert revenue_share(s)[0, 0] == pytest.approx(0.10)


def test_a_cap_stops_payments_once_reached() -> None:
    # 20% of $1M = $200k a month; a $500k cap: 200k, 200k, then the remaining 100k
    # (10%), then nothing
    s = parse_scenario(
        scenario("{type: revenue_share, percent: 20, tags: [api, chat], cap_usd: 5.0e5}", months=6)
    )
    share = revenue_share(s)
    # the cap is the clause's: both products' revenue ($2M) count towards it
    assert share[0] == pytest.approx([0.2, 0.05, 0, 0, 0, 0])
    assert share[1] == pytest.approx([0.2, 0.05, 0, 0, 0, 0])
    p = plan(s, SolveOptions(duals=False))
    fin = p.tables["finance"]
    assert fin["revenue_share_usd"].tolist() == pytest.approx([4e5, 1e5, 0, 0, 0, 0], rel=1e-9)
    assert fin["revenue_share_usd"].sum() == pytest.approx(5e5, rel=1e-9)


def test_bad_schedule_values_are_located() -> None:
    text = scenario("{type: revenue_share, percent: 20, decline_per_year: 2}")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "share.yaml")
    (p,) = [e for e in info.value.problems if e.severity == "error"]
    assert p.location.key_path == "contracts[0].clauses[0].decline_per_year"
    assert p.location.file == "share.yaml" and p.location.line > 0
    assert "1" in p.hint
