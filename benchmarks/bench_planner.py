"""Benchmark the planner against HiGHS alone on the same model.

One command::

    python benchmarks/bench_planner.py [--size small|medium|large] [--repeats 3]

For each repeat, in a fresh process (so that peak memory is the planner's own):

* build   = ``PlanInputs.from_scenario`` + ``build_model``;
* solve   = ``solve_model`` (HiGHS through linopy's direct API, ``duals=False``);
* extract = ``extract_plan``;
* total   = build + solve + extract; peak RSS (``ru_maxrss``) read right after extract.

Then, outside the timed region, the same model is exported to MPS
(``pm.model.to_file``) and, in another fresh process, HiGHS alone reads it
(``highspy.Highs().readModel``) and solves it (``run``) with the same options
(``output_flag`` off, same threads). The baseline "HiGHS alone" is the run time;
read + run is reported as well. Both objectives must agree to 1e-6 (relative).

Medians over the repeats are printed with the ratios total / HiGHS run and
build / total, and written to ``benchmarks/results/planner-<size>.json``.
``--profile`` adds one more fresh process that times every part of the pipeline
(inputs, each constraint family, linopy -> highspy transfer, HiGHS run, solution
read-back, extract_plan) and prints the breakdown.

The acceptance targets (issue): total <= 1.25 x HiGHS alone, build <= 10% of total,
on a model of at least 500,000 variables (``--size large``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

# Scenario sizes (arguments of generate.generate_scenario). "large" gives > 500,000
# variables (checked at run time against pm.model.nvars).
SIZES: dict[str, dict[str, Any]] = {
    "small": {"sites": 10, "accelerators": 6, "workloads": 12, "months": 36, "seed": 1},
    "medium": {"sites": 40, "accelerators": 8, "workloads": 60, "months": 72, "seed": 1},
    "large": {"sites": 70, "accelerators": 10, "workloads": 190, "months": 72, "seed": 1},
}
LARGE_MIN_VARIABLES = 500_000
TARGET_TOTAL_VS_HIGHS = 1.25
TARGET_BUILD_SHARE = 0.10
OBJECTIVE_RTOL = 1e-6


def _maxrss_mb() -> float:
    # Linux reports kilobytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _highs_options(threads: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {"output_flag": False, "log_to_console": False}
    if threads is not None:
        out["threads"] = int(threads)
    return out


# --------------------------------------------------------------------------- children


def _child_planner(args: argparse.Namespace) -> dict[str, Any]:
    """Time build, solve and extract of the planner; then export the model to MPS."""
    import gc

    from gigawatt.plan.inputs import PlanInputs
    from gigawatt.plan.model import build_model
    from gigawatt.plan.results import extract_plan
    from gigawatt.plan.solve import SolveOptions, solve_model
    from gigawatt.scenario import load_scenario

    scenario = load_scenario(args.scenario)  # not timed: the planner starts from a Scenario
    options = SolveOptions(duals=False, threads=args.threads)
    gc.collect()
    rss_before = _maxrss_mb()

    w0, c0 = time.perf_counter(), time.process_time()
    inputs = PlanInputs.from_scenario(scenario)
    w1, c1 = time.perf_counter(), time.process_time()
    pm = build_model(inputs, allow_shortfall=options.allow_shortfall)
    w2, c2 = time.perf_counter(), time.process_time()
    outcome = solve_model(pm, options)
    w3, c3 = time.perf_counter(), time.process_time()
    plan = extract_plan(pm, outcome, build_seconds=w2 - w0)
    w4, c4 = time.perf_counter(), time.process_time()
    peak = _maxrss_mb()

    m = pm.model
    highs = m.solver_model
    info = highs.getInfo() if highs is not None else None
    out: dict[str, Any] = {
        "inputs_s": w1 - w0,
        "build_model_s": w2 - w1,
        "inputs_cpu_s": c1 - c0,
        "build_s": w2 - w0,
        "solve_s": w3 - w2,
        "extract_s": w4 - w3,
        "total_s": w4 - w0,
        "build_cpu_s": c2 - c0,
        "solve_cpu_s": c3 - c2,
        "extract_cpu_s": c4 - c3,
        "total_cpu_s": c4 - c0,
        "highs_run_inside_s": float(highs.getRunTime()) if highs is not None else None,
        "peak_rss_mb": peak,
        "rss_before_mb": rss_before,
        "variables": int(m.nvars),
        "constraints": int(m.ncons),
        "binaries": int(m.binaries.nvars),
        "nnz": None,
        "status": outcome.status,
        "objective": float(outcome.objective_musd),
        "objective_usd": float(plan.objective_usd),
        "simplex_iterations": int(info.simplex_iteration_count) if info is not None else None,
        "mip_nodes": int(info.mip_node_count) if info is not None else None,
        "allocation_rows": len(plan.tables["allocation"]),
    }
    if highs is not None:
        out["nnz"] = int(highs.getNumNz())
    w5 = time.perf_counter()
    m.to_file(Path(args.mps))  # outside the timed region
    out["mps_export_s"] = time.perf_counter() - w5
    out["mps_mb"] = Path(args.mps).stat().st_size / 1e6
    return out


def _child_highs(args: argparse.Namespace) -> dict[str, Any]:
    """HiGHS alone on the exported MPS, same options."""
    import highspy

    h = highspy.Highs()
    for k, v in _highs_options(args.threads).items():
        h.setOptionValue(k, v)
    rss_before = _maxrss_mb()
    w0, c0 = time.perf_counter(), time.process_time()
    status = h.readModel(str(args.mps))
    w1, c1 = time.perf_counter(), time.process_time()
    if status == highspy.HighsStatus.kError:
        raise SystemExit(f"HiGHS could not read {args.mps}: {status}")
    h.run()
    w2, c2 = time.perf_counter(), time.process_time()
    info = h.getInfo()
    return {
        "highs_read_s": w1 - w0,
        "highs_run_s": w2 - w1,
        "highs_read_run_s": w2 - w0,
        "highs_read_cpu_s": c1 - c0,
        "highs_run_cpu_s": c2 - c1,
        "highs_read_run_cpu_s": c2 - c0,
        "highs_runtime_s": float(h.getRunTime()),
        "highs_peak_rss_mb": _maxrss_mb(),
        "highs_rss_before_mb": rss_before,
        "highs_status": h.modelStatusToString(h.getModelStatus()),
        "highs_objective": float(info.objective_function_value),
        "highs_simplex_iterations": int(info.simplex_iteration_count),
        "highs_mip_nodes": int(info.mip_node_count),
    }


def _child_profile(args: argparse.Namespace) -> dict[str, Any]:
    """Time every part of the pipeline (one run, instrumented; not used for the medians)."""
    import cProfile
    import functools
    import io
    import pstats
    import warnings

    import linopy
    import linopy.constraints
    import linopy.matrices
    import linopy.model
    import linopy.solvers
    from linopy.config import LinopySemanticsWarning

    from gigawatt.plan import model as model_mod
    from gigawatt.plan.inputs import PlanInputs
    from gigawatt.plan.model import build_model
    from gigawatt.plan.results import extract_plan
    from gigawatt.plan.solve import SolveOptions, solve_model
    from gigawatt.scenario import load_scenario

    timings: dict[str, float] = {}

    def timed(key: str, fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                timings[key] = timings.get(key, 0.0) + time.perf_counter() - t

        return wrapper

    scenario = load_scenario(args.scenario)
    options = SolveOptions(duals=False, threads=args.threads)

    # inputs
    t = time.perf_counter()
    inputs = PlanInputs.from_scenario(scenario)
    timings["inputs"] = time.perf_counter() - t

    # build_model, one family at a time (same steps as model.build_model)
    families: dict[str, float] = {}
    rows: dict[str, int] = {}
    pm = model_mod.PlanModel(
        linopy.Model(force_dim_names=True), inputs, allow_shortfall=options.allow_shortfall
    )
    coords = model_mod._coords(inputs)
    steps = [model_mod.add_variables, *model_mod.CONSTRAINT_FAMILIES, model_mod.add_objective]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=LinopySemanticsWarning)
        for fn in steps:
            before = set(pm.model.constraints)
            t = time.perf_counter()
            fn(pm, coords)
            families[fn.__name__] = time.perf_counter() - t
            rows[fn.__name__] = sum(
                int((pm.model.constraints[c].labels != -1).sum())
                for c in set(pm.model.constraints) - before
            )
    timings["build_model"] = sum(families.values())
    # check that the replica matches build_model
    reference = build_model(inputs, allow_shortfall=options.allow_shortfall).model
    same = (reference.nvars, reference.ncons) == (pm.model.nvars, pm.model.ncons)
    del reference

    # solve, with linopy's internals wrapped
    H = linopy.solvers.Highs
    orig_build = H._build_solver_model
    H._build_solver_model = staticmethod(timed("solve.highspy_build_total", orig_build))
    orig_init = linopy.matrices.MatrixAccessor.__init__
    linopy.matrices.MatrixAccessor.__init__ = timed("solve.matrices_init", orig_init)
    for name in ("c", "A", "lb", "ub", "b", "sense", "vtypes", "vlabels", "clabels"):
        attr = linopy.matrices.MatrixAccessor.__dict__.get(name)
        if isinstance(attr, property):
            setattr(
                linopy.matrices.MatrixAccessor,
                name,
                property(timed("solve.matrices_arrays", attr.fget)),
            )
        elif attr is not None and hasattr(attr, "func"):  # cached_property
            attr.func = timed("solve.matrices_arrays", attr.func)
    linopy.solvers._run_highs_with_keyboard_interrupt = timed(
        "solve.highs_run", linopy.solvers._run_highs_with_keyboard_interrupt
    )
    H._solve = timed("solve.highs_solve_and_readback", H._solve)
    H._cache_model_labels = timed("solve.cache_labels", H._cache_model_labels)
    linopy.model.Model.assign_result = timed(
        "solve.assign_result", linopy.model.Model.assign_result
    )
    linopy.constraints.Constraints.sanitize_zeros = timed(
        "solve.sanitize", linopy.constraints.Constraints.sanitize_zeros
    )
    linopy.constraints.Constraints.sanitize_infinities = timed(
        "solve.sanitize", linopy.constraints.Constraints.sanitize_infinities
    )
    # solve_model runs HiGHS through gigawatt.plan.solve.run_highs (linopy's Solver)
    from gigawatt.plan import solve as solve_mod

    solve_mod.run_highs = timed("solve.model_solve", solve_mod.run_highs)
    t = time.perf_counter()
    outcome = solve_model(pm, options)
    timings["solve"] = time.perf_counter() - t
    highs_runtime = float(pm.model.solver_model.getRunTime())

    # extract, with cProfile for the hot spots
    prof = cProfile.Profile()
    t = time.perf_counter()
    extract_plan(pm, outcome)
    timings["extract_plain"] = time.perf_counter() - t
    prof.enable()
    extract_plan(pm, outcome)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)

    s = timings
    solve_parts = {
        "sanitize (zeros, infinities)": s.get("solve.sanitize", 0.0),
        "linopy matrices (flatten model)": s.get("solve.matrices_init", 0.0)
        + s.get("solve.matrices_arrays", 0.0),
        "highspy addVars/addRows (pass)": s.get("solve.highspy_build_total", 0.0)
        - s.get("solve.matrices_init", 0.0)
        - s.get("solve.matrices_arrays", 0.0),
        "cache labels": s.get("solve.cache_labels", 0.0),
        "HiGHS run": s.get("solve.highs_run", 0.0),
        "read solution from highspy": s.get("solve.highs_solve_and_readback", 0.0)
        - s.get("solve.highs_run", 0.0),
        "assign solution to linopy (xarray)": s.get("solve.assign_result", 0.0),
    }
    solve_parts["other linopy solve overhead"] = s.get("solve.model_solve", 0.0) - sum(
        solve_parts.values()
    )
    solve_parts["solve_model after linopy (primal dict, status)"] = s["solve"] - s.get(
        "solve.model_solve", 0.0
    )
    return {
        "inputs_s": s["inputs"],
        "families_s": families,
        "family_rows": rows,
        "build_replica_matches": same,
        "build_model_s": s["build_model"],
        "solve_s": s["solve"],
        "solve_parts_s": solve_parts,
        "highs_runtime_inside_s": highs_runtime,
        "extract_s": s["extract_plain"],
        "extract_profile": buf.getvalue(),
        "raw": timings,
        "variables": int(pm.model.nvars),
    }


# --------------------------------------------------------------------------- parent


def _run_child(mode: str, payload: dict[str, Any], out: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), f"--_child={mode}", f"--_out={out}"]
    for k, v in payload.items():
        if v is not None:
            cmd.append(f"--{k}={v}")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"benchmark child {mode!r} failed (exit {proc.returncode})")
    return json.loads(out.read_text())


def _median(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(values) if values else None


def _fmt(v: float | None, unit: str = "s") -> str:
    if v is None:
        return "-"
    if unit == "s":
        return f"{v:8.2f} s"
    if unit == "x":
        return f"{v:8.3f} x"
    if unit == "%":
        return f"{100 * v:7.1f} %"
    if unit == "MB":
        return f"{v:8.0f} MB"
    return f"{v:8,.0f}"


def _machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for mod in ("highspy", "linopy", "xarray", "numpy", "pandas"):
        try:
            from importlib.metadata import version

            versions[mod] = version(mod)
        except Exception:  # best effort
            versions[mod] = None
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def _print_profile(p: dict[str, Any]) -> None:
    total = p["inputs_s"] + p["build_model_s"] + p["solve_s"] + p["extract_s"]
    print("\nProfile (one instrumented run; seconds, share of its total):")

    def line(label: str, v: float, indent: int = 2) -> None:
        print(f"{' ' * indent}{label:<52}{v:9.3f} s {100 * v / total:6.1f} %")

    line("inputs (PlanInputs.from_scenario)", p["inputs_s"])
    line("build_model", p["build_model_s"])
    for name, v in p["families_s"].items():
        rows = p["family_rows"].get(name, 0)
        line(f"{name} ({rows:,} rows)", v, 6)
    line("solve_model", p["solve_s"])
    for name, v in p["solve_parts_s"].items():
        line(name, v, 6)
    line("extract_plan", p["extract_s"])
    if not p["build_replica_matches"]:
        print(
            "  (warning: the per-family replica of build_model differs in size from "
            "build_model; the family split may be out of date)"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the planner against HiGHS alone.")
    ap.add_argument("--size", choices=sorted(SIZES), default="large")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="HiGHS threads for both solves (default: HiGHS's own default)",
    )
    ap.add_argument(
        "--lp",
        action="store_true",
        help="pure LP scenario (no single-site runs, no right of first refusal)",
    )
    ap.add_argument("--rofr", action="store_true", help="add a right of first refusal clause")
    ap.add_argument("--seed", type=int, default=None, help="override the size's seed")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="one more instrumented run with the time of every part",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON results (default benchmarks/results/planner-<size>.json)",
    )
    ap.add_argument(
        "--keep", type=Path, default=None, help="keep the scenario YAML and MPS file in this folder"
    )
    # internal: child processes
    ap.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--_out", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--scenario", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--mps", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._child:
        fn = {"planner": _child_planner, "highs": _child_highs, "profile": _child_profile}[
            args._child
        ]
        result = fn(args)
        args._out.write_text(json.dumps(result))
        return 0

    sys.path.insert(0, str(HERE))
    from generate import _write_yaml, generate_scenario

    params = dict(SIZES[args.size])
    if args.seed is not None:
        params["seed"] = args.seed
    params["lp"] = args.lp
    params["rofr"] = args.rofr
    tag = args.size + ("-lp" if args.lp else "") + ("-rofr" if args.rofr else "")
    out_json = args.out or RESULTS / f"planner-{tag}.json"

    work = Path(tempfile.mkdtemp(prefix="gigawatt-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    scenario_file = work / f"scenario-{tag}.yaml"
    mps = work / f"model-{tag}.mps"
    data = generate_scenario(**params)
    _write_yaml(data, scenario_file)
    machine = _machine()
    print(f"gigawatt planner benchmark: size {tag} {params}")
    print(
        f"machine: {machine['cpus']} cores, {machine['cpu']}, {machine['memory_gb']} GB; "
        f"HiGHS {machine['versions']['highspy']}, linopy {machine['versions']['linopy']}; "
        f"threads {args.threads or 'HiGHS default'}"
    )

    rows: list[dict[str, Any]] = []
    loads: list[float] = []
    for r in range(args.repeats):
        loads.append(os.getloadavg()[0])
        payload = {"scenario": scenario_file, "mps": mps, "threads": args.threads}
        planner = _run_child("planner", payload, work / f"planner-{r}.json")
        highs = _run_child("highs", payload, work / f"highs-{r}.json")
        row = {**planner, **highs}
        rel = abs(row["objective"] - row["highs_objective"]) / max(1.0, abs(row["highs_objective"]))
        row["objective_rel_diff"] = rel
        row["total_vs_highs_run"] = row["total_s"] / row["highs_run_s"]
        row["total_vs_highs_read_run"] = row["total_s"] / row["highs_read_run_s"]
        row["build_share"] = row["build_s"] / row["total_s"]
        # what the planner adds around its own HiGHS run: insensitive to the run-to-run
        # noise of HiGHS on a shared machine
        row["planner_overhead_s"] = row["total_s"] - row["highs_run_inside_s"]
        rows.append(row)
        print(
            f"  repeat {r + 1}/{args.repeats}: build {row['build_s']:.2f} s, solve "
            f"{row['solve_s']:.2f} s, extract {row['extract_s']:.2f} s, total "
            f"{row['total_s']:.2f} s | HiGHS read {row['highs_read_s']:.2f} s, run "
            f"{row['highs_run_s']:.2f} s | objective {row['objective']:.9g} vs "
            f"{row['highs_objective']:.9g} ($M) | load {loads[-1]:.1f}",
            flush=True,
        )
        if rel > OBJECTIVE_RTOL:
            raise SystemExit(
                f"objectives differ: planner {row['objective']!r} vs HiGHS alone "
                f"{row['highs_objective']!r} (relative {rel:.2e} > {OBJECTIVE_RTOL})"
            )

    keys = [
        "inputs_s",
        "build_model_s",
        "build_s",
        "solve_s",
        "extract_s",
        "total_s",
        "build_cpu_s",
        "solve_cpu_s",
        "extract_cpu_s",
        "total_cpu_s",
        "highs_run_inside_s",
        "peak_rss_mb",
        "rss_before_mb",
        "highs_read_s",
        "highs_run_s",
        "highs_read_run_s",
        "highs_read_cpu_s",
        "highs_run_cpu_s",
        "highs_peak_rss_mb",
        "highs_rss_before_mb",
        "mps_export_s",
        "mps_mb",
        "total_vs_highs_run",
        "total_vs_highs_read_run",
        "build_share",
        "planner_overhead_s",
    ]
    med = {k: _median(rows, k) for k in keys}
    first = rows[0]
    ratios = {
        "total_vs_highs_run": med["total_s"] / med["highs_run_s"],
        "total_vs_highs_read_run": med["total_s"] / med["highs_read_run_s"],
        "build_share": med["build_s"] / med["total_s"],
        "total_minus_highs_alone_s": med["total_s"] - med["highs_run_s"],
        "planner_overhead_s": med["planner_overhead_s"],
        # total if the planner's HiGHS run took as long as HiGHS alone's, over HiGHS alone
        "overhead_ratio": (med["highs_run_s"] + med["planner_overhead_s"]) / med["highs_run_s"],
        "total_cpu_vs_highs_run_cpu": med["total_cpu_s"] / med["highs_run_cpu_s"],
    }
    model = {k: first[k] for k in ("variables", "constraints", "binaries", "nnz")}
    passed = {
        "variables_at_least_500k": model["variables"] >= LARGE_MIN_VARIABLES,
        "total_le_1.25x_highs": ratios["total_vs_highs_run"] <= TARGET_TOTAL_VS_HIGHS,
        "build_le_10pct_total": ratios["build_share"] <= TARGET_BUILD_SHARE,
    }

    print(
        f"\nModel: {model['variables']:,} variables, {model['constraints']:,} constraints, "
        f"{model['binaries']:,} binaries, {model['nnz']:,} nonzeros; status "
        f"{first['status']}; objective {first['objective']:.9g} $M (HiGHS alone "
        f"{first['highs_objective']:.9g}); MPS {med['mps_mb']:.0f} MB"
    )
    print(f"\nMedians of {args.repeats} repeat(s) (wall clock):")
    table = [
        ("planner: inputs", med["inputs_s"], "s"),
        ("planner: build_model", med["build_model_s"], "s"),
        ("planner: build (inputs + build_model)", med["build_s"], "s"),
        ("planner: solve (solve_model)", med["solve_s"], "s"),
        ("   of which HiGHS run inside solve_model", med["highs_run_inside_s"], "s"),
        ("planner: extract (extract_plan)", med["extract_s"], "s"),
        ("planner: total", med["total_s"], "s"),
        ("planner: peak memory (RSS)", med["peak_rss_mb"], "MB"),
        ("HiGHS alone: readModel(mps)", med["highs_read_s"], "s"),
        ("HiGHS alone: run", med["highs_run_s"], "s"),
        ("HiGHS alone: read + run", med["highs_read_run_s"], "s"),
        ("HiGHS alone: peak memory (RSS)", med["highs_peak_rss_mb"], "MB"),
        ("ratio total / HiGHS run (target <= 1.25)", ratios["total_vs_highs_run"], "x"),
        ("ratio total / HiGHS read+run", ratios["total_vs_highs_read_run"], "x"),
        ("build share of total (target <= 10%)", ratios["build_share"], "%"),
        ("CPU ratio total / HiGHS run", ratios["total_cpu_vs_highs_run_cpu"], "x"),
        ("planner overhead (total - its HiGHS run)", ratios["planner_overhead_s"], "s"),
        ("(HiGHS run + overhead) / HiGHS run", ratios["overhead_ratio"], "x"),
    ]
    for label, v, unit in table:
        print(f"  {label:<46}{_fmt(v, unit)}")
    if args.size == "large":
        for k, ok in passed.items():
            print(f"  {'PASS' if ok else 'FAIL'}  {k}")

    profile = None
    if args.profile:
        profile = _run_child(
            "profile",
            {"scenario": scenario_file, "mps": mps, "threads": args.threads},
            work / "profile.json",
        )
        _print_profile(profile)

    RESULTS.mkdir(parents=True, exist_ok=True)
    out_json.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": tag,
        "scenario": {**params, "name": data["name"]},
        "machine": machine,
        "threads": args.threads,
        "repeats": args.repeats,
        "load_average_at_start": loads,
        "model": model,
        "objective_musd": first["objective"],
        "medians": med,
        "ratios": ratios,
        "targets": {
            "total_vs_highs_run_max": TARGET_TOTAL_VS_HIGHS,
            "build_share_max": TARGET_BUILD_SHARE,
            "variables_min": LARGE_MIN_VARIABLES,
            "passed": passed,
        },
        "runs": rows,
        "profile": profile,
    }
    out_json.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {out_json}")
    if args.keep is None:
        for f in work.iterdir():
            f.unlink()
        work.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
