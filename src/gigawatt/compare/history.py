"""The history of an agreement: dated scenarios in order, what each change of terms did.

:func:`history` orders scenarios by their ``as_of`` month and plans each one. Each step
(one scenario to the next) is the change of its contract terms (clauses added, removed or
changed, by counterparty, :func:`gigawatt.compare.terms.term_changes`) and of its other
inputs (sites, workloads, ...: :func:`gigawatt.compare.terms.inputs_changed`). To tell
the two apart, the step's earlier world is also planned under the later terms (the
*counterfactual*: the earlier scenario with the later one's ``contracts``), so that each
difference splits exactly into

* **terms**: counterfactual minus before (the same world, the new terms), and
* **world**: after minus counterfactual (the new terms, the new world),

which add up to the whole change. A counterfactual that does not load (the later terms
name a provider or a workload tag the earlier world lacks) leaves the step unsplit and
says why.

Tables (long, one row per key; every number a figure of :mod:`gigawatt.plan.figures` or
of the plan's summary, docs/glossary.md):

* ``scenarios``: order, scenario, as_of, and its totals (``TOTALS``);
* ``totals``: step, metric, unit, before, after, delta, terms, world: the present
  values of spend (``cost_usd``), lost revenue, penalties and the objective, nominal
  spend and the FLOP short over the horizon;
* ``years``: step, year, metric (``spend_usd``, ``gw``, ``shortfall_flop``), provider
  (empty for all providers; ``gw`` per provider too), unit, before, after, delta, terms,
  world;
* ``terms``: step, counterparty, change, before, after, text;
* ``inputs``: step, input (the other inputs that changed).
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.compare.build import _labels
from gigawatt.compare.result import records
from gigawatt.compare.solve import Job, run_jobs
from gigawatt.compare.terms import inputs_changed, term_changes
from gigawatt.compare.words import money
from gigawatt.errors import GigawattError, InputError
from gigawatt.plan.results import Plan
from gigawatt.plan.solve import SolveOptions
from gigawatt.resultio import save_result
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.schema import Scenario

__all__ = [
    "HISTORY_TABLES",
    "TOTALS",
    "YEAR_METRICS",
    "History",
    "counterfactual",
    "history",
    "order_by_date",
    "step_words",
]

#: Horizon totals of a step: (metric, unit), from the plan's summary and figures.
TOTALS = (
    ("cost_usd", "USD PV"),
    ("lost_revenue_usd", "USD PV"),
    ("penalty_usd", "USD PV"),
    ("objective_usd", "USD PV"),
    ("spend_usd_nominal", "USD"),
    ("shortfall_flop", "FLOP"),
)
#: Per-year figures of a step: (metric, unit); ``gw`` also per provider.
YEAR_METRICS = (("spend_usd", "USD"), ("gw", "GW"), ("shortfall_flop", "FLOP"))
HISTORY_TABLES = ("scenarios", "totals", "years", "terms", "inputs")


def order_by_date(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The scenarios in ``as_of`` order.

    Raises:
        InputError: a scenario without ``as_of``, two with the same month, or fewer than
            two scenarios.
    """
    if len(scenarios) < 2:
        raise InputError("history needs at least two dated scenarios (files or built-in names)")
    for s in scenarios:
        if s.as_of is None:
            raise InputError(
                f"{s.source}: scenario {s.name!r} has no `as_of` key; add a top-level line "
                "`as_of: YYYY-MM` (the month its terms date from): gigawatt history orders "
                "scenarios by it"
            )
    dated = sorted(scenarios, key=lambda s: str(s.as_of))
    for a, b in itertools.pairwise(dated):
        if str(a.as_of) == str(b.as_of):
            raise InputError(
                f"{a.source} and {b.source} both date from {a.as_of} (`as_of`): a history "
                "needs one scenario per month; compare alternatives with gigawatt compare"
            )
    return dated


def counterfactual(before: Scenario, after: Scenario) -> Scenario:
    """The earlier world under the later terms: ``before`` with ``after``'s contracts.

    Its uncertainty section is dropped (its key paths name the earlier contracts; the
    planner does not read it).

    Raises:
        GigawattError: the later terms do not fit the earlier world (the message says why).
    """
    data = copy.deepcopy(before.raw)
    data["contracts"] = copy.deepcopy(after.raw.get("contracts", []))
    data.pop("uncertainty", None)
    return scenario_from_data(data, f"{before.source} under the terms of {after.source}")


@dataclass
class History:
    """Dated scenarios in order, their plans, and what changed at each step.

    Attributes:
        scenarios: Labels in date order.
        as_of: Their ``as_of`` months.
        plans: The plan of each scenario, by label.
        counterfactuals: Per step (from 1), the earlier world under the later terms, or
            None when it was not solved (``notes`` says why).
        tables: The long tables of the module docstring.
        notes: Per step, why it is not split into terms and world (empty when split).
        options: How it was computed.
        seconds: Wall-clock time.
    """

    scenarios: list[str]
    as_of: list[str]
    plans: dict[str, Plan]
    counterfactuals: dict[int, Plan | None]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def years(self) -> list[str]:
        """Every year any step covers."""
        return sorted(set(self.tables["years"]["year"]))

    def findings(self) -> list[str]:
        """Per step, in one sentence: what the change did to cost, GW and shortfall."""
        return [step_words(self, n) for n in range(1, len(self.scenarios))]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the steps' notes and every table as a list of rows."""
        return {
            "findings": self.findings(),
            "scenarios": records(self.tables["scenarios"]),
            "steps": [
                {
                    "step": n,
                    "before": self.scenarios[n - 1],
                    "after": self.scenarios[n],
                    "split": self.counterfactuals.get(n) is not None,
                    "note": self.notes.get(n, ""),
                }
                for n in range(1, len(self.scenarios))
            ],
            "years": self.years,
            "options": self.options,
            "seconds": self.seconds,
            **{name: records(self.tables[name]) for name in HISTORY_TABLES if name != "scenarios"},
        }

    def save(self, directory: str | Path) -> Path:
        """Write each table as Parquet, ``history.json`` and ``plans/<scenario>/``."""
        tables = {name: self.tables[name] for name in HISTORY_TABLES}
        out = save_result(directory, tables, self.to_dict(), summary_name="history.json")
        for label, result in self.plans.items():
            result.save(out / "plans" / label)
        for step, middle in self.counterfactuals.items():
            if middle is not None:
                middle.save(out / "plans" / f"step-{step}-counterfactual")
        return out


def _signed_money(usd: float) -> str:
    return ("+" if usd >= 0 else "-") + money(abs(usd))


def _signed_flop(flop: float) -> str:
    return "unchanged" if flop == 0.0 else f"{flop:+.3g}"


def step_words(h: History, step: int) -> str:
    """One step in words: cost, the largest GW change by provider, the shortfall."""
    before, after = h.scenarios[step - 1], h.scenarios[step]
    head = f"Step {step}, {h.as_of[step - 1]} -> {h.as_of[step]} ({before} -> {after})"
    mine = {str(r["metric"]): r for r in records(h.tables["totals"]) if r["step"] == step}
    cost = mine["cost_usd"]
    split = bool(np.isfinite(float(cost["terms"])))
    text = f"{head}: cost {_signed_money(float(cost['delta']))} (present value)"
    if split:
        text += (
            f", of which the terms {_signed_money(float(cost['terms']))} and the other "
            f"inputs {_signed_money(float(cost['world']))}"
        )
    gw = [
        r
        for r in records(h.tables["years"])
        if r["step"] == step and r["metric"] == "gw" and r["provider"] != ""
    ]
    biggest = max(gw, key=lambda r: abs(float(r["delta"])), default=None)
    if biggest is not None and float(biggest["delta"]) != 0.0:
        text += (
            f"; largest GW change {biggest['provider']} {float(biggest['delta']):+.2f} GW "
            f"in {biggest['year']}"
        )
        if split:
            text += f" ({float(biggest['terms']):+.2f} GW from the terms)"
    short = mine["shortfall_flop"]
    text += f"; FLOP short over the horizon {_signed_flop(float(short['delta']))}"
    if split:
        text += f" ({_signed_flop(float(short['terms']))} from the terms)"
    return text + "." + ("" if split else f" ({h.notes.get(step, 'not split')})")


def _totals(p: Plan) -> dict[str, float]:
    s = p.summary
    short = float(p.figures().by_year["shortfall_flop"].sum())
    return {
        **{m: float(s.get(m, 0.0) or 0.0) for m, _ in TOTALS if m != "shortfall_flop"},
        "shortfall_flop": short,
    }


def _yearly(p: Plan) -> dict[tuple[str, str, str], float]:
    """(metric, year, provider) -> value; provider "" for all providers."""
    figs = p.figures()
    out: dict[tuple[str, str, str], float] = {}
    for row in records(figs.by_year):
        for metric, _ in YEAR_METRICS:
            out[(metric, str(row["year"]), "")] = float(row[metric])
    for row in records(figs.by_provider):
        out[("gw", str(row["year"]), str(row["provider"]))] = float(row["gw"])
    return out


def _split(before: float, after: float, middle: float | None) -> dict[str, float]:
    terms = np.nan if middle is None else middle - before
    world = np.nan if middle is None else after - middle
    return {
        "before": before,
        "after": after,
        "delta": after - before,
        "terms": terms,
        "world": world,
    }


def _step_tables(
    step: int, before: Plan, after: Plan, middle: Plan | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    b, a = _totals(before), _totals(after)
    m = _totals(middle) if middle is not None else None
    totals = pd.DataFrame(
        [
            {
                "step": step,
                "metric": metric,
                "unit": unit,
                **_split(b[metric], a[metric], None if m is None else m[metric]),
            }
            for metric, unit in TOTALS
        ]
    )
    yb, ya = _yearly(before), _yearly(after)
    ym = _yearly(middle) if middle is not None else None
    units = dict(YEAR_METRICS)
    keys = sorted(set(yb) | set(ya) | set(ym or {}), key=lambda k: (k[0] != "spend_usd", k))
    rows = [
        {
            "step": step,
            "year": year,
            "metric": metric,
            "provider": provider,
            "unit": units[metric],
            **_split(
                yb.get((metric, year, provider), 0.0),
                ya.get((metric, year, provider), 0.0),
                None if ym is None else ym.get((metric, year, provider), 0.0),
            ),
        }
        for metric, year, provider in keys
    ]
    return totals, pd.DataFrame(rows)


def history(
    scenarios: Sequence[Scenario],
    options: SolveOptions | None = None,
    *,
    split: bool = True,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> History:
    """Plan dated scenarios in ``as_of`` order and say what each change of terms did.

    Args:
        scenarios: Two or more scenarios with ``as_of``, in any order.
        options: Solver options for every solve (duals are never computed).
        split: Also plan each step's earlier world under the later terms, to split each
            difference into terms and world (one more solve per step).
        processes: Worker processes (default: one per CPU); 1 solves in-process.
        progress: Called with (done, total) after each solve.

    Raises:
        InputError: fewer than two scenarios, one without ``as_of``, two of one month.
    """
    import multiprocessing

    started = time.perf_counter()
    dated = order_by_date(scenarios)
    options = replace(options or SolveOptions(), duals=False, export_mps=None)
    labels = _labels(dated)
    solves: list[Scenario] = list(dated)
    middle_of: dict[int, int] = {}
    notes: dict[int, str] = {}
    for step in range(1, len(dated)) if split else ():
        try:
            solves.append(counterfactual(dated[step - 1], dated[step]))
            middle_of[step] = len(solves) - 1
        except GigawattError as exc:
            notes[step] = (
                f"not split into terms and world: {labels[step]}'s terms do not fit "
                f"{labels[step - 1]}'s world ({str(exc).splitlines()[0]})"
            )
    workers = processes or multiprocessing.cpu_count()
    jobs = [Job(i, None) for i in range(len(solves))]
    results = run_jobs(solves, jobs, options, workers, progress)
    plans = {labels[i]: results[Job(i, None)] for i in range(len(dated))}
    middles: dict[int, Plan | None] = {
        step: results[Job(middle_of[step], None)] if step in middle_of else None
        for step in range(1, len(dated))
    }
    totals, years, terms, inputs = [], [], [], []
    for step in range(1, len(dated)):
        t, y = _step_tables(step, plans[labels[step - 1]], plans[labels[step]], middles[step])
        totals.append(t)
        years.append(y)
        terms += [{"step": step, **c.to_dict()} for c in term_changes(dated[step - 1], dated[step])]
        inputs += [{"step": step, "input": k} for k in inputs_changed(dated[step - 1], dated[step])]
    summary_rows = [
        {"order": i + 1, "scenario": label, "as_of": str(dated[i].as_of), **_totals(plans[label])}
        for i, label in enumerate(labels)
    ]
    tables = {
        "scenarios": pd.DataFrame(summary_rows),
        "totals": pd.concat(totals, ignore_index=True),
        "years": pd.concat(years, ignore_index=True),
        "terms": pd.DataFrame(
            terms, columns=["step", "counterparty", "change", "before", "after", "text"]
        ),
        "inputs": pd.DataFrame(inputs, columns=["step", "input"]),
    }
    return History(
        scenarios=labels,
        as_of=[str(s.as_of) for s in dated],
        plans=plans,
        counterfactuals=middles,
        tables=tables,
        notes=notes,
        options={
            "split": split,
            "mip_gap": options.mip_gap,
            "time_limit_s": options.time_limit_s,
            "processes": workers,
            "solves": len(jobs),
        },
        seconds=time.perf_counter() - started,
    )
