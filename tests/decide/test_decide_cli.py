"""``gigawatt decide``: JSON, tables within 80 columns, bad options refused with exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))
NEWSVENDOR = str(Path(__file__).with_name("newsvendor.yaml"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    return subprocess.run(
        [GIGAWATT, *args], capture_output=True, text=True, timeout=600, check=False, env=env
    )


def test_json_and_tables(tmp_path: Path) -> None:
    proc = run("decide", NEWSVENDOR, "--samples", "3", "--seed", "4", "--json", "--no-regret")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["kind"] == "decide" and data["futures"] == 3 and data["seed"] == 4
    assert data["vss_usd"] >= -1e-6 * data["objective_usd"]
    assert data["evpi_usd"] >= -1e-6 * data["objective_usd"]
    assert [c["pricing"] for c in data["commitments"]] == ["reserved"]
    proc = run("decide", NEWSVENDOR, "--samples", "3", "--seed", "4", "--no-regret")
    assert proc.returncode == 0, proc.stderr
    assert "Sign now" in proc.stdout and "VSS" in proc.stdout and "EVPI" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80
    # the same seed gives the same futures, hence the same objective
    again = json.loads(
        run("decide", NEWSVENDOR, "-n", "3", "--seed", "4", "--json", "--no-regret").stdout
    )
    assert again["objective_usd"] == data["objective_usd"]


def test_hedging_stopped_before_agreement_exits_1() -> None:
    proc = run("decide", NEWSVENDOR, "-n", "3", "--hedging", "--hedging-iterations", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Sign now" in proc.stdout  # printed all the same
    assert "hedging: lower bound" in proc.stdout and "gap (objective - bound)" in proc.stdout
    assert "progressive hedging stopped after 1 iterations" in proc.stderr
    proc = run("decide", NEWSVENDOR, "-n", "3", "--hedging", "--hedging-iterations", "1", "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["status"] == "not_converged" and not data["hedging"]["converged"]
    # stopped early, the Lagrangian bound still lies below the consensus's objective
    assert data["hedging"]["lower_bound_usd"] <= data["objective_usd"] * (1 + 1e-6)
    assert data["hedging"]["gap"] >= 0
    assert "solver_warning" in data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cvar-alpha", "1.5"], "--cvar-alpha"),
        (["--cvar-weight", "2"], "--cvar-weight"),
        (["--decision-months", "0"], "--decision-months"),
        (["--samples", "0"], "--samples"),
        (["--hedging", "--rho", "0"], "rho"),
    ],
)
def test_bad_options_are_refused(args: list[str], message: str) -> None:
    proc = run("decide", NEWSVENDOR, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
