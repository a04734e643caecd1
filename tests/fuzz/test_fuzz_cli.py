"""Fuzz ``validate``, ``show`` and ``plan`` with a seeded mutation corpus (``fuzz_corpus.py``).

Whatever the file holds: no traceback (the command ends with an exit code, never an
exception), the exit code is one of those documented (0 done, 2 bad input, 1 a failure
of the run; ``validate`` and ``show`` never 1), and every error about the file names
the file, a line and a column. ``plan`` runs on mutations of small scenarios only
(about half a second each). The seeds are fixed: every run checks the same cases.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from fuzz_corpus import SMALL, mutate_data, mutate_numbers, mutate_text
from typer.testing import CliRunner

from gigawatt.cli import _register, app
from gigawatt.scenario import builtin_names, builtin_text

_register()

DESIGN = Path(__file__).parents[1] / "scenario" / "design_example.yaml"
SOURCES = [
    *(builtin_text(n) for n in builtin_names()),
    DESIGN.read_text(encoding="utf-8"),
    *SMALL,
]
BATCH = 30
ERROR_LINE = re.compile(r"^error: (?P<file>.+?):(?P<line>\d+):(?P<column>\d+)(: |\s|$)")


def case(seed: int, sources: list[str], numbers_share: float = 0.0) -> str:
    rng = random.Random(seed)
    source = rng.choice(sources)
    if rng.random() < numbers_share:
        return mutate_numbers(source, rng)
    return (mutate_text if rng.random() < 0.5 else mutate_data)(source, rng)


def run(*args: str) -> tuple[int, str]:
    """Run a command in-process; an exception that escaped it fails the test."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: {result.exception!r}") from result.exception
    return result.exit_code, result.stdout


def assert_located(problems: list[dict[str, Any]], path: Path, text: str) -> None:
    for p in problems:
        if p["severity"] == "error":
            assert p["file"] == str(path), p
            assert p["line"] >= 1, (p, text)
            assert p["column"] >= 1, (p, text)


def assert_text_located(output: str, path: Path, text: str) -> None:
    errors = [ln for ln in output.splitlines() if ln.startswith("error: ")]
    for ln in errors:
        m = ERROR_LINE.match(ln)
        assert m is not None and m["file"] == str(path), (ln, text)
        assert int(m["line"]) >= 1, (ln, text)


@pytest.mark.parametrize("batch", range(8))
def test_validate_never_crashes_and_locates_every_error(batch: int, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.yaml"
    for seed in range(batch * BATCH, (batch + 1) * BATCH):
        text = case(seed, SOURCES)
        path.write_text(text, encoding="utf-8")
        if seed % 2:
            code, out = run("validate", str(path))
            assert code in (0, 2), (seed, out)
            assert "Traceback" not in out
            assert_text_located(out, path, text)
            continue
        code, out = run("validate", str(path), "--json")
        assert code in (0, 2), (seed, out)
        data = json.loads(out)
        assert data["valid"] is (code == 0)
        (result,) = data["files"]
        assert_located(result["problems"], path, text)


@pytest.mark.parametrize("batch", range(2))
def test_show_never_crashes(batch: int, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.yaml"
    for seed in range(10_000 + batch * BATCH, 10_000 + (batch + 1) * BATCH):
        text = case(seed, SOURCES, numbers_share=0.5)
        path.write_text(text, encoding="utf-8")
        code, out = run("show", str(path))
        assert code in (0, 2), (seed, out)
        assert_text_located(out, path, text)


@pytest.mark.slow
@pytest.mark.parametrize("batch", range(3))
def test_plan_never_crashes_on_small_scenarios(batch: int, tmp_path: Path) -> None:
    """Mostly valid-but-odd numbers (x 10^-45..10^45), some broken files."""
    path = tmp_path / "fuzz.yaml"
    solved = 0
    for seed in range(20_000 + batch * BATCH, 20_000 + (batch + 1) * BATCH):
        text = case(seed, SMALL, numbers_share=0.7)
        path.write_text(text, encoding="utf-8")
        code, out = run(
            "plan", str(path), "--json", "--no-duals", "--no-report", "--time-limit", "30"
        )
        assert code in (0, 1, 2), (seed, out)
        data = json.loads(out)
        if code == 0:
            assert data["status"] in ("optimal", "time_limit"), seed
            solved += 1
        else:
            assert data["status"] == "error", seed
            assert data["error"], seed
            if code == 2:
                assert data["problems"], (seed, data)
                assert_located(data["problems"], path, text)
    assert solved >= BATCH // 5, "the corpus must keep some plans solvable"
