"""The command line loads what a command uses when it runs, not when it is imported.

Each check runs in a fresh interpreter, so that nothing an earlier test imported counts.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "linopy",
    "xarray",
    "scipy",
    "numba",
    "pandas",
    "pyarrow",
    "plotly",
    "matplotlib",
    "highspy",
    "fastapi",
    "sqlalchemy",
    "httpx",
    "ray",
)

REPORT = (
    "import json, sys\n"
    f"heavy = {HEAVY!r}\n"
    "loaded = sorted({m.split('.')[0] for m in sys.modules} & set(heavy))\n"
    "sys.__stdout__.write('\\nLOADED=' + json.dumps(loaded) + '\\n')\n"
)


def loaded_after(code: str) -> list[str]:
    """The heavy packages in ``sys.modules`` after running ``code`` in a new interpreter."""
    program = f"try:\n    {code}\nexcept SystemExit:\n    pass\n{REPORT}"
    proc = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.rsplit("LOADED=", 1)[1]
    loaded: list[str] = json.loads(line)
    return loaded


def test_importing_the_command_line_loads_nothing_heavy() -> None:
    assert loaded_after("import gigawatt.cli; gigawatt.cli._register()") == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["forecast", "--help"],
        ["plan", "--help"],
        ["broker", "token", "--help"],
        ["scenarios"],
        ["validate", "frontier-lab-2025"],
        ["schema"],
    ],
)
def test_a_command_loads_only_what_it_uses(argv: list[str]) -> None:
    code = f"import sys; sys.argv = ['gigawatt', *{argv!r}]; from gigawatt.cli import main; main()"
    assert loaded_after(code) == []


def test_the_heavy_packages_are_seen_when_loaded() -> None:
    """The check above could fail: a command that plans does load the modelling stack."""
    code = "import gigawatt.plan.model"
    assert {"linopy", "xarray", "pandas"} <= set(loaded_after(code))
