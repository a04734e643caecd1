"""The first forecast after an install says that it compiles, and for how long.

A fresh ``NUMBA_CACHE_DIR`` is a cold cache (as after an install); the second run in
the same folder loads every loop from it and says nothing. Results are the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gigawatt.forecast.jit import COMPILING

pytestmark = pytest.mark.slow

RUN = "import sys; from gigawatt.cli import main; sys.argv[0] = 'gigawatt'; main()"


def forecast(cache: Path) -> tuple[dict[str, Any], str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-c", RUN, "forecast", "--samples", "300", "--workers", "1", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """The summary without what depends on the clock."""
    return {k: v for k, v in result.items() if k not in {"seconds", "timings"}}


def test_a_cold_cache_is_announced_with_its_time_and_a_warm_one_is_silent(
    tmp_path: Path,
) -> None:
    cold, cold_err = forecast(tmp_path)
    assert COMPILING in cold_err
    lines = [ln for ln in cold_err.splitlines() if "numba loop(s) in" in ln]
    assert len(lines) == 1, cold_err
    seconds = float(lines[0].rsplit(" in ", 1)[1].removesuffix(" s"))
    assert seconds > 0
    assert any(tmp_path.rglob("*.nbi")), "numba wrote no cache index"

    warm, warm_err = forecast(tmp_path)
    assert COMPILING not in warm_err
    assert "numba loop(s) in" not in warm_err
    assert comparable(warm) == comparable(cold)
