"""How the planner's time grows: plan time against months, sites, workloads and ROFR binaries.

One command (issue #18, item 6)::

    python benchmarks/bench_scaling.py                # the full table (take it on an idle machine)
    python benchmarks/bench_scaling.py --quick        # small sizes, one repeat: proves it runs

Each axis varies one size of a generated scenario (``benchmarks/generate.py``, with its
right of first refusal) and keeps the others at the base point:

* ``months``: the horizon, 36 / 72 / 120 months;
* ``sites``: 10 / 20 / 40 sites;
* ``workloads``: 12 / 24 / 48 workloads;
* ``rofr``: the months the right of first refusal covers (12 / 24 / 48 / 96 of a
  120-month horizon), so that the number of its binaries grows and little else does.

Every point is planned ``--repeats`` times in this process after one warm-up plan (the
imports and linopy's first-call costs are not in the figures): build (``PlanInputs`` +
``build_model``) and solve (``solve_model`` without duals, HiGHS with ``--threads``),
wall-clock, medians. The model's size (variables, constraints, binaries, of which those
of the right of first refusal) and HiGHS's nodes and simplex iterations are recorded.

For each axis the growth exponent ``b`` of ``time ~ a * x**b`` is fitted by least
squares on ``log(time)`` against ``log(x)`` (x = months, sites, workloads or ROFR
binaries), next to the exponent of the number of variables, so that a time exponent
above the size exponent shows the solver's superlinear cost. Results go to
``benchmarks/results/scaling.json`` (``--out``) and a markdown table is printed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

#: The base point every axis starts from (arguments of ``generate_scenario``).
BASE: dict[str, Any] = {"sites": 10, "workloads": 12, "months": 72, "rofr_months": 24}
AXES: dict[str, tuple[str, list[int]]] = {
    "months": ("months", [36, 72, 120]),
    "sites": ("sites", [10, 20, 40]),
    "workloads": ("workloads", [12, 24, 48]),
    "rofr": ("rofr_months", [12, 24, 48, 96]),
}
#: --quick: small sizes, to check that the command runs end to end.
QUICK_BASE: dict[str, Any] = {"sites": 4, "workloads": 6, "months": 24, "rofr_months": 12}
QUICK_AXES: dict[str, tuple[str, list[int]]] = {
    "months": ("months", [12, 24, 36]),
    "sites": ("sites", [4, 8]),
    "workloads": ("workloads", [6, 12]),
    "rofr": ("rofr_months", [6, 12, 24]),
}


def _scenario(params: dict[str, Any], seed: int) -> Any:
    sys.path.insert(0, str(HERE))
    from generate import generate_scenario
    from gigawatt.scenario.load import scenario_from_data

    args = dict(params)
    args["rofr_months"] = min(args["rofr_months"], args["months"])
    data = generate_scenario(seed=seed, rofr=True, **args)
    return scenario_from_data(data, f"generated {params}")


def _plan_once(scenario: Any, threads: int | None) -> dict[str, Any]:
    from gigawatt.plan.inputs import PlanInputs
    from gigawatt.plan.model import build_model
    from gigawatt.plan.solve import SolveOptions, solve_model

    t0 = time.perf_counter()
    pm = build_model(PlanInputs.from_scenario(scenario))
    t1 = time.perf_counter()
    outcome = solve_model(pm, SolveOptions(duals=False, threads=threads))
    t2 = time.perf_counter()
    m = pm.model
    info = m.solver_model.getInfo()
    rofr_binaries = sum(int((m.variables[n].labels.values != -1).sum()) for n in pm.rofr_names)
    return {
        "build_s": t1 - t0,
        "solve_s": t2 - t1,
        "total_s": t2 - t0,
        "objective_musd": outcome.objective_musd,
        "status": outcome.status,
        "variables": int(m.nvars),
        "constraints": int(m.ncons),
        "binaries": int(m.binaries.nvars),
        "rofr_binaries": rofr_binaries,
        "nodes": int(max(info.mip_node_count, 0)),
        "iterations": int(info.simplex_iteration_count),
    }


def _point(params: dict[str, Any], seed: int, repeats: int, threads: int | None) -> dict[str, Any]:
    scenario = _scenario(params, seed)
    runs = [_plan_once(scenario, threads) for _ in range(repeats)]
    first = runs[0]
    for run in runs[1:]:
        scale = max(abs(first["objective_musd"]), 1.0)
        if abs(run["objective_musd"] - first["objective_musd"]) > 2e-4 * scale:
            raise SystemExit(f"{params}: optima differ between repeats")
    out = {k: first[k] for k in ("variables", "constraints", "binaries", "rofr_binaries")}
    for key in ("build_s", "solve_s", "total_s"):
        out[key] = float(statistics.median(r[key] for r in runs))
    out["nodes"] = first["nodes"]
    out["iterations"] = first["iterations"]
    out["objective_musd"] = first["objective_musd"]
    out["runs"] = runs
    return out


def growth_exponent(xs: list[float], ys: list[float]) -> float | None:
    """Least-squares slope of log(y) on log(x): b in y ~ a * x**b (None if undefined)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    if sxx == 0:
        return None
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx


def _table(result: dict[str, Any]) -> str:
    lines = [
        "| axis | x | variables / constraints / binaries (ROFR) | build s | solve s "
        "| total s | nodes | iterations |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for axis, data in result["axes"].items():
        for p in data["points"]:
            lines.append(
                f"| {axis} | {p['x']:,} | {p['variables']:,} / {p['constraints']:,} / "
                f"{p['binaries']:,} ({p['rofr_binaries']:,}) | {p['build_s']:.2f} | "
                f"{p['solve_s']:.2f} | {p['total_s']:.2f} | {p['nodes']:,} | "
                f"{p['iterations']:,} |"
            )
    lines += ["", "| axis (x) | exponent of total time | of solve time | of variables |"]
    lines.append("| --- | ---: | ---: | ---: |")
    for axis, data in result["axes"].items():
        e = data["exponents"]

        def f(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.2f}"

        lines.append(
            f"| {axis} ({data['x']}) | {f(e['total_s'])} | {f(e['solve_s'])} | "
            f"{f(e['variables'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every axis, print the table and the fitted exponents, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    ap.add_argument("--only", choices=sorted(AXES), action="append")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    base, axes = (QUICK_BASE, QUICK_AXES) if a.quick else (BASE, AXES)
    repeats = 1 if a.quick else a.repeats
    out_path = a.out or RESULTS / ("scaling-quick.json" if a.quick else "scaling.json")
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_start": os.getloadavg(),
        "threads": a.threads,
        "repeats": repeats,
        "seed": a.seed,
        "base": base,
        "axes": {},
    }
    _point({**base, "months": 12, "rofr_months": 12}, a.seed, 1, a.threads)  # warm-up
    for axis in a.only or list(axes):
        key, values = axes[axis]
        points = []
        for value in values:
            params = {**base, key: value}
            if axis == "rofr":
                params["months"] = max(base["months"], max(values))
            p = _point(params, a.seed, repeats, a.threads)
            p["x"] = p["rofr_binaries"] if axis == "rofr" else value
            p["params"] = params
            points.append(p)
            print(
                f"{axis} {value}: {p['variables']:,} variables, {p['binaries']} binaries "
                f"({p['rofr_binaries']} ROFR), total {p['total_s']:.2f} s",
                file=sys.stderr,
            )
        xs = [float(p["x"]) for p in points]
        result["axes"][axis] = {
            "x": "ROFR binaries" if axis == "rofr" else axis,
            "points": points,
            "exponents": {
                k: growth_exponent(xs, [float(p[k]) for p in points])
                for k in ("total_s", "solve_s", "variables")
            },
        }
    result["load_average_end"] = os.getloadavg()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2) + "\n")
    print(_table(result))
    print(f"\nload average {result['load_average_start']} -> {result['load_average_end']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
