"""Runs of the console script shared by the cross-check suite's fixtures and tests.

Output is captured as printed to a pipe 80 columns wide, without colours.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))
BUILTINS = ("frontier-lab-2025", "frontier-lab-2025-10")
SEEDS = (1, 2, 3)
TINY = Path(__file__).parents[1] / "sweep" / "tiny.yaml"


def run(*args: str) -> str:
    """Run the console script; its stdout (the test fails on a non-zero exit)."""
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    out = subprocess.run(
        [GIGAWATT, *args], capture_output=True, text=True, timeout=1200, env=env, check=False
    )
    assert out.returncode == 0, f"gigawatt {' '.join(args)} failed:\n{out.stderr}\n{out.stdout}"
    return out.stdout


@dataclass(frozen=True)
class Planned:
    """One plan: its folder, what `plan` printed (text or JSON), and whether cash is tracked."""

    name: str
    folder: Path
    text: str
    data: dict[str, Any] | None
    cash: bool
