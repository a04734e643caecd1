"""The terminal as a person sees it (issue #19): the main commands at 80 and 120 columns.

Each command runs in a real terminal (tmux) of that width and the screen is checked: no
line wider than the terminal, no name broken inside a word, units as a person reads them
(no bare scale factor such as ``1e24 FLOP``), titles on one line at 120 columns. Piped
output is plain text (no ANSI escape codes). The plan comes from the design's example
scenario, solved once into a folder the commands then read.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from terminal_support import gigawatt_script, scenario_names, split_names, tmux_screen, too_wide

from gigawatt.cli.layout import GAP, column_widths
from gigawatt.scenario import load_scenario

DESIGN_EXAMPLE = Path(__file__).resolve().parents[1] / "scenario" / "design_example.yaml"
WIDTHS = (80, 120)
#: A unit that is a bare power of ten (``1e24 FLOP``, ``1e6``): not how a person reads.
SCALE_UNIT = re.compile(r"(?<![\d.+])1e\d+\b")
ANSI = "\x1b["


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("terminal") / "plan"
    subprocess.run(
        [gigawatt_script(), "plan", str(DESIGN_EXAMPLE), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out


def _commands(plan_dir: Path) -> dict[str, list[str]]:
    return {
        "show": ["show"],
        "show-10": ["show", "frontier-lab-2025-10"],
        "validate": ["validate", "frontier-lab-2025-10"],
        "plan": ["plan", str(DESIGN_EXAMPLE)],
        "report": ["report", str(plan_dir), "-o", str(plan_dir / "again.html")],
        "trends": ["trends"],
    }


NAMES = (
    scenario_names(load_scenario("frontier-lab-2025"))
    | scenario_names(load_scenario("frontier-lab-2025-10"))
    | scenario_names(load_scenario(str(DESIGN_EXAMPLE)))
)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", ["show", "show-10", "validate", "plan", "report", "trends"])
def test_screen_fits_and_keeps_names_whole(
    command: str, width: int, plan_dir: Path, tmp_path: Path
) -> None:
    args = _commands(plan_dir)[command]
    screen = tmux_screen(args, width, cwd=tmp_path)
    assert screen.strip(), f"gigawatt {' '.join(args)} printed nothing"
    assert "Traceback" not in screen, screen
    assert too_wide(screen, width) == [], f"lines wider than {width} columns:\n{screen}"
    assert split_names(screen, NAMES) == [], f"names split across lines:\n{screen}"
    assert SCALE_UNIT.findall(screen) == [], f"bare scale factors as units:\n{screen}"
    if command.startswith("show"):
        # every contract and site name appears whole on the screen
        scenario = load_scenario(args[1] if len(args) > 1 else "frontier-lab-2025")
        for name in [*scenario.sites, *(c.name for c in scenario.contracts)]:
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", screen), name


def test_titles_do_not_wrap_at_120(plan_dir: Path, tmp_path: Path) -> None:
    """A title is one line whenever it is narrower than the terminal."""
    screen = tmux_screen(["show"], 120, cwd=tmp_path)
    lines = screen.splitlines()
    title = "Installable capacity at year end: accelerators (thousands) / MW"
    assert title in lines, screen
    assert "Contracts" in lines and "Workloads" in lines


def test_show_at_80_prints_clauses_in_words(tmp_path: Path) -> None:
    screen = tmux_screen(["show"], 80, cwd=tmp_path)
    assert "#2 right of first refusal (every workload)" in screen
    assert "right_of_firs" not in screen


def test_trends_says_what_each_interval_is(tmp_path: Path) -> None:
    screen = " ".join(tmux_screen(["trends"], 80, cwd=tmp_path).split())
    assert "90% PI, prediction interval: where one model's compute should fall" in screen
    assert "90% CI, confidence interval of the line: where the trend itself may lie" in screen


@pytest.mark.parametrize("command", ["show", "validate", "plan", "trends"])
def test_piped_output_is_plain(command: str, plan_dir: Path) -> None:
    args = _commands(plan_dir)[command]
    done = subprocess.run(
        [gigawatt_script(), *args], capture_output=True, text=True, check=False, timeout=240
    )
    assert done.returncode == 0, done.stderr
    assert ANSI not in done.stdout and ANSI not in done.stderr
    assert too_wide(done.stdout, 80) == [], done.stdout


def test_built_ins_raise_no_warning() -> None:
    """A user cannot fix a built-in: its prorated contracts are notes, not warnings."""
    for name in ("frontier-lab-2025", "frontier-lab-2025-10"):
        problems = load_scenario(name).warnings
        assert [str(p) for p in problems if p.severity != "note"] == []
    done = subprocess.run(
        [gigawatt_script(), "validate", "frontier-lab-2025-10"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "warning" not in done.stderr + done.stdout
    assert "note: " in done.stderr and "prorated to 62/84" in done.stderr


def test_widths_never_split_a_word() -> None:
    header = ["id", "status", "reason"]
    rows = [["1", "rejected", "no offer can ever hold 500000 H100 over [2026-01-01 00:00"]]
    widths = column_widths([header, *rows], [True, True, True], 40)
    assert widths is not None
    assert sum(widths) + GAP * 2 <= 40
    assert widths[2] >= len("[2026-01-01") and widths[1] == len("rejected")
    # the longest words do not fit side by side: no widths (a record per row instead)
    assert column_widths([["a" * 30, "b" * 30]], [True, True], 40) is None
    # numbers never wrap
    assert column_widths([["n"], ["1,234,567"]], [False], 9) == [9]
