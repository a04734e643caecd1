"""Helpers of the sweep tests (imported as a top-level module, like tests/plan/strategies)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gigawatt.sweep import Sweep

TINY = Path(__file__).with_name("tiny.yaml")


def assert_same_results(a: Sweep, b: Sweep) -> None:
    """Every table equal, exactly, except the wall times of each sample."""
    assert set(a.tables) == set(b.tables)
    for name, frame in a.tables.items():
        pd.testing.assert_frame_equal(
            frame.drop(columns=["seconds"], errors="ignore"),
            b.tables[name].drop(columns=["seconds"], errors="ignore"),
            check_exact=True,
        )
