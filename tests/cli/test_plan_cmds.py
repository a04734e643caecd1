"""The plan and clauses commands through the real console script."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))
DESIGN = Path(__file__).parents[1] / "scenario" / "design_example.yaml"

TINY = """
name: tiny
horizon: {start: 2025-01, months: 2}
accelerators:
  H100: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  azure: {kind: cloud}
sites:
  az: {provider: azure, offers: [{accelerator: H100, pricing: on_demand, usd_per_hour: 2,
       available: 10000}]}
workloads:
  - {name: api, kind: inference, tags: [api], demand_flops: 1.0e18, utilization: 0.5,
     revenue_usd_per_month: 1.0e8}
contracts:
  - name: ms
    counterparty: azure
    clauses: [{type: pin, tags: [api]}]
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GIGAWATT, *args], capture_output=True, text=True, timeout=600, cwd=cwd, check=False
    )


def test_plan_json_has_the_design_keys(tmp_path: Path) -> None:
    f = tmp_path / "tiny.yaml"
    f.write_text(TINY)
    out = run("plan", str(f), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in (
        "status",
        "objective_usd",
        "cost_usd",
        "lost_revenue_usd",
        "shortfall_flop",
        "allocation",
    ):
        assert key in data
    assert data["status"] == "optimal"
    # 2000 accelerators x $2 x (744 + 672) h = $5,664,000, nothing short.
    assert data["objective_usd"] == pytest.approx(5_664_000, rel=1e-6)
    row = data["allocation"][0]
    assert set(row) == {"workload", "site", "provider", "accelerator", "month", "accelerators"}
    assert row["accelerators"] == pytest.approx(2000, rel=1e-6)


def test_plan_out_and_mps(tmp_path: Path) -> None:
    f = tmp_path / "tiny.yaml"
    f.write_text(TINY)
    out = run(
        "plan",
        str(f),
        "--out",
        str(tmp_path / "res"),
        "--export-mps",
        str(tmp_path / "m.mps"),
        "--time-limit",
        "60",
        "--mip-gap",
        "0.001",
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    for name in (
        "summary.json",
        "allocation.parquet",
        "finance.parquet",
        "duals.parquet",
        "report.html",
    ):
        assert (tmp_path / "res" / name).is_file()
    assert (tmp_path / "m.mps").read_text().startswith(("*", "NAME"))
    assert "objective" in out.stdout


def test_plan_bad_file_exit_2_no_traceback(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(TINY.replace("usd_per_hour: 2", "usd_per_hour: -2"))
    out = run("plan", str(f))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert f"{f}:9:" in out.stderr
    assert "sites.az.offers[0].usd_per_hour" in out.stderr


def test_strict_demand_infeasible_exit_1_names_constraints(tmp_path: Path) -> None:
    f = tmp_path / "short.yaml"
    f.write_text(TINY.replace("available: 10000", "available: 100"))
    out = run("plan", str(f), "--strict-demand")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert re.search(r"workload api inference demand in 2025-0[12]", out.stderr)
    assert "Optimization potentially failed" not in out.stderr


def test_clauses_json(tmp_path: Path) -> None:
    f = tmp_path / "tiny.yaml"
    f.write_text(TINY)
    out = run("clauses", str(f), "--json", "--processes", "1")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)["clauses"]
    assert [(r["contract"], r["clause_index"], r["type"]) for r in rows] == [("ms", 0, "pin")]
    # Only one provider: dropping the pin changes nothing.
    assert rows[0]["cost_usd"] == pytest.approx(0.0, abs=1e-3)


@pytest.mark.slow
def test_plan_default_scenario_runs() -> None:
    out = run("plan", "--json", "--no-duals")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["scenario"] == "frontier-lab-2025"
    assert data["status"] in ("optimal", "time_limit")


def _site_choice_scenario(runs: int = 8, sites: int = 4) -> str:
    """Single-site training runs of uneven sizes packed onto uneven sites: a MIP whose
    root node leaves a gap (HiGHS needs branching to prove the optimum)."""
    lines = [
        "name: site-choice",
        "horizon: {start: 2025-01, months: 3}",
        "accelerators:",
        "  X: {peak_flops: 1.0e15, facility_watts: 1000}",
        "providers:",
        "  p: {kind: cloud}",
        "sites:",
    ]
    for s in range(sites):
        lines.append(
            f"  s{s}: {{provider: p, offers: [{{accelerator: X, pricing: on_demand, "
            f"usd_per_hour: {2 + 0.37 * s:.2f}, available: {1000 + 311 * s}}}]}}"
        )
    lines.append("workloads:")
    for w in range(runs):
        flop = (300 + 97 * ((w * 7) % 11)) * 5e14 * 744 * 3600
        lines.append(
            f"  - {{name: r{w}, kind: training, flop: {flop:.6e}, "
            "window: [2025-01, 2025-03], mfu: 0.5}"
        )
    return "\n".join(lines) + "\n"


def test_a_solver_limit_without_proven_optimum_exits_1_with_the_gap(tmp_path: Path) -> None:
    # docs/decisions.md: a solver limit is a failure of the run (exit 1). A node limit
    # (HiGHS mip_max_nodes = 1: the root only) stops at the same point on every machine.
    f = tmp_path / "sites.yaml"
    f.write_text(_site_choice_scenario())
    out = run("plan", str(f), "--node-limit", "1", "--out", str(tmp_path / "res"))
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    gap = re.search(r"MIP gap of (\d+\.\d+)%", out.stderr)
    assert gap is not None and float(gap.group(1)) > 0, out.stderr
    assert "not a proven optimum" in out.stderr
    # the plan is still printed and saved
    assert "node_limit" in out.stdout and "objective" in out.stdout
    saved = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert saved["status"] == "node_limit" and saved["mip_gap"] > 0
    js = run("plan", str(f), "--node-limit", "1", "--json", "--no-duals")
    assert js.returncode == 1, js.stderr
    data = json.loads(js.stdout)
    assert data["status"] == "node_limit" and data["mip_gap"] > 0
    assert "MIP gap" in data["solver_warning"]
    # without the limit the same scenario is solved to optimality and exits 0
    full = run("plan", str(f), "--json", "--no-duals")
    assert full.returncode == 0, full.stderr
    assert json.loads(full.stdout)["status"] == "optimal"
