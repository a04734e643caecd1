"""The plan with the market: the market's clearing caps the lab's total supply.

Hand-worked (one H100-class accelerator ``H``: 9.89e14 FLOP/s, one H100e, 1 kW; 2025-01,
744 hours): a cheap offer ($1/h, 1,000 available) and a dear one ($3/h, 1,000 available)
at two sites; demand 1,500 accelerators at utilization 0.5 and $4.5M of revenue a month:
every accelerator served is worth $3,000 a month, above both offers' $744 and $2,232.

* No cap: 1,000 cheap + 500 dear, nothing short.
* ``supply_limits.h100e: 1200``: 1,200 in all, the cheap 1,000 first and 200 dear; 300
  short. (Scaling every offer by 1200/2000 would hold 600 of each instead.)
* ``supply_limits.power_mw: 0.9``: 900 accelerators, all cheap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gigawatt.market import analyze_market, load_market
from gigawatt.market.couple import limit_scenario
from gigawatt.plan import Plan, SolveOptions, plan
from gigawatt.scenario import load_scenario, parse_scenario

HOURS = 744
UNIT = 4.945e14  # FLOP/s one accelerator serves at utilization 0.5


def _text(limits: str = "", scale: float = 1.0) -> str:
    """The scenario of the module docstring, every quantity and the revenue x ``scale``."""
    return f"""
name: cap
horizon: {{start: 2025-01, months: 1}}
accelerators:
  H: {{peak_flops: 9.89e14, facility_watts: 1000}}
providers:
  p: {{kind: cloud}}
  q: {{kind: cloud}}
sites:
  cheap:
    provider: p
    offers:
      - {{accelerator: H, pricing: on_demand, usd_per_hour: 1, available: {1000 * scale}}}
  dear:
    provider: q
    offers:
      - {{accelerator: H, pricing: on_demand, usd_per_hour: 3, available: {1000 * scale}}}
workloads:
  - {{name: api, kind: inference, demand_flops: {1500 * UNIT * scale}, utilization: 0.5,
      revenue_usd_per_month: {4.5e6 * scale}}}
{limits}
"""


def _plan(limits: str = "") -> Plan:
    return plan(parse_scenario(_text(limits)), SolveOptions(duals=True))


def _installed(p: Plan) -> dict[str, float]:
    cap = p.tables["capacity"]
    return {str(k): float(v) for k, v in cap.groupby("site")["installed"].sum().items()}


def test_without_a_cap_the_lab_buys_both_offers() -> None:
    p = _plan()
    assert _installed(p) == pytest.approx({"cheap": 1000, "dear": 500}, rel=1e-6)
    assert p.summary["cost_usd"] == pytest.approx(1000 * 1 * HOURS + 500 * 3 * HOURS, rel=1e-6)


def test_the_h100e_cap_binds_on_the_total_and_the_plan_keeps_the_cheap_offer() -> None:
    p = _plan("supply_limits: {h100e: 1200}")
    assert _installed(p) == pytest.approx({"cheap": 1000, "dear": 200}, rel=1e-6)
    assert p.summary["cost_usd"] == pytest.approx(1000 * HOURS + 200 * 3 * HOURS, rel=1e-6)
    # 300 of 1,500 short: a fifth of the revenue lost
    assert p.summary["lost_revenue_usd"] == pytest.approx(4.5e6 * 300 / 1500, rel=1e-6)
    # one more H100e of cap is worth its revenue less the dear offer: 3,000 - 2,232
    value = p.tables["compute_value"]
    assert value["usd_per_unit_month"].max() == pytest.approx(3000.0, rel=1e-6)


def test_the_power_cap_binds_on_the_total_mw() -> None:
    p = _plan("supply_limits: {power_mw: 0.9}")
    assert _installed(p) == pytest.approx({"cheap": 900, "dear": 0}, abs=1e-6)
    assert p.tables["power"]["installed_mw"].sum() == pytest.approx(0.9, rel=1e-6)


def test_the_forecast_scales_its_supply_to_the_cap() -> None:
    from gigawatt.forecast.montecarlo import run_forecast

    free = run_forecast(parse_scenario(_text()), samples=8, seed=0)
    capped = run_forecast(parse_scenario(_text("supply_limits: {h100e: 1200}")), samples=8)
    band = "supply_mw"
    assert free.band(band)["p50"].iloc[0] == pytest.approx(2.0, rel=1e-6)  # bands are float32
    assert capped.band(band)["p50"].iloc[0] == pytest.approx(1.2, rel=1e-6)


@pytest.fixture(scope="module")
def limited():  # type: ignore[no-untyped-def]
    scenario = load_scenario()
    market = analyze_market(load_market(), alone=False)
    return scenario, market, limit_scenario(scenario, market)


def test_the_caps_are_what_the_market_clears_for_the_lab(limited) -> None:  # type: ignore[no-untyped-def]
    scenario, market, result = limited
    years = market.years.set_index("year")
    caps = result.months
    pick = [min(max(int(m[:4]), years.index.min()), years.index.max()) for m in caps["month"]]
    assert np.allclose(caps["market_h100e"], years.loc[pick, "lab_served_h100e"])
    assert np.allclose(caps["market_mw"], years.loc[pick, "lab_power_gw"] * 1e3)
    limits = result.scenario.supply_limits
    assert limits is not None and limits.h100e is not None and limits.power_mw is not None
    tl = scenario.timeline
    assert np.allclose(limits.h100e.values(tl), caps["market_h100e"])
    assert np.allclose(limits.power_mw.values(tl), caps["market_mw"])
    # everything else is the scenario as written
    assert result.scenario.sites == scenario.sites
    assert result.scenario.workloads == scenario.workloads
    assert result.scenario.contracts == scenario.contracts
    assert isinstance(caps, pd.DataFrame) and (caps["offered_h100e"] > caps["market_h100e"]).any()


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ("supply_limits: {h100e: -5}", "supply_limits.h100e: must be >= 0, got -5"),
        ("supply_limits: {h100x: 5}", "supply_limits.h100x: unknown key 'h100x'"),
    ],
)
def test_bad_supply_limits_are_located(limits: str, message: str) -> None:
    from gigawatt.errors import ScenarioError

    with pytest.raises(ScenarioError) as info:
        parse_scenario(_text(limits), "cap.yaml")
    text = str(info.value)
    assert "cap.yaml:" in text and message in text
