"""Options every command takes: --quiet and --no-color (before the command name)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

# SGR colour codes: foreground 30-38, 90-97 and background 40-48, 100-107 (bold is not a colour)
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7]|4[0-8]|10[0-7])(?:;[0-9;]*)?m")

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))
DESIGN = Path(__file__).parents[1] / "scenario" / "design_example.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GIGAWATT, *args], capture_output=True, text=True, timeout=300)


def test_quiet_prints_nothing_for_success_but_keeps_errors(tmp_path: Path) -> None:
    ok = run("--quiet", "validate", str(DESIGN))
    assert ok.returncode == 0
    assert ok.stdout == "" and ok.stderr == ""  # not even the two warnings
    bad = tmp_path / "bad.yaml"
    bad.write_text(DESIGN.read_text().replace("usd_per_hour: 2.4", "usd_per_hour: -2.4"))
    out = run("--quiet", "validate", str(bad))
    assert out.returncode == 2
    assert f"{bad}:22:48: sites.azure-east.offers[0].usd_per_hour" in out.stderr


def test_no_color_has_no_escape_codes() -> None:
    env_run = subprocess.run(
        [GIGAWATT, "--no-color", "show", str(DESIGN)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "FORCE_COLOR": "1"},
    )
    assert env_run.returncode == 0, env_run.stderr
    assert not COLOUR.search(env_run.stdout + env_run.stderr)
    colored = subprocess.run(
        [GIGAWATT, "show", str(DESIGN)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "FORCE_COLOR": "1"},
    )
    assert COLOUR.search(colored.stdout + colored.stderr)  # the check above can fail
