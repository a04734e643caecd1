"""One power convention: IT watts per accelerator, PUE per site, applied exactly once."""

from __future__ import annotations

import pytest

from gigawatt.errors import ScenarioError
from gigawatt.plan.inputs import PlanInputs
from gigawatt.scenario import Scenario, builtin_names, load_scenario, parse_scenario
from gigawatt.scenario.supply import supply_table

BASE = """\
name: power
horizon: {{start: 2025-01, months: 2}}
accelerators:
  A: {{peak_flops: 1.0e15, {a_watts}}}
  B: {{peak_flops: 2.0e15, {b_watts}}}
providers:
  cloud: {{kind: cloud}}
  own: {{kind: owned}}
sites:
  c:
    provider: cloud
    pue: {c_pue}
    offers:
      - {{accelerator: A, pricing: on_demand, usd_per_hour: 1, available: 1000}}
  o:
    provider: own
    pue: 1.5
    electricity_usd_per_mwh: 100
    offers:
      - {{accelerator: A, pricing: build, capex_usd: 0, opex_usd_per_hour: 0,
          lifetime_months: 12, available: 1000}}
      - {{accelerator: B, pricing: on_demand, usd_per_hour: 1, available: 1000}}
workloads:
  - {{name: w, kind: inference, demand_flops: 1.0e17}}
"""


def scenario(
    a_watts: str = "it_watts: 1000", b_watts: str = "it_watts: 2000", c_pue: float = 1.2
) -> Scenario:
    return parse_scenario(BASE.format(a_watts=a_watts, b_watts=b_watts, c_pue=c_pue), "p.yaml")


def test_facility_power_is_it_watts_times_pue_once() -> None:
    s = scenario()
    assert s.warnings == []
    inputs = PlanInputs.from_scenario(s)
    by_key = {r.site + "/" + r.accelerator: k for k, r in enumerate(inputs.refs)}
    # MW per thousand accelerators: W x pue / 1e6 x 1e3, worked by hand
    assert inputs.mw_per_kacc[by_key["c/A"]] == pytest.approx(1000 * 1.2 / 1e3)
    assert inputs.mw_per_kacc[by_key["o/A"]] == pytest.approx(1000 * 1.5 / 1e3)
    assert inputs.mw_per_kacc[by_key["o/B"]] == pytest.approx(2000 * 1.5 / 1e3)
    # electricity on the owned site: 1.5 kW x $100/MWh = $0.15 per accelerator-hour
    hours = inputs.hours[0]
    assert inputs.elec_musd_per_kacc[by_key["o/A"], 0] == pytest.approx(0.15 * hours * 1e3 / 1e6)
    table = supply_table(s)
    row = table[(table.site == "o") & (table.accelerator == "B")].iloc[0]
    assert row.mw == pytest.approx(1000 * 2000 * 1.5 / 1e6)


def test_facility_watts_keeps_its_meaning() -> None:
    """The older key is multiplied by the site's pue, as before (golden tests rely on it)."""
    old = PlanInputs.from_scenario(
        scenario("facility_watts: 1000", "facility_watts: 2000")
    ).mw_per_kacc
    new = PlanInputs.from_scenario(scenario()).mw_per_kacc
    assert list(old) == pytest.approx(list(new))


def test_neither_or_both_is_a_located_error() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario(a_watts="it_watts: 1000, facility_watts: 1000")
    (p,) = [p for p in info.value.problems if p.severity == "error"]
    assert p.location.key_path == "accelerators.A.facility_watts"
    assert p.location.line == 4 and "both given" in p.message
    with pytest.raises(ScenarioError) as info:
        scenario(b_watts="available_from: 2025-01")
    (p,) = [p for p in info.value.problems if p.severity == "error"]
    assert p.location.key_path == "accelerators.B"
    assert p.location.line == 5 and "exactly one of it_watts" in p.message


def test_mixed_keys_warn() -> None:
    s = scenario(b_watts="facility_watts: 2000")
    (w,) = s.warnings
    assert w.location.key_path == "accelerators.B.facility_watts"
    assert "others give it_watts" in w.message


def test_pue_one_next_to_pue_above_one_warns() -> None:
    """The built-ins' old mix: clouds at pue 1.0 (all-in watts), owned sites at 1.2."""
    s = scenario(c_pue=1.0)
    (w,) = s.warnings
    assert w.location.key_path == "sites.c.pue"
    assert (w.location.line, w.location.column) == (12, 5)
    assert "'A' has pue 1.0 at site 'c' but 1.5 at 'o'" in w.message


@pytest.mark.parametrize("name", builtin_names())
def test_builtins_follow_one_convention(name: str) -> None:
    s = load_scenario(name)
    assert all(a.it_watts is not None for a in s.accelerators.values())
    assert not [w for w in s.warnings if "pue" in w.message or "it_watts" in w.message]
