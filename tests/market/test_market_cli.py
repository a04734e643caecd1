"""``gigawatt market``: tables, JSON, a report directory, located errors; a light import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from market_support import one_resource_text
from typer.testing import CliRunner

from gigawatt.cli import _register as register_commands
from gigawatt.cli import app


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    register_commands()
    return CliRunner()


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "two-labs.yaml"
    path.write_text(one_resource_text(supply=100, demand_a=150, demand_b=50), encoding="utf-8")
    return path


def test_json_answers_the_questions(runner: CliRunner, small: Path) -> None:
    result = runner.invoke(app, ["market", str(small), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "market" and data["lab"] == "a" and data["rule"] == "pro_rata"
    assert data["first_short_year"] == 2025
    assert data["binds_first"] == {"year": 2025, "kinds": ["chips"]}
    row = data["years"][0]
    # pro rata: 100 of 200 -> a gets 75 of 150
    assert row["lab_served_h100e"] == pytest.approx(75e6, rel=1e-6)
    assert row["lab_alone_shortfall_h100e"] == pytest.approx(50e6, rel=1e-6)
    assert row["lab_share_accelerators"] == pytest.approx(1.5)


def test_rule_option_and_tables(runner: CliRunner, small: Path) -> None:
    result = runner.invoke(app, ["market", str(small), "--rule", "price"])
    assert result.exit_code == 0, result.output
    assert "World supply first falls short" in result.stdout
    assert "The lab: a" in result.stdout
    bad = runner.invoke(app, ["market", str(small), "--rule", "auction"])
    assert bad.exit_code != 0
    assert "unknown rule 'auction'" in bad.output


def test_out_writes_a_report(runner: CliRunner, small: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    result = runner.invoke(app, ["market", str(small), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["report"] == str(out / "report.html")
    page = (out / "report.html").read_text(encoding="utf-8")
    for chart in ("market_supply", "market_lab", "market_binding", "market_prices"):
        assert chart in page
    assert "Market report: two-labs" in page


def test_a_bad_file_is_located(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = one_resource_text(supply=1, demand_a=1, demand_b=1).replace("pue: 1.0", "pue: 0.5")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("pue: 0.5") + 1
    result = runner.invoke(app, ["market", str(path)])
    assert result.exit_code == 2
    assert f"bad.yaml:{line}:1: pue: must be >= 1.0, got 0.5" in result.output


def test_show_prints_the_builtin(runner: CliRunner) -> None:
    result = runner.invoke(app, ["market", "--show"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# market-2025")


def test_the_command_line_stays_light() -> None:
    code = (
        "import sys; sys.argv = ['gigawatt', 'market', '--help']\n"
        "from gigawatt.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = {'linopy', 'xarray', 'pandas', 'highspy', 'plotly', 'numpy'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_samples_give_p_world_short(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "u.yaml"
    path.write_text(
        one_resource_text(supply=100, demand_a=60, demand_b=40)
        + "uncertainty:\n"
        + "  families.chip.shipments.values.2025: {uniform: {low: 1.2e8, high: 1.5e8}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["market", str(path), "--samples", "2", "--json"])
    assert result.exit_code == 0, result.output
    sampled = json.loads(result.stdout)["uncertainty"]
    assert sampled["samples"] == 2
    assert sampled["years"][0]["p_world_short"] == 0.0  # every draw covers 100M
