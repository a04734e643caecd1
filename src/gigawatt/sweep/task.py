"""One sample of a sweep: apply its draws, solve with the full planner, keep a small record.

:func:`solve_sample` is the unit of work of both runners: called in the driver by the
serial runner and as a Ray task by the Ray runner, with the same arguments, so that
their records are identical. A record holds a few numbers (not the plan): cost,
shortfall, revenue share, peak GW per provider and year, and clause costs when asked.
Whatever goes wrong in a sample (invalid sampled scenario, infeasible plan, time
limit without a plan, any other error) becomes its status and message; it never
escapes as an exception.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from gigawatt.errors import InfeasibleError, ScenarioError, SolverError
from gigawatt.plan.planner import plan
from gigawatt.plan.solve import SolveOptions
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.yamlmarks import PathItem
from gigawatt.sweep.scenarios import SampleSpec, apply_values

__all__ = ["FAILED", "SOLVED", "ClauseRecord", "SampleRecord", "solve_sample"]

SOLVED = ("optimal", "time_limit")
"""Statuses of samples with a plan (``time_limit``: the incumbent when the limit hit)."""
FAILED = ("infeasible", "timeout", "invalid", "error")
"""Statuses of samples without a plan."""

_NAN = float("nan")


@dataclass(frozen=True)
class ClauseRecord:
    """Cost of one clause in one sample (USD, present value)."""

    contract: str
    clause_index: int
    type: str
    counterparty: str
    cost_usd: float
    status: str


@dataclass(frozen=True)
class SampleRecord:
    """What one sample produced.

    Attributes:
        index: Sample number.
        status: ``optimal`` or ``time_limit`` (a plan), else ``infeasible``,
            ``timeout`` (limit reached without a plan), ``invalid`` (the sampled
            scenario does not validate) or ``error``.
        message: Why a sample failed (empty when it did not).
        seconds: Wall time of the sample, including clause re-solves.
        values: The drawn value of each parameter, by key path.
        objective_usd: Planner objective (PV), NaN when failed.
        model_objective_usd: The solver's objective (PV), months after the horizon
            (``horizon.tail_months``) included; equal to ``objective_usd`` without them.
        cost_usd: Discounted spend (PV).
        lost_revenue_usd: Revenue lost to unserved demand (PV).
        penalty_usd: Shortfall penalties (PV).
        shortfall_flop: Unserved FLOP, all workloads.
        revenue_share_usd: Revenue share paid (PV).
        spend_usd_nominal: Spend, nominal USD.
        mip_gap: Relative MIP gap (None for an LP or a failed sample).
        gw: ``(provider, year, GW)``: peak installed facility power of each provider in
            each year.
        financing_cost_usd: A funded plan's financing cost (PV); NaN when not funded.
        funding_needed_usd: What a funded plan drew (nominal); NaN when not funded.
        min_cash_usd: Lowest cash at a month end (NaN without finance).
        lost_revenue_to_funding_usd: Revenue lost to the funding limits (PV): the funded
            plan's lost revenue less the same sample's planned without the cash
            constraint; NaN when not funded.
        clauses: Clause costs, when asked for.
    """

    index: int
    status: str
    message: str = ""
    seconds: float = 0.0
    values: dict[str, float] = field(default_factory=dict)
    objective_usd: float = _NAN
    model_objective_usd: float = _NAN
    cost_usd: float = _NAN
    lost_revenue_usd: float = _NAN
    penalty_usd: float = _NAN
    shortfall_flop: float = _NAN
    revenue_share_usd: float = _NAN
    spend_usd_nominal: float = _NAN
    mip_gap: float | None = None
    gw: tuple[tuple[str, str, float], ...] = ()
    clauses: tuple[ClauseRecord, ...] = ()
    financing_cost_usd: float = _NAN
    funding_needed_usd: float = _NAN
    min_cash_usd: float = _NAN
    lost_revenue_to_funding_usd: float = _NAN

    @property
    def solved(self) -> bool:
        """Whether the sample has a plan."""
        return self.status in SOLVED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)


def _status_of(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, ScenarioError):
        return "invalid", str(exc)
    if isinstance(exc, InfeasibleError):
        return "infeasible", str(exc)
    if isinstance(exc, SolverError) and "time limit" in str(exc):
        return "timeout", str(exc)
    return "error", f"{type(exc).__name__}: {exc}"


def solve_sample(
    raw: dict[str, Any],
    source: str,
    paths: dict[str, tuple[PathItem, ...]],
    spec: SampleSpec,
    options: SolveOptions,
    clauses: bool = False,
) -> SampleRecord:
    """Solve one sample and summarise it.

    Args:
        raw: The scenario's raw data (not modified).
        source: Where the scenario came from (for messages).
        paths: Resolved key path of each parameter (:func:`parameter_paths`).
        spec: The sample's index and drawn values.
        options: Solver options (duals and MPS export are turned off).
        clauses: Also cost every clause (one re-solve per clause, in this process).

    Returns:
        The record; failures are recorded, never raised.
    """
    started = time.perf_counter()
    options = replace(options, duals=False, export_mps=None)
    try:
        data = apply_values(raw, paths, spec.values)
        scenario = scenario_from_data(data, f"{source} (sample {spec.index})")
        if scenario.finance is not None and scenario.finance.funded:
            from gigawatt.plan.fundedplan import funded_plan

            result = funded_plan(scenario, options)  # also solved unfunded: the lost revenue
        else:
            result = plan(scenario, options)
        clause_rows: tuple[ClauseRecord, ...] = ()
        if clauses and scenario.contracts:
            from gigawatt.plan.clauses import clause_costs

            costs = clause_costs(scenario, options, processes=1, baseline=result)
            clause_rows = tuple(
                ClauseRecord(
                    c.contract, c.clause_index, c.type, c.counterparty, c.cost_usd, c.status
                )
                for c in costs
            )
        yearly = result.yearly()
        gw = tuple(
            (str(r["provider"]), str(r["year"]), float(r["gw"]))
            for r in yearly.sort_values(["provider", "year"]).to_dict("records")
        )
        s = result.summary
        gap = s.get("mip_gap")
        return SampleRecord(
            index=spec.index,
            status=result.status,
            seconds=time.perf_counter() - started,
            values=dict(spec.values),
            objective_usd=float(s["objective_usd"]),
            model_objective_usd=float(s["model_objective_usd"]),
            cost_usd=float(s["cost_usd"]),
            lost_revenue_usd=float(s["lost_revenue_usd"]),
            penalty_usd=float(s["penalty_usd"]),
            shortfall_flop=float(sum(s["shortfall_flop"].values())),
            revenue_share_usd=float(s["revenue_share_usd"]),
            spend_usd_nominal=float(s["spend_usd_nominal"]),
            mip_gap=None if gap is None else float(gap),
            gw=gw,
            clauses=clause_rows,
            financing_cost_usd=float(s.get("financing_cost_usd", _NAN)),
            funding_needed_usd=float(s.get("funding_needed_usd", _NAN)),
            min_cash_usd=float(s.get("min_cash_usd", _NAN)),
            lost_revenue_to_funding_usd=float(s.get("lost_revenue_to_funding_usd", _NAN)),
        )
    except Exception as exc:  # every failure becomes the sample's status
        status, message = _status_of(exc)
        return SampleRecord(
            index=spec.index,
            status=status,
            message=message,
            seconds=time.perf_counter() - started,
            values=dict(spec.values),
        )
