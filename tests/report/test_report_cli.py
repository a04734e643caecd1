"""`gigawatt report`: JSON, tables, quiet, no colour, errors.

One test runs the real console script; the others invoke the command in-process
(the console script's start-up is the same for every command and slow to repeat).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from report_support import Built
from typer.testing import CliRunner

from gigawatt.cli import report_cmds

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def main() -> None:
        """Test application with the report command only."""

    report_cmds.register(app)
    return app


def invoke(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_console_script_json_lists_what_it_wrote(built: Built, tmp_path: Path) -> None:
    out = subprocess.run(
        [GIGAWATT, "report", str(built.plan_dir), "-o", str(tmp_path / "r.html"), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["status"] == "ok" and data["kind"] == "plan"
    assert data["html"] == str(tmp_path / "r.html") and (tmp_path / "r.html").is_file()
    assert len(data["charts"]) == 7 and data["png"] == [] and data["exports"] == []
    assert data["summary"][0].startswith("By 2026 the plan needs")
    assert out.stderr == ""  # no progress bar or notes with --json


def test_png_and_export_options(cli: typer.Typer, built: Built, tmp_path: Path) -> None:
    code, stdout, _ = invoke(
        cli,
        "report",
        str(built.plan_dir),
        "-o",
        str(tmp_path / "r.html"),
        "--png-dir",
        str(tmp_path / "png"),
        "--export",
        str(tmp_path / "export"),
        "--json",
    )
    assert code == 0, stdout
    data = json.loads(stdout)
    assert len(data["png"]) == len(data["charts"]) == 7
    exported = {Path(p).name for p in data["exports"]}
    for table in ("allocation", "capacity", "spend", "power", "shortfall", "finance", "duals"):
        assert {f"{table}.parquet", f"{table}.csv"} <= exported
    assert {"clauses.csv", "commitments.csv", "focus_cost_and_usage.csv"} <= exported
    assert "focus_contract_commitments.csv" in exported


def test_png_flag_draws_into_the_folder_s_png(
    cli: typer.Typer, built: Built, tmp_path: Path
) -> None:
    """``report DIR --png`` reads as a flag (issue #19): the images go to DIR/png."""
    plan_dir = tmp_path / "plan"
    shutil.copytree(built.plan_dir, plan_dir)
    code, stdout, _ = invoke(cli, "report", str(plan_dir), "--png", "--json")
    assert code == 0, stdout
    pngs = [Path(p) for p in json.loads(stdout)["png"]]
    assert len(pngs) == 7
    assert {p.parent for p in pngs} == {plan_dir / "png"}
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_tables_quiet_and_no_color(cli: typer.Typer, built: Built, tmp_path: Path) -> None:
    code, stdout, stderr = invoke(
        cli, "report", str(built.plan_dir), "-o", str(tmp_path / "a.html"), "--no-color"
    )
    assert code == 0, stderr
    assert "By 2026 the plan needs" in stdout
    assert "Key figures (plan)" in stdout and "Written (7 charts)" in stdout
    assert "\x1b[" not in stdout + stderr
    code, stdout, stderr = invoke(
        cli, "report", str(built.plan_dir), "-o", str(tmp_path / "b.html"), "--quiet"
    )
    assert code == 0, stderr
    assert stdout == "" and stderr == ""
    assert (tmp_path / "b.html").is_file()


def test_default_output_and_missing_extras(
    cli: typer.Typer, bare_plan_dir: Path, tmp_path: Path
) -> None:
    plan = tmp_path / "plan"
    plan.mkdir()
    for f in bare_plan_dir.iterdir():
        (plan / f.name).write_bytes(f.read_bytes())
    code, _, stderr = invoke(cli, "report", str(plan), "--no-color")
    assert code == 0, stderr
    assert (plan / "report.html").is_file()
    assert "No clause costs" in stderr and "--scenario" in stderr


def test_errors_are_messages_not_tracebacks(cli: typer.Typer, tmp_path: Path) -> None:
    code, _, stderr = invoke(cli, "report", str(tmp_path))
    assert code == 2
    assert "holds no plan, forecast or comparison" in stderr and "Traceback" not in stderr
    code, stdout, _ = invoke(cli, "report", str(tmp_path / "nowhere"), "--json")
    assert code == 2
    assert json.loads(stdout)["status"] == "error"
