"""Run a sweep: draw every sample up front, solve each (serially or as Ray tasks), aggregate.

Determinism: the driver draws all :math:`N` parameter vectors from the seed before any
solve (:func:`~gigawatt.sweep.scenarios.draw_samples`), and both runners call the same
:func:`~gigawatt.sweep.task.solve_sample` with the same arguments, HiGHS on one thread
per sample. Records are put back in sample order, so the Ray and serial results are the
same table whatever order the tasks finish in (the ``seconds`` column aside).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from gigawatt.errors import GigawattError, InputError
from gigawatt.plan.solve import SolveOptions
from gigawatt.scenario.schema import Scenario
from gigawatt.sweep.aggregate import SCALARS, clause_table, distributions, gw_table, sample_table
from gigawatt.sweep.result import Sweep
from gigawatt.sweep.scenarios import SampleSpec, draw_samples, parameter_paths
from gigawatt.sweep.task import FAILED, SOLVED, SampleRecord, solve_sample

__all__ = ["Backend", "run_sweep", "wall_limit"]

Backend = Literal["serial", "ray"]
Progress = Callable[[int, int, SampleRecord], None]
_GRACE_S = 60.0


def wall_limit(time_limit_s: float | None, solves: int) -> float | None:
    r"""Wall-clock limit of one Ray task: :math:`60 + 2\,L\,k` s for :math:`k` solves of limit L.

    HiGHS stops each solve at :math:`L`; the rest covers building the model and
    extracting the plan. None (no limit) when no solver limit is set.
    """
    if time_limit_s is None:
        return None
    return _GRACE_S + 2.0 * time_limit_s * max(1, solves)


def _failure(spec: SampleSpec, exc: BaseException) -> SampleRecord:
    from gigawatt.raytools import TaskTimeoutError

    status = "timeout" if isinstance(exc, TaskTimeoutError) else "error"
    message = str(exc) if isinstance(exc, GigawattError) else f"{type(exc).__name__}: {exc}"
    return SampleRecord(spec.index, status, message, values=dict(spec.values))


def run_sweep(
    scenario: Scenario,
    *,
    samples: int = 100,
    seed: int = 0,
    options: SolveOptions | None = None,
    backend: Backend = "serial",
    address: str | None = None,
    workers: int | None = None,
    clauses: bool = False,
    progress: Progress | None = None,
) -> Sweep:
    """Solve :math:`N` sampled scenarios with the full planner and aggregate the results.

    Args:
        scenario: A scenario with an ``uncertainty`` section.
        samples: Number of samples :math:`N`.
        seed: Seed; the same seed gives the same samples (those of the forecast).
        options: Solver options; ``time_limit_s`` is the per-sample (per-solve) limit.
            Each sample uses one HiGHS thread unless ``threads`` is set; duals are off.
        backend: ``serial`` (in this process) or ``ray`` (one Ray task per sample).
        address: With ``ray``: a cluster address (default: start a local Ray).
        workers: With ``ray`` and no address: CPUs of the local Ray (default: all).
        clauses: Also cost every clause in every sample (one re-solve per clause).
        progress: Called with (done, total, record) as each sample ends.

    Returns:
        The sweep; failed samples are in its tables and summary, never dropped.

    Raises:
        GigawattError: bad arguments, no uncertainty section, or Ray unreachable.
        ScenarioError: the ``uncertainty`` section cannot be sampled.
    """
    if backend not in ("serial", "ray"):
        raise InputError(f"backend must be 'serial' or 'ray' (got {backend!r})")
    if not scenario.raw:
        raise GigawattError("the scenario has no source data; load it with load_scenario")
    options = options or SolveOptions()
    options = replace(options, duals=False, export_mps=None, threads=options.threads or 1)
    began = time.perf_counter()
    specs = draw_samples(scenario, samples, seed)
    paths = parameter_paths(scenario)
    records: list[SampleRecord] = []

    def done(record: SampleRecord) -> None:
        records.append(record)
        if progress is not None:
            progress(len(records), samples, record)

    used_workers = 1
    if backend == "serial":
        for spec in specs:
            done(solve_sample(scenario.raw, scenario.source, paths, spec, options, clauses))
    else:
        from gigawatt.raytools import ray_map, ray_session

        n_clauses = sum(len(c.clauses) for c in scenario.contracts) if clauses else 0
        with ray_session(address, workers) as cpus:
            used_workers = cpus
            for i, value in ray_map(
                solve_sample,
                [(spec, options, clauses) for spec in specs],
                common=(scenario.raw, scenario.source, paths),
                wall_limit_s=wall_limit(options.time_limit_s, 1 + n_clauses),
            ):
                if isinstance(value, SampleRecord):
                    done(value)
                else:
                    done(_failure(specs[i], value))
    seconds = time.perf_counter() - began
    return _assemble(
        scenario,
        records,
        list(paths),
        seed,
        backend,
        address,
        used_workers,
        clauses,
        options,
        seconds,
    )


def _assemble(
    scenario: Scenario,
    records: list[SampleRecord],
    parameters: list[str],
    seed: int,
    backend: str,
    address: str | None,
    workers: int,
    clauses: bool,
    options: SolveOptions,
    seconds: float,
) -> Sweep:
    samples = sample_table(records, parameters)
    gw = gw_table(records)
    clause_rows = clause_table(records)
    dist = distributions(samples, gw, clause_rows)
    counts = samples["status"].value_counts()
    statuses = {s: int(counts.get(s, 0)) for s in (*SOLVED, *FAILED)}
    failed = [
        {"sample": int(r.index), "status": r.status, "message": r.message}
        for r in sorted(records, key=lambda r: r.index)
        if not r.solved
    ]
    headline: dict[str, Any] = {}
    for q in SCALARS:
        row = dist[dist["quantity"] == q].iloc[0]
        headline[q] = {k: float(row[k]) for k in ("mean", "p5", "p50", "p95")}
    solved = samples[samples["status"].isin(SOLVED)]
    summary: dict[str, Any] = {
        "kind": "sweep",
        "scenario": scenario.name,
        "source": scenario.source,
        "samples": len(records),
        "seed": seed,
        "backend": backend,
        "address": address,
        "workers": workers,
        "clauses": clauses,
        "options": {
            "time_limit_s": options.time_limit_s,
            "mip_gap": options.mip_gap,
            "allow_shortfall": options.allow_shortfall,
            "threads_per_sample": options.threads,
        },
        "parameters": parameters,
        "solved": len(solved),
        "failed": len(failed),
        "status_counts": statuses,
        "failed_samples": failed,
        "p_shortfall": (float((solved["shortfall_flop"] > 0).mean()) if len(solved) else None),
        "distributions": headline,
        "seconds": seconds,
        "samples_per_second": len(records) / seconds if seconds > 0 else None,
        "sample_seconds": float(samples["seconds"].sum()),
        "cpus": os.cpu_count(),
    }
    tables = {"samples": samples, "gw": gw, "clause_samples": clause_rows, "distributions": dist}
    return Sweep(summary, tables)
