"""Numbers the solver cannot handle: warned by ``validate``, refused or explained by ``plan``.

Oracles are hand-worked conversions into the planner's units (docs/decisions.md):
thousands of accelerators, EFLOP/s, 1e24 FLOP, $M; the well-conditioned range is
1e-6..1e9 of those units and ``plan`` refuses 1e15 and more.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gigawatt.cli import _register, app
from gigawatt.errors import ScenarioError
from gigawatt.plan import SolveOptions, plan
from gigawatt.plan.conditioning import REFUSED_FROM, WELL_CONDITIONED, magnitudes
from gigawatt.plan.inputs import PlanInputs
from gigawatt.scenario import builtin_names, load_scenario, parse_scenario

_register()

TINY = """\
name: tiny
horizon: {start: 2025-01, months: MONTHS}
accelerators:
  H100: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  azure: {kind: cloud}
sites:
  az:
    provider: azure
    offers: [{accelerator: H100, pricing: on_demand, usd_per_hour: 2, available: 10000}]
workloads:
  - name: api
    kind: inference
    demand_flops: DEMAND
    utilization: 0.5
    revenue_usd_per_month: 1.0e8
"""
DEMAND_LINE = 14  # line of `demand_flops:` in TINY
DEMAND_COLUMN = 5


def tiny(demand: str, months: int = 3) -> str:
    return TINY.replace("DEMAND", demand).replace("MONTHS", str(months))


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_the_documented_range() -> None:
    assert WELL_CONDITIONED == (1e-6, 1e9)
    assert REFUSED_FROM == 1e15


@pytest.mark.parametrize(
    ("demand_flops", "warned"),
    [
        # 1e18 FLOP/s is one EFLOP/s, the planner's unit; the range is 1e-6..1e9 of it
        ("1.0e27", False),
        ("1.1e27", True),
        ("1.0e12", False),
        ("0.9e12", True),
        ("0", False),  # zero is exact
    ],
)
def test_demand_is_warned_outside_the_range(demand_flops: str, warned: bool) -> None:
    s = parse_scenario(tiny(demand_flops), "t.yaml")
    paths = [p.location.key_path for p in s.warnings]
    assert ("workloads[0].demand_flops" in paths) is warned


def test_a_refused_demand_is_located_in_plan_and_validate(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(tiny("1.0e40"), encoding="utf-8")
    s = load_scenario(path)
    (found,) = [m for m in magnitudes(PlanInputs.from_scenario(s)) if m.refused]
    assert found.path == ("workloads", 0, "demand_flops")
    assert found.value == pytest.approx(1e22)  # 1e40 FLOP/s / 1e18
    assert found.month == "2025-01"

    where = f"{path}:{DEMAND_LINE}:{DEMAND_COLUMN}"  # the key
    message = "workloads[0].demand_flops: demand of workload api in 2025-01 is 1e+22 EFLOP/s"
    code, out = invoke("validate", str(path))
    assert code == 0, out
    assert f"warning: {where}: {message}, above 1e+09 in the planner's units" in out
    assert "`plan` refuses 1e+15 and more" in out

    code, out = invoke("plan", str(path))
    assert code == 2, out
    assert f"error: {where}: {message}" in out
    assert "Traceback" not in out


def test_growth_that_overflows_is_an_error_with_its_month(tmp_path: Path) -> None:
    # 1e20 x (1e300)^(k/12) passes 1.8e308 first at k = 12: 1e20 x 1e300 = 1e320
    path = tmp_path / "g.yaml"
    path.write_text(
        tiny("{2025-01: 1.0e20, growth_per_year: 1.0e300}", months=24), encoding="utf-8"
    )
    code, out = invoke("validate", str(path))
    assert code == 2, out
    assert (
        f"{path}:{DEMAND_LINE}:{DEMAND_COLUMN + len('demand_flops: {2025-01: 1.0e20, ')}: "
        "workloads[0].demand_flops.growth_per_year: demand_flops of workload api overflows to "
        "infinity in 2026-01: growth_per_year 1e+300 compounds past the largest number"
    ) in out
    code, out = invoke("plan", str(path))
    assert code == 2, out
    assert "overflows to infinity in 2026-01" in out


def test_growth_that_stays_finite_inside_the_horizon_is_accepted() -> None:
    s = parse_scenario(tiny("{2025-01: 1.0e20, growth_per_year: 1.0e300}", months=12), "t.yaml")
    (warning,) = [p for p in s.warnings if p.location.key_path == "workloads[0].demand_flops"]
    # the last month, 2025-12, is 1e20 x (1e300)^(11/12) = 1e295 FLOP/s = 1e277 EFLOP/s
    assert "in 2025-12 is 1e+277 EFLOP/s" in warning.message


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e999"])
def test_non_finite_numbers_are_refused(value: str) -> None:
    text = tiny("1.0e18").replace("utilization: 0.5", f"utilization: {value}")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "t.yaml")
    (problem,) = info.value.problems
    assert problem.location.key_path == "workloads[0].utilization"
    assert problem.message.startswith("expected a finite number")


def test_a_well_conditioned_plan_still_solves() -> None:
    result = plan(parse_scenario(tiny("1.0e18"), "t.yaml"), SolveOptions(duals=False))
    assert result.summary["status"] == "optimal"


@pytest.mark.parametrize("name", builtin_names())
def test_built_ins_raise_no_magnitude_warning(name: str) -> None:
    s = load_scenario(name)
    assert magnitudes(PlanInputs.from_scenario(s)) == []
