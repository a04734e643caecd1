"""Benchmark the command line's start: how long a person waits for a quick command.

One command::

    python benchmarks/bench_cli.py [--repeats 15] [--before SRC] [--out benchmarks/results/cli.json]

Each command runs ``--repeats`` times in a fresh interpreter (the way a shell runs it),
interleaved round by round so that load on the shared machine hits every command alike,
and the median wall time is kept. Baselines in the same run: ``python -c pass`` (the
interpreter alone) and ``python -c "import gigawatt"`` (the package, no command).
Reported: each median and its ratio to both baselines. Targets (issue #18): ``--help``
<= 0.4 s, ``validate`` <= 0.8 s on the idle 2-core machine; ``scenarios`` fast too.
With ``--before SRC`` (a ``src`` folder of an earlier commit, e.g. from ``git archive``)
the same commands also run on that code, in the same rounds, as ``... (before)``.
The load average before and after is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

CLI = "import sys; from gigawatt.cli import main; sys.argv[0] = 'gigawatt'; main()"

COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "import gigawatt": ["-c", "import gigawatt"],
    "gigawatt --help": ["-c", CLI, "--help"],
    "gigawatt scenarios": ["-c", CLI, "scenarios"],
    "gigawatt validate": ["-c", CLI, "validate", "frontier-lab-2025"],
    "gigawatt schema": ["-c", CLI, "schema"],
    "gigawatt forecast --help": ["-c", CLI, "forecast", "--help"],
}
TARGETS_S = {"gigawatt --help": 0.4, "gigawatt validate": 0.8}


def run_once(args: list[str], src: str | None) -> float:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    began = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, capture_output=True, env=env)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--before", help="src folder of the code to compare with")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/cli.json"))
    opts = parser.parse_args()
    runs: dict[str, tuple[list[str], str | None]] = {
        name: (args, None) for name, args in COMMANDS.items()
    }
    if opts.before:
        before = str(Path(opts.before).resolve())
        runs.update({f"{name} (before)": (args, before) for name, args in COMMANDS.items()})
    load_before = os.getloadavg()
    for args, src in runs.values():
        run_once(args, src)  # untimed: the file cache and .pyc files warm
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(opts.repeats):
        for name, (args, src) in runs.items():
            times[name].append(run_once(args, src))
    load_after = os.getloadavg()
    medians = {name: statistics.median(t) for name, t in times.items()}
    python, package = medians["python -c pass"], medians["import gigawatt"]
    rows = [
        {
            "command": name,
            "median_s": round(m, 4),
            "min_s": round(min(times[name]), 4),
            "x_python": round(m / python, 2),
            "x_import_gigawatt": round(m / package, 2),
            "target_s": TARGETS_S.get(name),
            "before": name.endswith("(before)"),
        }
        for name, m in medians.items()
    ]
    print(f"{'command':37} {'median s':>9} {'min s':>7} {'x python':>9} {'x import':>9} target")
    for r in rows:
        target = "" if r["target_s"] is None else f"<= {r['target_s']}"
        print(
            f"{r['command']:37} {r['median_s']:9.3f} {r['min_s']:7.3f} "
            f"{r['x_python']:9.1f} {r['x_import_gigawatt']:9.1f} {target}"
        )
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "repeats": opts.repeats,
                "load_before": load_before,
                "load_after": load_after,
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
