"""Benchmark the right-of-first-refusal MILP and clause costs by warm start.

One command::

    python benchmarks/bench_rofr.py [--repeats 1] [--time-limit 600] [--only default]

For each scenario, in one process, with the same HiGHS options (``threads`` as given):

* **HiGHS alone**: ``highspy`` reads the MPS export of the model *before* this change
  and runs it; the baseline of the run;
* **before**: the planner's model without the change, solved by ``solve_model``;
* **after**: the planner's model as built now.

"This change" is ``--change``: ``fill-or-serve`` (default; issue #18: the rows
``rofr_serve[k]`` removed gives the previous release) or ``all`` (every valid
inequality of the right of first refusal removed: the plain big-M formulation).

Each is timed wall-clock (build excluded; HiGHS's own run time is recorded too) with
its optimum, MIP nodes and simplex iterations, and the root gap of the model: its LP
relaxation (every binary in [0, 1], solved apart, untimed) against the optimum. The
optima must agree within the MIP gap (1e-4 relative), or the command fails. Nodes,
iterations and the root gap do not depend on the machine's load; seconds do.

Scenarios: the default ``frontier-lab-2025``; ``split-2x``: the same scenario with its
right of first refusal split into one clause per workload (the same feasible plans and
optimum: every clause asks the same of the counterparty, "full"; about 2.5x the
binaries); ``split-4x``: split, and the horizon doubled to 144 months (about 4.6x the
binaries; a different optimum). The binaries are counted in each run.

``--clauses`` adds, on the default scenario, ``--clause-repeats`` times: one plan
(build + solve), then clause costs by warm start (``method="warm"``) and from scratch
(``method="rebuild"``, serial), in alternating order; medians and the ratio of each
to one plan. ``--no-scenarios`` runs only that part. Results go to ``benchmarks/results/rofr.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
GAP = 1e-4


def _scenario(name: str) -> Any:
    from gigawatt.scenario import load_scenario
    from gigawatt.scenario.load import scenario_from_data

    base = load_scenario("frontier-lab-2025")
    if name == "default":
        return base
    raw = copy.deepcopy(base.raw)
    for contract in raw["contracts"]:
        split = []
        for clause in contract["clauses"]:
            if clause["type"] != "right_of_first_refusal":
                split.append(clause)
                continue
            for w in raw["workloads"]:
                tag = f"rofr-{w['name']}"
                w.setdefault("tags", [])
                w["tags"] = [*w["tags"], tag]
                split.append({**clause, "tags": [tag]})
        contract["clauses"] = split
    if name == "split-4x":
        raw["horizon"]["months"] = 2 * int(raw["horizon"]["months"])
    return scenario_from_data(raw, f"{name} (generated from frontier-lab-2025)")


def _strip(pm: Any, change: str) -> None:
    """Remove from a built model the rows of ``change`` (see the module docstring)."""
    from gigawatt.plan.model import remove_rofr_tightening

    if change == "all":
        remove_rofr_tightening(pm)
        return
    for name in [n for n in pm.rofr_rows if n.startswith("rofr_serve[")]:
        pm.model.remove_constraints(name)
        del pm.rofr_rows[name]


def _lp_relaxation(pm: Any, threads: int | None) -> float:
    """The optimum of the model's LP relaxation (binaries in [0, 1]), model units."""
    import highspy
    from linopy.io import to_highspy

    pm.model.constraints.sanitize_zeros()
    h = to_highspy(pm.model)
    h.setOptionValue("output_flag", False)
    if threads is not None:
        # HiGHS keeps one thread scheduler per process: every run here uses one setting
        h.setOptionValue("threads", int(threads))
    for i, kind in enumerate(h.getLp().integrality_):
        if kind == highspy.HighsVarType.kInteger:
            h.changeColIntegrality(i, highspy.HighsVarType.kContinuous)
    h.run()
    return float(h.getInfo().objective_function_value)


def _solve(pm: Any, threads: int | None, time_limit: float) -> dict[str, Any]:
    from gigawatt.plan.solve import SolveOptions, solve_model

    options = SolveOptions(duals=False, threads=threads, time_limit_s=time_limit)
    t = time.perf_counter()
    outcome = solve_model(pm, options)
    wall = time.perf_counter() - t
    h = pm.model.solver_model
    info = h.getInfo()
    return {
        "wall_s": wall,
        "highs_run_s": float(h.getRunTime()),
        "objective": outcome.objective_musd,
        "status": outcome.status,
        "nodes": int(info.mip_node_count),
        "iterations": int(info.simplex_iteration_count),
        "binaries": int(pm.model.binaries.nvars),
        "rows": int(h.getNumRow()),
    }


def _highs_alone(mps: Path, threads: int | None, time_limit: float) -> dict[str, Any]:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    h.readModel(str(mps))
    t = time.perf_counter()
    h.run()
    wall = time.perf_counter() - t
    info = h.getInfo()
    return {
        "wall_s": wall,
        "objective": float(info.objective_function_value),
        "status": h.modelStatusToString(h.getModelStatus()),
        "nodes": int(info.mip_node_count),
        "iterations": int(info.simplex_iteration_count),
    }


def _one(
    name: str, threads: int | None, time_limit: float, tmp: Path, change: str
) -> dict[str, Any]:
    from gigawatt.plan.planner import build

    scenario = _scenario(name)
    before = build(scenario)
    _strip(before, change)
    mps = tmp / f"{name}-before.mps"
    before.model.to_file(mps)
    root_before = _lp_relaxation(before, threads)
    alone = _highs_alone(mps, threads, time_limit)
    old = _solve(before, threads, time_limit)
    after = build(scenario)
    root_after = _lp_relaxation(after, threads)
    new = _solve(after, threads, time_limit)
    if old["status"] == new["status"] == "optimal":
        scale = max(abs(old["objective"]), 1.0)
        if abs(old["objective"] - new["objective"]) > 2 * GAP * scale:
            raise SystemExit(f"{name}: optima differ: {old['objective']} vs {new['objective']}")
    best = min(r["objective"] for r in (old, new))  # the planner's, incumbents if limited
    old["root_gap"] = (best - root_before) / max(abs(best), 1e-9)
    new["root_gap"] = (best - root_after) / max(abs(best), 1e-9)
    print(json.dumps({"alone": alone, "before": old, "after": new}), flush=True)
    return {"alone": alone, "before": old, "after": new}


def _clauses(threads: int | None, repeats: int) -> dict[str, Any]:
    from gigawatt.plan import SolveOptions, plan
    from gigawatt.plan.clauses import clause_costs

    scenario = _scenario("default")
    options = SolveOptions(duals=False, threads=threads)
    runs: list[dict[str, float]] = []
    for n in range(repeats):
        # one plan, then both methods, the order alternating between repeats
        t = time.perf_counter()
        plan(scenario, options)
        run = {"one_plan_s": time.perf_counter() - t}
        order = ["warm", "rebuild"] if n % 2 == 0 else ["rebuild", "warm"]
        for method in order:
            t = time.perf_counter()
            costs = clause_costs(scenario, options, method=method, processes=1)  # type: ignore[arg-type]
            run[f"{method}_s"] = time.perf_counter() - t
            run[f"{method}_costs_usd"] = [c.cost_usd for c in costs]  # type: ignore[assignment]
        runs.append(run)

    def med(key: str) -> float:
        return float(statistics.median(r[key] for r in runs))

    return {
        "runs": runs,
        "clauses": len(runs[0]["warm_costs_usd"]),  # type: ignore[arg-type]
        "one_plan_s": med("one_plan_s"),
        "warm_s": med("warm_s"),
        "rebuild_serial_s": med("rebuild_s"),
        "warm_over_plan": med("warm_s") / med("one_plan_s"),
        "rebuild_over_plan": med("rebuild_s") / med("one_plan_s"),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--only", choices=["default", "split-2x", "split-4x"], action="append")
    ap.add_argument("--no-scenarios", action="store_true", help="only --clauses")
    ap.add_argument("--clauses", action="store_true", help="also time clause costs")
    ap.add_argument("--clause-repeats", type=int, default=2)
    ap.add_argument("--change", choices=["fill-or-serve", "all"], default="fill-or-serve")
    ap.add_argument("--out", type=Path, default=RESULTS / "rofr.json")
    a = ap.parse_args(argv)
    names = a.only if a.only is not None else ["default", "split-2x", "split-4x"]
    if a.no_scenarios:
        names = []
    out: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_start": os.getloadavg(),
        "threads": a.threads,
        "repeats": a.repeats,
        "change": a.change,
        "scenarios": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            runs = [
                _one(name, a.threads, a.time_limit, Path(tmp), a.change) for _ in range(a.repeats)
            ]

            def med(part: str, key: str, runs: list[dict[str, Any]] = runs) -> float:
                return float(statistics.median(r[part][key] for r in runs))

            row = {
                "runs": runs,
                "binaries_before": runs[0]["before"]["binaries"],
                "highs_alone_s": med("alone", "wall_s"),
                "before_s": med("before", "wall_s"),
                "after_s": med("after", "wall_s"),
                "after_over_before": med("after", "wall_s") / med("before", "wall_s"),
                "after_over_highs_alone": med("after", "wall_s") / med("alone", "wall_s"),
                "objective_before": runs[0]["before"]["objective"],
                "objective_after": runs[0]["after"]["objective"],
                "root_gap_before": runs[0]["before"]["root_gap"],
                "root_gap_after": runs[0]["after"]["root_gap"],
            }
            out["scenarios"][name] = row
            print(
                f"{name:9s} binaries {row['binaries_before']:4d}  HiGHS alone "
                f"{row['highs_alone_s']:7.1f}s  before {row['before_s']:7.1f}s "
                f"({runs[0]['before']['nodes']} nodes, {runs[0]['before']['iterations']} it)  "
                f"after {row['after_s']:7.1f}s ({runs[0]['after']['nodes']} nodes, "
                f"{runs[0]['after']['iterations']} it)  after/before "
                f"{row['after_over_before']:.2f}  optimum {row['objective_before']:,.1f} / "
                f"{row['objective_after']:,.1f} $M  root gap {row['root_gap_before']:.2%} / "
                f"{row['root_gap_after']:.2%}",
                flush=True,
            )
    if a.clauses:
        c = _clauses(a.threads, a.clause_repeats)
        out["clauses"] = c
        print(
            f"clause costs ({c['clauses']}): one plan {c['one_plan_s']:.1f}s, warm "
            f"{c['warm_s']:.1f}s ({c['warm_over_plan']:.2f}x), rebuild serial "
            f"{c['rebuild_serial_s']:.1f}s ({c['rebuild_over_plan']:.2f}x)",
            flush=True,
        )
    out["load_average_end"] = os.getloadavg()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out, indent=2, default=str))
    print(f"written to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
