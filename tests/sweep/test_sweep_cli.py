"""gigawatt sweep --serial through the console script, the sweep report, lazy Ray import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sweep_helpers import TINY

from gigawatt.plan import SolveOptions
from gigawatt.report import build_content, write_report
from gigawatt.scenario import Scenario
from gigawatt.sweep import run_sweep

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))
CHAT = "workloads.chat.demand_flops"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GIGAWATT, *args], capture_output=True, text=True, timeout=600, check=False
    )


def test_cli_json_lists_failed_samples(tiny: Scenario) -> None:
    proc = _run(
        "sweep", str(TINY), "-n", "6", "--seed", "2", "--serial", "--strict-demand", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    ref = run_sweep(tiny, samples=6, seed=2, options=SolveOptions(allow_shortfall=False))
    over = set(ref.samples.loc[ref.samples[CHAT] > 2.5e18 * (1 + 1e-9), "sample"])
    assert {f["sample"] for f in data["failed_samples"]} == over
    assert data["failed"] == len(over) and data["solved"] == 6 - len(over)
    assert data["status_counts"]["infeasible"] == len(over)
    assert data["backend"] == "serial"


def test_cli_tables_show_failures_and_distributions(tmp_path: Path) -> None:
    proc = _run(
        "sweep", str(TINY), "-n", "6", "--seed", "2", "--serial", "--strict-demand", "--clauses"
    )
    assert proc.returncode == 0, proc.stderr
    assert "Failed samples" in proc.stdout and "infeasible" in proc.stdout
    assert "Peak GW installed by provider and year" in proc.stdout
    assert "Clause costs" in proc.stdout and "#2 min spend" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_cli_exits_1_when_no_sample_is_solved(tmp_path: Path) -> None:
    text = TINY.read_text().replace(
        "workloads.chat.demand_flops: {uniform: {low: 1.0e18, high: 3.5e18}}",
        "workloads.chat.demand_flops: {uniform: {low: 3.0e18, high: 3.5e18}}",
    )
    path = tmp_path / "impossible.yaml"
    path.write_text(text)
    proc = _run("sweep", str(path), "-n", "3", "--serial", "--strict-demand", "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)  # one JSON object, with the failures and the error
    assert data["status"] == "error" and data["failed"] == 3
    assert "none of the 3 samples was solved" in data["error"]
    text = _run("sweep", str(path), "-n", "3", "--serial", "--strict-demand")
    assert text.returncode == 1
    assert "Failed samples (3)" in text.stdout
    assert "none of the 3 samples was solved" in text.stderr
    assert "Traceback" not in proc.stderr


def test_cli_bad_argument_is_a_message() -> None:
    proc = _run("sweep", str(TINY), "-n", "0", "--serial")
    assert proc.returncode == 2
    assert "--samples must be at least 1" in proc.stderr
    assert "Traceback" not in proc.stderr
    both = _run("sweep", str(TINY), "--serial", "--address", "auto")
    assert both.returncode == 2 and "drop --address or --serial" in both.stderr


def test_report_of_a_sweep_directory(tiny: Scenario, tmp_path: Path) -> None:
    result = run_sweep(
        tiny, samples=6, seed=2, clauses=True, options=SolveOptions(allow_shortfall=False)
    )
    folder = result.save(tmp_path / "sweep")
    content = build_content(folder)
    assert content.results.kind == "sweep"
    ids = [c.id for c in content.charts]
    assert ids == ["sweep_cost", "sweep_shortfall", "sweep_gw", "sweep_clauses"]
    cost = next(c for c in content.charts if c.id == "sweep_cost")
    counts = cost.panels[0].series[0].y
    assert sum(counts) == result.summary["solved"]  # every solved sample in one bin
    tables = {t.id: t for t in content.tables}
    failed = [int(r[0]) for r in tables["failed"].rows]
    assert failed == [f["sample"] for f in result.summary["failed_samples"]]
    report = write_report(folder, png_dir=tmp_path / "png")
    assert report.html is not None and report.html.is_file()
    assert len(report.pngs) == 4
    assert "Sweep report: sweep-tiny" in report.html.read_text()


@pytest.mark.parametrize("module", ["gigawatt.sweep", "gigawatt.cli.sweep_cmds"])
def test_importing_does_not_import_ray(module: str) -> None:
    code = f"import sys, {module}; print('ray' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
