"""HiGHS runs of the planner: MIP start, progress reports, MPS export before the solve."""

from __future__ import annotations

from pathlib import Path

import highspy
import pytest
from warm_support import SCENARIO

from gigawatt.plan import SolveOptions
from gigawatt.plan.planner import build
from gigawatt.plan.solve import SolveProgress, solve_model
from gigawatt.scenario import load_scenario, parse_scenario


def test_export_before_solve_gives_the_same_plan(tmp_path: Path) -> None:
    # An MPS export fills linopy's cache of row labels; the solve then read its duals
    # against rows that the direct HiGHS model does not have (IndexError on this
    # scenario, which has rows without variables). The solved model is the exported one:
    # HiGHS alone on the MPS finds the same optimum.
    pm = build(load_scenario("frontier-lab-2025-10"))
    pm.model.to_file(tmp_path / "first.mps")
    mps = tmp_path / "m.mps"
    out = solve_model(pm, SolveOptions(threads=1, duals=False, export_mps=mps))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.readModel(str(mps))
    highspy.Highs.resetGlobalScheduler(True)  # sized by whatever ran before in this process
    h.run()
    assert out.status == "optimal"
    assert h.getInfo().objective_function_value == pytest.approx(out.objective_musd, rel=2e-4)


def test_start_from_the_optimum_keeps_the_optimum() -> None:
    s = parse_scenario(SCENARIO)
    first = solve_model(build(s), SolveOptions(threads=1, duals=False))
    again = solve_model(build(s), SolveOptions(threads=1, duals=False), start=first.primal)
    assert again.objective_musd == pytest.approx(first.objective_musd, rel=1e-6)
    assert again.status == "optimal"


def test_progress_reports_incumbent_bound_and_gap() -> None:
    reports: list[SolveProgress] = []
    s = parse_scenario(SCENARIO)
    out = solve_model(build(s), SolveOptions(threads=1, duals=False), progress=reports.append)
    assert reports, "no progress reported during a MILP solve"
    for p in reports:
        assert p.elapsed_s >= 0 and p.nodes >= 0
        if p.incumbent_musd is not None and p.bound_musd is not None:
            # the bound never exceeds the best plan, nor the best plan the final optimum
            # by more than the gap
            assert p.bound_musd <= p.incumbent_musd + 1e-6 * abs(p.incumbent_musd)
            assert p.bound_musd <= out.objective_musd * (1 + 1e-4) + 1e-9
            assert p.gap is not None and p.gap >= 0
