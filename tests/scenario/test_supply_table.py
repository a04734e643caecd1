"""The supply table's power cap: offers scaled pro rata only where a site is over its cap."""

from __future__ import annotations

import warnings

import pytest

from gigawatt.scenario import parse_scenario
from gigawatt.scenario.supply import supply_table

TEXT = """\
name: capped
horizon: {{start: 2025-01, months: 3}}
accelerators:
  A: {{peak_flops: 1.0e15, it_watts: 1000}}
providers:
  cloud: {{kind: cloud}}
sites:
  s:
    provider: cloud
    pue: 1.0
    power_mw: {power_mw}
    offers:
      - {{accelerator: A, pricing: on_demand, usd_per_hour: 1, available: {{2025-02: 3000}}}}
workloads:
  - {{name: w, kind: inference, demand_flops: 1.0e17}}
"""


def _mw_capped(power_mw: str) -> list[float]:
    table = supply_table(parse_scenario(TEXT.format(power_mw=power_mw), "capped.yaml"))
    return [float(v) for v in table.sort_values("month")["mw_capped"]]


def test_over_the_cap_is_scaled_to_it_and_under_is_kept() -> None:
    # 3,000 accelerators x 1 kW = 3 MW from 2025-02 against a 2 MW cap: scaled to 2 MW
    assert _mw_capped("2") == pytest.approx([0.0, 2.0, 2.0])
    assert _mw_capped("5") == pytest.approx([0.0, 3.0, 3.0])


def test_a_month_with_nothing_offered_under_a_huge_cap_warns_nothing() -> None:
    """Found by the CLI fuzz test: the cap over an empty month was divided anyway (the
    branch not taken), and overflowed (RuntimeWarning) for a cap above ~1.8e8 MW."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _mw_capped("1.0e300") == pytest.approx([0.0, 3.0, 3.0])
