"""Rewrite the command outputs the docs quote from what the commands print now.

A quoted output is a ```text block just after a marker line

    <!-- output: gigawatt plan; from: What the lab needs, and who supplies it; lines: 15 -->

naming the command (``gigawatt ...``, run from a temporary folder, stdout only),
optionally the line the quote starts at (``from``: leave out lines with timings), how
many lines it keeps (``lines``) and the terminal width (``columns``, default 80; the
docs pages use 100, the width tests/docs runs their blocks at). ``python docs/outputs.py`` reruns every marked command (each once) and
rewrites the blocks in README.md and docs/*.md; ``--check`` rewrites nothing and exits 1
listing the blocks that differ (tests/docs/test_outputs.py runs it). So when a scenario's
numbers change, one command brings the docs up to date, and a test says when to run it.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^<!-- output: (?P<spec>.+?) -->$")
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class Quote:
    """One quoted output: where its block is and what it shows."""

    path: Path
    start: int  # index of the first line inside the block
    end: int  # index of the closing fence
    command: str
    first: str | None
    lines: int | None
    columns: int = 80


def quotes(path: Path) -> list[Quote]:
    """The marked output blocks of one file."""
    text = path.read_text(encoding="utf-8").splitlines()
    found = []
    for i, line in enumerate(text):
        m = MARKER.match(line.strip())
        if not m:
            continue
        if i + 1 >= len(text) or text[i + 1].strip() != "```text":
            raise ValueError(f"{path.name}:{i + 1}: an output marker must precede a ```text block")
        end = next(k for k in range(i + 2, len(text)) if text[k].rstrip() == "```")
        parts = [p.strip() for p in m.group("spec").split(";")]
        options = dict(p.split(":", 1) for p in parts[1:])
        found.append(
            Quote(
                path,
                i + 2,
                end,
                parts[0],
                options["from"].strip() if "from" in options else None,
                int(options["lines"]) if "lines" in options else None,
                int(options.get("columns", 80)),
            )
        )
    return found


def run(command: str, columns: int = 80) -> str:
    """The command's stdout at ``columns`` columns, run from an empty folder."""
    args = shlex.split(command)
    if args[0] != "gigawatt":
        raise ValueError(f"only gigawatt commands are quoted: {command}")
    script = Path(sys.executable).parent / "gigawatt"
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [str(script), *args[1:]], cwd=folder, env=env, capture_output=True, text=True
        )
    if done.returncode != 0:
        raise RuntimeError(f"{command} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return done.stdout


def shown(quote: Quote, output: str) -> list[str]:
    """The lines of ``output`` the quote shows (trailing spaces dropped)."""
    lines = [line.rstrip() for line in output.splitlines()]
    if quote.first is not None:
        lines = lines[lines.index(quote.first) :]
    return lines[: quote.lines] if quote.lines is not None else lines


def refresh(*, check: bool) -> list[str]:
    """Rewrite (or, with ``check``, compare) every quote; return the ones that differed."""
    outputs: dict[str, str] = {}
    stale = []
    for path in FILES:
        found = quotes(path)
        if not found:
            continue
        text = path.read_text(encoding="utf-8").splitlines()
        for q in reversed(found):  # from the end, so earlier indices stay valid
            key = f"{q.columns} {q.command}"
            if key not in outputs:
                outputs[key] = run(q.command, q.columns)
            want = shown(q, outputs[key])
            if [line.rstrip() for line in text[q.start : q.end]] != want:
                stale.append(f"{path.relative_to(ROOT)}:{q.start}: {q.command}")
                text[q.start : q.end] = want
        if not check:
            path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return stale


def main() -> int:
    """Command line: rewrite the quotes, or check them with --check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Compare only; exit 1 if stale.")
    check = bool(parser.parse_args().check)
    stale = refresh(check=check)
    for where in stale:
        print(f"{'stale' if check else 'rewritten'}: {where}")
    return 1 if stale and check else 0


if __name__ == "__main__":
    sys.exit(main())
