"""Benchmark the sweep: throughput serially, on a local Ray with 1 worker and with 2.

One command::

    python benchmarks/bench_sweep.py [--case tests/sweep/tiny.yaml:24]
                                     [--case frontier-lab-2025-10:6] [--repeats 3] [--clauses]

For each case (a scenario and its number of samples; default the tiny test scenario with
24 samples) and each configuration the same sweep (seed 1) is run ``--repeats`` times
and the median wall time kept:

* serial = ``run_sweep(..., backend="serial")`` in this process;
* ray-1, ray-2 = ``run_sweep(..., backend="ray")`` on a local Ray started once with
  ``num_cpus`` 1 or 2 (not timed), after one untimed warm-up sweep of as many samples
  as workers so that every worker process has imported the planner.

Throughput = samples / median seconds. Efficiency of 2 workers =
throughput(ray-2) / (2 x throughput(ray-1)); the Ray overhead on one worker =
throughput(serial) / throughput(ray-1). Every run's results are checked equal to the
serial run's (the ``seconds`` column aside). The load average before and after is
recorded: the machine is shared, and 2 workers on 2 busy cores cannot scale. Results go
to ``benchmarks/results/sweep.json`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from gigawatt.raytools import ray_session
from gigawatt.scenario import load_scenario
from gigawatt.sweep import Backend, Sweep, run_sweep

ROOT = Path(__file__).resolve().parent.parent


def _same(a: Sweep, b: Sweep) -> bool:
    for name, frame in a.tables.items():
        x = frame.drop(columns=["seconds"], errors="ignore")
        y = b.tables[name].drop(columns=["seconds"], errors="ignore")
        try:
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        except AssertionError:
            return False
    return True


def _timed(run: Any, repeats: int) -> tuple[list[float], Sweep]:
    times, last = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        last = run()
        times.append(time.perf_counter() - began)
        print(f"    {times[-1]:.2f}s", file=sys.stderr)
    assert last is not None
    return times, last


def bench_case(path: str, samples: int, repeats: int, clauses: bool) -> dict[str, Any]:
    """Time one scenario serially, on Ray with 1 worker and with 2."""
    scenario = load_scenario(path)
    load_before = os.getloadavg()

    def sweep(backend: Backend, n: int = samples) -> Sweep:
        return run_sweep(scenario, samples=n, seed=1, backend=backend, clauses=clauses)

    print(f"{scenario.name}: serial, {samples} samples x {repeats}", file=sys.stderr)
    serial_s, reference = _timed(lambda: sweep("serial"), repeats)
    runs: dict[str, dict[str, Any]] = {"serial": {"runs_s": serial_s, "equal": True}}
    for workers in (1, 2):
        name = f"ray-{workers}"
        print(f"{scenario.name}: {name}: starting Ray, warm-up", file=sys.stderr)
        started = time.perf_counter()
        with ray_session(None, workers):
            start_s = time.perf_counter() - started
            sweep("ray", workers)
            times, result = _timed(lambda: sweep("ray"), repeats)
        runs[name] = {"runs_s": times, "ray_start_s": start_s, "equal": _same(reference, result)}
    for r in runs.values():
        r["median_s"] = statistics.median(r["runs_s"])
        r["best_s"] = min(r["runs_s"])
        r["samples_per_s"] = samples / r["median_s"]
    t1, t2 = runs["ray-1"]["samples_per_s"], runs["ray-2"]["samples_per_s"]
    return {
        "scenario": scenario.name,
        "source": path,
        "samples": samples,
        "clauses": clauses,
        "repeats": repeats,
        "solved": reference.summary["solved"],
        "mean_sample_s": reference.summary["sample_seconds"] / samples,
        "runs": runs,
        "efficiency_2_workers": t2 / (2 * t1),
        "speedup_2_vs_1": t2 / t1,
        "ray_1_vs_serial": t1 / runs["serial"]["samples_per_s"],
        "all_equal_to_serial": all(r["equal"] for r in runs.values()),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--case",
        action="append",
        metavar="SCENARIO:SAMPLES",
        help="scenario file or built-in name and its number of samples (repeatable)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clauses", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "sweep.json"))
    args = parser.parse_args()
    cases = args.case or [f"{ROOT / 'tests' / 'sweep' / 'tiny.yaml'}:24"]
    results = []
    for case in cases:
        path, _, n = case.rpartition(":")
        results.append(bench_case(path, int(n), args.repeats, args.clauses))
    data = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cases": results,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    for c in results:
        print(f"{c['scenario']}: {c['samples']} samples, {c['mean_sample_s']:.2f}s per sample")
        for name, r in c["runs"].items():
            print(
                f"  {name:7s} median {r['median_s']:7.2f}s (best {r['best_s']:.2f}s) "
                f"{r['samples_per_s']:6.2f} samples/s  equal to serial: {r['equal']}"
            )
        print(
            f"  efficiency (2 workers) {c['efficiency_2_workers']:.2f}; ray-1 / serial "
            f"{c['ray_1_vs_serial']:.2f}; load {c['load_average_before']} -> "
            f"{c['load_average_after']}"
        )
    print(f"written to {out}")


if __name__ == "__main__":
    main()
