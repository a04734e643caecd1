"""The import layering (docs/decisions.md, "Import layers"), kept by import-linter.

The contract lives in pyproject.toml (``[tool.importlinter]``): scenario at the bottom,
then plan and forecast, then report, compare, sweep and broker, then integrations, then
the command line. Imports inside functions count as much as those at the top.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))\n"
)


def lint(src: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the package under ``src``, with the repository's contract."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [sys.executable, "-c", LINT, str(ROOT / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_package_keeps_its_layers(tmp_path: Path) -> None:
    proc = lint(ROOT / "src", tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 kept, 0 broken" in proc.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("scenario/timeline.py", "gigawatt.forecast.result"),  # bottom -> middle
        ("plan/clauses.py", "gigawatt.sweep.run"),  # the import this contract removed
        ("plan/figures.py", "gigawatt.forecast.result"),  # plan and forecast are independent
        ("forecast/summary.py", "gigawatt.report.fmt"),
        ("report/fmt.py", "gigawatt.cli.output"),
        ("scenario/paths.py", "gigawatt.plan.solve"),  # only the two recorded imports pass
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path: Path, module: str, upward: str) -> None:
    copy = tmp_path / "src" / "gigawatt"
    ignore = shutil.ignore_patterns("__pycache__", "*.csv", "*.yaml", "static", "migrations")
    shutil.copytree(ROOT / "src" / "gigawatt", copy, ignore=ignore)
    path = copy / module
    path.write_text(path.read_text() + f"\n\ndef _upward() -> None:\n    import {upward}\n")
    proc = lint(tmp_path / "src", tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    importer = "gigawatt." + module.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {upward}" in proc.stdout
