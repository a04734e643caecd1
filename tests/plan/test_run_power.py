"""A training run's power: the plan and ``gigawatt trends`` compute it the same way.

Both call :func:`gigawatt.scenario.power.run_power` (trends) or its parts (the planner's
FLOP per accelerator-month and facility watts). Here a small world forces the plan to
run one training run at a constant rate, and the run's power is recomputed from the raw
inputs by hand: the plan's figure, the trends conversion and the hand value agree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.forecast.trends import (
    EPOCH_TRAINING_DURATION_S,
    Accelerator,
    forecast_run,
    training_power_gw,
)
from gigawatt.plan import plan
from gigawatt.plan.figures import training_runs
from gigawatt.scenario import parse_scenario
from gigawatt.scenario.power import run_power

PEAK_FLOPS = 2.0e15  # dense BF16
IT_WATTS = 1500.0
PUE = 1.25
MFU = 0.4
ACCELERATORS = 300_000
# January (31 days) and February 2025 (28 days), the run's window.
SECONDS = (31 + 28) * 86_400.0
# Exactly what the accelerators on offer deliver over the window, so the plan must run
# all of them in both months.
FLOP = ACCELERATORS * PEAK_FLOPS * MFU * SECONDS

WORLD = f"""
name: one-run
horizon: {{start: 2025-01, months: 2}}
accelerators:
  X: {{peak_flops: {PEAK_FLOPS}, it_watts: {IT_WATTS}}}
providers:
  cloud: {{kind: cloud}}
sites:
  east:
    provider: cloud
    pue: {PUE}
    offers: [{{accelerator: X, pricing: on_demand, usd_per_hour: 1, available: {ACCELERATORS}}}]
workloads:
  - {{name: big-run, kind: training, flop: {FLOP!r}, window: [2025-01, 2025-02], mfu: {MFU}}}
"""


def hand_gw() -> float:
    """FLOP / (peak x MFU x seconds) accelerators x IT watts x PUE, in GW."""
    accelerators = FLOP / (PEAK_FLOPS * MFU * SECONDS)
    return accelerators * IT_WATTS * PUE / 1e9


def test_plan_and_trends_give_one_run_the_same_power() -> None:
    assert hand_gw() == pytest.approx(ACCELERATORS * IT_WATTS * PUE / 1e9, rel=1e-12)
    result = plan(parse_scenario(WORLD, "one-run.yaml"))
    run = training_runs(result.tables).iloc[0]
    assert run["workload"] == "big-run"
    assert run["delivered_flop"] == pytest.approx(FLOP, rel=1e-6)
    assert run["months_used"] == 2
    assert run["peak_accelerators"] == pytest.approx(ACCELERATORS, rel=1e-6)
    assert run["peak_gw"] == pytest.approx(hand_gw(), rel=1e-6)
    assert run["mean_gw"] == pytest.approx(hand_gw(), rel=1e-6)
    per_watt = PEAK_FLOPS * MFU / (IT_WATTS * PUE)
    assert run["peak_flops_per_watt"] == pytest.approx(per_watt, rel=1e-6)

    # the trends conversion, given the same run and hardware
    trend_gw = training_power_gw(
        FLOP, peak_flops=PEAK_FLOPS, it_watts=IT_WATTS, pue=PUE, mfu=MFU, duration_s=SECONDS
    )
    assert float(trend_gw) == pytest.approx(hand_gw(), rel=1e-12)
    power = run_power(FLOP, SECONDS, peak_flops=PEAK_FLOPS, mfu=MFU, it_watts=IT_WATTS, pue=PUE)
    assert power.accelerators == pytest.approx(ACCELERATORS, rel=1e-12)
    assert power.it_gw * PUE == pytest.approx(power.facility_gw, rel=1e-12)


def test_allocation_flop_is_accelerators_times_peak_mfu_seconds() -> None:
    result = plan(parse_scenario(WORLD, "one-run.yaml"))
    alloc = result.tables["allocation"]
    days = {"2025-01": 31, "2025-02": 28}
    for row in alloc.itertuples(index=False):
        want = row.accelerators * PEAK_FLOPS * MFU * days[str(row.month)] * 86_400.0
        assert row.flop == pytest.approx(want, rel=1e-9)
        assert row.power_mw == pytest.approx(row.accelerators * IT_WATTS * PUE / 1e6, rel=1e-9)


def test_trend_run_uses_the_same_convention() -> None:
    from gigawatt.forecast.trends import fit_trend

    acc = Accelerator(name="X", peak_flops=PEAK_FLOPS, it_watts=IT_WATTS, pue=PUE)
    forecast = forecast_run(fit_trend(n_boot=50, seed=0), 2027.0, accelerator=acc, mfu=MFU)
    assert forecast.power_gw is not None and forecast.duration_s is not None
    hand = forecast.flop / (PEAK_FLOPS * MFU * forecast.duration_s) * IT_WATTS * PUE / 1e9
    assert forecast.power_gw == pytest.approx(hand, rel=1e-12)


def test_bad_hardware_is_refused_with_the_key() -> None:
    with pytest.raises(ValueError, match="pue must be >= 1"):
        run_power(1e27, 1e7, peak_flops=1e15, mfu=0.4, it_watts=1000.0, pue=0.8)
    with pytest.raises(ValueError, match="mfu must lie in"):
        run_power(1e27, 1e7, peak_flops=1e15, mfu=0.0, it_watts=1000.0, pue=1.2)


def test_trend_beside_the_plan_factor_by_factor(tmp_path: Path) -> None:
    """`gigawatt trends --plan DIR`: the ratio of the two powers, factor by factor."""
    from gigawatt.forecast.trends import fit_trend
    from gigawatt.plan.results import Plan
    from gigawatt.report.fidelity import versus_plan

    folder = plan(parse_scenario(WORLD, "one-run.yaml")).save(tmp_path / "plan")
    acc = Accelerator(name="Y", peak_flops=1.0e15, it_watts=1000.0, pue=1.5)
    trend = forecast_run(fit_trend(n_boot=50, seed=0), 2025.0, accelerator=acc, mfu=0.5)
    versus = versus_plan(trend, Plan.load(folder))
    p, t = versus["plan"], versus["trend"]
    # the plan's run at a constant rate: its own FLOP, window and hardware
    assert p["flop"] == pytest.approx(FLOP, rel=1e-6)
    assert p["duration_s"] == pytest.approx(SECONDS, rel=1e-6)
    assert p["flops_per_watt"] == pytest.approx(PEAK_FLOPS * MFU / (IT_WATTS * PUE), rel=1e-6)
    assert p["facility_gw"] == pytest.approx(hand_gw(), rel=1e-6)
    assert t["flops_per_watt"] == pytest.approx(1.0e15 * 0.5 / 1500.0, rel=1e-12)
    assert t["facility_gw"] == pytest.approx(trend.power_gw, rel=1e-12)
    ratios = {f["factor"]: f["ratio"] for f in versus["factors"]}
    assert ratios["FLOP"] == pytest.approx(trend.flop / FLOP, rel=1e-6)
    assert ratios["duration"] == pytest.approx(SECONDS / EPOCH_TRAINING_DURATION_S, rel=1e-6)
    product = ratios["FLOP"] * ratios["duration"] * ratios["FLOP/s per watt"]
    assert product == pytest.approx(versus["gw_ratio"], rel=1e-12)
    assert versus["gw_ratio"] == pytest.approx(trend.power_gw / hand_gw(), rel=1e-6)


def test_trends_command_sets_the_plans_run_beside_its_own(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    folder = plan(parse_scenario(WORLD, "one-run.yaml")).save(tmp_path / "plan")
    script = str(Path(sys.executable).with_name("gigawatt"))
    args = ["trends", "--no-backtest", "--samples", "50", "--plan", str(folder)]
    done = subprocess.run([script, *args, "--json"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    versus = json.loads(done.stdout)["versus_plan"]
    assert versus["plan"]["facility_gw"] == pytest.approx(hand_gw(), rel=1e-6)
    assert versus["plan"]["label"].startswith("plan: big-run (X, 2025-01)")
    text = subprocess.run([script, *args], capture_output=True, text=True, check=True).stdout
    assert "The trend's run against the plan's" in text
    assert "the factors multiply to the GW ratio" in " ".join(text.split())
