"""Benchmark the stochastic plan: the extensive form against progressive hedging, by S.

One command::

    python benchmarks/bench_decide.py            # S = 10, 20, 50, 100, 200
    python benchmarks/bench_decide.py --quick    # S = 4, 8 and at most 5 iterations

For each number of futures S (drawn with seed 1 from
``benchmarks/scenarios/decide-reserve.yaml``, the example of docs/decide.md: six
months, commitments of the first three decided now) and each method, the stochastic
plan alone is solved (no mean-value, wait-and-see or regret solves), each in a fresh
Python process, and its wall time and peak memory measured:

* ``extensive``: build every future's model, copy them into the extensive form, solve
  it (:mod:`gigawatt.decide.extensive`);
* ``hedging``: progressive hedging in this process (:mod:`gigawatt.decide.hedging`);
* ``hedging-ray-1``, ``hedging-ray-2``: the same on a local Ray with 1 and 2 CPUs (one
  actor per CPU holding its futures' models); the time includes starting Ray.

Peak memory = the largest sum, sampled every 0.1 s, of the resident memory of the
process and all its descendants (Ray's raylet, GCS and workers included). The
crossover is the smallest S at which 2-worker hedging is faster than the extensive
form; the efficiency per added core = time(1 worker) / (2 x time(2 workers)).
Hedging's iterations (``--hedging-iterations``, default 50) and whether it converged
are recorded with each run; its objective is compared with the extensive form's.
Results go to ``benchmarks/results/decide.json`` (``--out``) and a Markdown table to
stdout. The load average before and after is recorded: on a shared machine the
figures are those of a loaded machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "benchmarks" / "scenarios" / "decide-reserve.yaml"
METHODS = ("extensive", "hedging", "hedging-ray-1", "hedging-ray-2")
DECISION_MONTHS = 3


def run_one(method: str, samples: int, iterations: int) -> dict[str, Any]:
    """Solve the stochastic plan once, in this process (the child of :func:`measure`)."""
    from dataclasses import replace

    import numpy as np

    from gigawatt.decide import HedgingOptions, Risk, draw_futures
    from gigawatt.decide.extensive import build_extensive, solve_extensive
    from gigawatt.decide.hedging import progressive_hedging
    from gigawatt.decide.metrics import risk_value
    from gigawatt.decide.stages import first_stage
    from gigawatt.plan.planner import build
    from gigawatt.plan.solve import SolveOptions
    from gigawatt.raytools import ray_session
    from gigawatt.scenario import load_scenario

    scenario = load_scenario(SCENARIO)
    options = SolveOptions(duals=False, threads=1)
    futures = draw_futures(scenario, samples, seed=1)
    began = time.perf_counter()
    if method == "extensive":
        models = [build(s, options) for s in futures.scenarios(scenario)]
        stage = first_stage(models[0], DECISION_MONTHS)
        ef = build_extensive(models, futures.weights, stage, Risk())
        solution = solve_extensive(ef, replace(options))
        return {
            "seconds": time.perf_counter() - began,
            "objective_musd": solution.objective_musd,
            "variables": solution.variables,
            "constraints": solution.constraints,
        }
    settings = HedgingOptions(max_iterations=iterations)
    workers = int(method.rsplit("-", 1)[1]) if method.startswith("hedging-ray") else None
    with ray_session(None, workers) if workers else contextlib.nullcontext():
        ph = progressive_hedging(
            scenario.raw,
            scenario.source,
            futures,
            options,
            DECISION_MONTHS,
            settings,
            "ray" if workers else "serial",
        )
    costs = np.array([e.objective_musd for e in ph.evaluated])
    return {
        "seconds": time.perf_counter() - began,
        "objective_musd": risk_value(costs, futures.weights, Risk()),
        "iterations": ph.iterations,
        "converged": ph.converged,
        "gap": ph.gap,
        "models_built": ph.builds,
    }


def measure(method: str, samples: int, iterations: int) -> dict[str, Any]:
    """Run :func:`run_one` in a fresh process; sample its tree's memory."""
    import psutil

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    args = [sys.executable, __file__, "--one", method, str(samples), str(iterations)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
    parent = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        with contextlib.suppress(psutil.Error):
            for p in [parent, *parent.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
        peak = max(peak, total)
        time.sleep(0.1)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}"}
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak / 2**20
    return result


def table(runs: dict[str, dict[str, dict[str, Any]]], sizes: list[int]) -> str:
    """The Markdown table of the README (time s / peak MB, per S and method)."""
    lines = ["| S | " + " | ".join(METHODS) + " | efficiency, 2nd core |"]
    lines.append("| ---: |" + " ---: |" * (len(METHODS) + 1))
    for s in sizes:
        cells = []
        for m in METHODS:
            r = runs[str(s)].get(m, {})
            if "seconds" not in r:
                cells.append(r.get("error", "-"))
                continue
            extra = f", {r['iterations']} it" if "iterations" in r else ""
            cells.append(f"{r['seconds']:.1f} s / {r['peak_mb']:.0f} MB{extra}")
        one, two = runs[str(s)].get("hedging-ray-1", {}), runs[str(s)].get("hedging-ray-2", {})
        eff = (
            f"{one['seconds'] / (2 * two['seconds']):.2f}"
            if "seconds" in one and "seconds" in two
            else "-"
        )
        lines.append(f"| {s} | " + " | ".join(cells) + f" | {eff} |")
    return "\n".join(lines)


def crossover(runs: dict[str, dict[str, dict[str, Any]]], sizes: list[int]) -> int | None:
    """The smallest S at which 2-worker hedging beats the extensive form."""
    for s in sizes:
        e, h = runs[str(s)].get("extensive", {}), runs[str(s)].get("hedging-ray-2", {})
        if "seconds" in e and "seconds" in h and h["seconds"] < e["seconds"]:
            return s
    return None


def main() -> None:
    """Parse the arguments, run every (S, method), write the JSON, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="S = 4, 8; at most 5 iterations")
    parser.add_argument("--sizes", type=int, nargs="*", help="numbers of futures")
    parser.add_argument("--hedging-iterations", type=int, default=50)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/decide.json")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.one:
        method, samples, iterations = ns.one
        print(json.dumps(run_one(method, int(samples), int(iterations))))
        return
    sizes = ns.sizes or ([4, 8] if ns.quick else [10, 20, 50, 100, 200])
    iterations = 5 if ns.quick else ns.hedging_iterations
    load_before = os.getloadavg()
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    for s in sizes:
        runs[str(s)] = {}
        for m in METHODS:
            print(f"S={s} {m}...", file=sys.stderr, flush=True)
            runs[str(s)][m] = measure(m, s, iterations)
            print(f"    {runs[str(s)][m]}", file=sys.stderr, flush=True)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "scenario": str(SCENARIO.relative_to(ROOT)),
        "hedging_iterations": iterations,
        "sizes": sizes,
        "runs": runs,
        "crossover_futures": crossover(runs, sizes),
    }
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(table(runs, sizes))
    print(
        f"\ncrossover (2-worker hedging faster than the extensive form): S = "
        f"{result['crossover_futures']}; load {load_before} -> {result['load_average_after']}"
    )


if __name__ == "__main__":
    main()
