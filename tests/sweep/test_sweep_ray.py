"""The sweep and clause costs on a real local Ray with 2 CPUs: equal to the serial results.

One Ray is started for the module (fixture ``ray_address``); the library calls find it
initialised and use it, and the command-line calls connect to it with ``--address``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sweep_helpers import TINY, assert_same_results

from gigawatt.plan import SolveOptions
from gigawatt.plan.clauses import clause_costs
from gigawatt.raytools import TaskTimeoutError, ray_map
from gigawatt.scenario import Scenario, load_scenario
from gigawatt.sweep import draw_samples, run_sweep
from gigawatt.sweep.scenarios import parameter_paths
from gigawatt.sweep.task import solve_sample

pytestmark = pytest.mark.slow

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))
CHAT = "workloads.chat.demand_flops"


def test_ray_sweep_equals_serial_for_the_same_seed(tiny: Scenario, ray_address: str) -> None:
    serial = run_sweep(tiny, samples=8, seed=11, clauses=True)
    on_ray = run_sweep(tiny, samples=8, seed=11, clauses=True, backend="ray")
    assert on_ray.summary["backend"] == "ray" and on_ray.summary["workers"] == 2
    assert len(on_ray.tables["clause_samples"]) == 8 * 2
    assert_same_results(serial, on_ray)
    assert on_ray.summary["distributions"] == serial.summary["distributions"]


def test_ray_records_infeasible_samples_like_serial(tiny: Scenario, ray_address: str) -> None:
    strict = SolveOptions(allow_shortfall=False)
    serial = run_sweep(tiny, samples=10, seed=0, options=strict)
    on_ray = run_sweep(tiny, samples=10, seed=0, options=strict, backend="ray")
    assert_same_results(serial, on_ray)
    assert on_ray.summary["failed"] > 0
    assert on_ray.summary["failed_samples"] == serial.summary["failed_samples"]


def test_a_task_over_its_wall_limit_is_cancelled_and_reported(ray_address: str) -> None:
    # the built-in 10-contract scenario takes seconds to solve; a 0.5 s wall limit stops it
    big = load_scenario("frontier-lab-2025-10")
    spec = draw_samples(big, 1, seed=0)[0]
    out = list(
        ray_map(
            solve_sample,
            [(spec, SolveOptions(duals=False, threads=1), False)],
            common=(big.raw, big.source, parameter_paths(big)),
            wall_limit_s=0.5,
        )
    )
    assert len(out) == 1
    index, value = out[0]
    assert index == 0
    assert isinstance(value, TaskTimeoutError)
    assert "wall-clock limit" in str(value)


def test_clause_costs_on_ray_equal_processes(tiny: Scenario, ray_address: str) -> None:
    serial = clause_costs(tiny, processes=1)
    on_ray = clause_costs(tiny, backend="ray")
    assert [c.to_dict() for c in on_ray] == [c.to_dict() for c in serial]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GIGAWATT, *args], capture_output=True, text=True, timeout=600, check=False
    )


def test_cli_sweep_on_ray_json_and_out(tiny: Scenario, ray_address: str, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = [str(TINY), "-n", "6", "--seed", "4", "--strict-demand", "--json"]
    proc = _run("sweep", *args, "--address", ray_address, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    serial = run_sweep(tiny, samples=6, seed=4, options=SolveOptions(allow_shortfall=False))
    assert data["backend"] == "ray" and data["samples"] == 6
    assert data["failed"] == serial.summary["failed"]
    assert data["failed_samples"] == serial.summary["failed_samples"]
    assert data["distributions"] == serial.summary["distributions"]
    assert (out / "samples.parquet").is_file() and (out / "report.html").is_file()
    report = _run("report", str(out), "--json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["kind"] == "sweep"


def test_cli_clauses_on_ray(tiny: Scenario, ray_address: str) -> None:
    proc = _run("clauses", str(TINY), "--ray", "--address", ray_address, "--json")
    assert proc.returncode == 0, proc.stderr
    costs = json.loads(proc.stdout)["clauses"]
    serial = clause_costs(tiny, processes=1)
    assert [c["cost_usd"] for c in costs] == pytest.approx([c.cost_usd for c in serial], rel=1e-9)
