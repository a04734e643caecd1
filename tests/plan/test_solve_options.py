"""Solver settings HiGHS would silently ignore are refused as bad input (exit code 2)."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from gigawatt.cli import _register, app
from gigawatt.errors import InputError
from gigawatt.plan import SolveOptions

_register()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_limit_s": 0.0}, "--time-limit must be a positive number of seconds, got 0.0"),
        ({"time_limit_s": -1.0}, "--time-limit must be a positive number"),
        ({"time_limit_s": math.nan}, "--time-limit must be a positive number"),
        ({"time_limit_s": math.inf}, "--time-limit must be a positive number"),
        ({"mip_gap": -0.1}, "--mip-gap must be between 0 and 1 (0.01 is 1%), got -0.1"),
        ({"mip_gap": 1.5}, "--mip-gap must be between 0 and 1"),
        ({"threads": 0}, "threads must be at least 1, got 0"),
    ],
)
def test_out_of_range_settings_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InputError) as info:
        SolveOptions(**kwargs)  # type: ignore[arg-type]
    assert str(info.value).startswith(message)


def test_settings_in_range_are_kept() -> None:
    options = SolveOptions(time_limit_s=0.5, mip_gap=0.0, threads=1)
    assert (options.time_limit_s, options.mip_gap, options.threads) == (0.5, 0.0, 1)
    assert SolveOptions(mip_gap=1.0).mip_gap == 1.0


@pytest.mark.parametrize("option", [["--time-limit", "-1"], ["--mip-gap", "2"]])
def test_plan_exits_2_on_them(option: list[str]) -> None:
    result = CliRunner().invoke(app, ["plan", "frontier-lab-2025", *option])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: --")
