"""Checks of a scenario's financing (``finance.equity``, ``debt``, ``vendor``).

Each yields problems located by key path, as :mod:`gigawatt.scenario.checks` does.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from gigawatt.errors import Problem
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.yamlmarks import Marks, PathItem

__all__ = ["check_financing"]


def _problem(
    marks: Marks, path: tuple[PathItem, ...], message: str, hint: str, severity: str = "error"
) -> Problem:
    return Problem(marks.locate(path), message, hint, severity)


def check_financing(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """Instrument names are unique, vendors name known accelerators, months fit the horizon."""
    fin = s.finance
    if fin is None:
        return
    tl = s.timeline
    seen: set[str] = set()
    instruments = [
        *(("equity", i, r.name) for i, r in enumerate(fin.equity)),
        *(("debt", i, d.name) for i, d in enumerate(fin.debt)),
        *(("vendor", i, v.name) for i, v in enumerate(fin.vendor)),
    ]
    for section, i, name in instruments:
        if name in seen:
            yield _problem(
                marks,
                ("finance", section, i, "name"),
                f"duplicate instrument name '{name}'",
                "names must be unique across finance.equity, finance.debt and finance.vendor; "
                "rename one of them",
            )
        seen.add(name)
    for i, r in enumerate(fin.equity):
        if not tl.contains(r.month):
            yield _problem(
                marks,
                ("finance", "equity", i, "month"),
                f"equity round month {r.month} is outside the horizon {tl.start}..{tl.end}",
                "move the round into the horizon or remove it",
            )
    for i, d in enumerate(fin.debt):
        if d.from_ is not None and not tl.contains(d.from_):
            yield _problem(
                marks,
                ("finance", "debt", i, "from"),
                f"facility start {d.from_} is outside the horizon {tl.start}..{tl.end}",
                "move `from` into the horizon (or leave it out: the horizon start)",
            )
    for i, v in enumerate(fin.vendor):
        for j, acc in enumerate(v.accelerators):
            if acc not in s.accelerators:
                close = difflib.get_close_matches(acc, sorted(s.accelerators), n=1, cutoff=0.5)
                hint = (
                    f"did you mean `{close[0]}`?"
                    if close
                    else f"use one of: {', '.join(sorted(s.accelerators))}"
                )
                yield _problem(
                    marks,
                    ("finance", "vendor", i, "accelerators", j),
                    f"unknown accelerator '{acc}'",
                    hint,
                )
        first = v.from_ or tl.start
        last = v.until or tl.end
        if last < first:
            yield _problem(
                marks,
                ("finance", "vendor", i, "until"),
                f"until ({last}) is before from ({first})",
                "swap `from` and `until`",
            )
