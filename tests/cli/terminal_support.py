"""Running ``gigawatt`` in a real terminal (tmux) and reading the screen as a person does.

Each command runs in a detached tmux session of a given size on a private server socket
(``tmux -L``), and the screen is read with ``capture-pane -p -J``: lines the terminal
wrapped are joined again, so a line longer than the terminal is one that did not fit.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from gigawatt.scenario import Scenario

END = "__gigawatt_done__"


def gigawatt_script() -> str:
    """The installed ``gigawatt`` console script beside this interpreter."""
    beside = Path(sys.executable).parent / "gigawatt"
    if beside.is_file():
        return str(beside)
    found = shutil.which("gigawatt")
    if found is None:
        pytest.fail("the `gigawatt` console script is not installed")
    return found


def tmux_screen(args: list[str], width: int, *, cwd: Path, timeout_s: float = 240.0) -> str:
    """What the terminal shows after ``gigawatt ARGS`` ran in a ``width``-column tmux."""
    tmux = shutil.which("tmux")
    if tmux is None:
        pytest.fail("tmux is not installed (apt-get install tmux)")
    socket = f"gigawatt-test-{uuid.uuid4().hex[:12]}"
    env_path = os.environ.get("PYTHONPATH", "")
    command = " ".join(shlex.quote(a) for a in [gigawatt_script(), *args])
    script = (
        f"cd {shlex.quote(str(cwd))}; export PYTHONPATH={shlex.quote(env_path)}; "
        "export TERM=xterm-256color; "
        f"{command}; echo {END}; sleep 600"
    )
    base = [tmux, "-L", socket, "-f", "/dev/null"]
    subprocess.run(
        [*base, "new-session", "-d", "-x", str(width), "-y", "50", "sh", "-c", script],
        check=True,
    )
    try:
        subprocess.run([*base, "set-option", "-g", "history-limit", "20000"], check=False)
        deadline = time.monotonic() + timeout_s
        screen = ""
        while time.monotonic() < deadline:
            screen = subprocess.run(
                [*base, "capture-pane", "-p", "-J", "-S", "-", "-E", "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            if any(line.strip() == END for line in screen.splitlines()):
                break
            time.sleep(0.3)
        else:
            pytest.fail(f"gigawatt {' '.join(args)} did not finish in {timeout_s:.0f} s:\n{screen}")
    finally:
        subprocess.run([*base, "kill-server"], check=False, capture_output=True)
    lines = screen.splitlines()
    return "\n".join(lines[: [line.strip() for line in lines].index(END)]).rstrip()


def scenario_names(scenario: Scenario) -> set[str]:
    """Names a person looks for whole: providers, sites, workloads, contracts."""
    names = set(scenario.providers) | set(scenario.sites)
    names |= {w.name for w in scenario.workloads} | {c.name for c in scenario.contracts}
    return names


def split_names(screen: str, names: set[str]) -> list[str]:
    """Words on screen that are a broken-off start or end of a name (``microsoft-202``).

    Rich wraps between words and folds a word only where the column ends, so a fold leaves
    a piece that does not end (or start) at one of the name's ``-``/``_`` joints; a piece
    that does (``2025-11`` of ``aws-2025-11``, a month) is ordinary text.
    """
    found = []
    for raw in screen.replace("│", " ").replace("┃", " ").split():
        word = raw.strip(",;:()[]")
        if word in names or re.fullmatch(r"[-+$\d.,%x]*", word) or len(word) < 3:
            continue  # numbers and two-letter words are values, not pieces of names
        if len(word) < 4 and not re.search(r"[-_\d]", word):
            continue  # short English words ("and", "per") neither
        for name in names:
            if word == name or word not in name:
                continue
            joints = re.split(r"([-_])", name)
            prefixes = {"".join(joints[:k]) for k in range(1, len(joints) + 1)}
            suffixes = {"".join(joints[k:]) for k in range(len(joints))}
            if (name.startswith(word) and word not in prefixes) or (
                name.endswith(word) and word not in suffixes
            ):
                found.append(f"{word!r} (of {name!r})")
    return found


def too_wide(screen: str, width: int) -> list[str]:
    """Lines longer than the terminal (the terminal had to wrap them)."""
    return [line for line in screen.splitlines() if len(line.rstrip()) > width]
