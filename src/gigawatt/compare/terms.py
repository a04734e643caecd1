"""What changed between two scenarios: the contract terms, and the other inputs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from gigawatt.scenario.clause_text import describe_clause
from gigawatt.scenario.schema import Scenario

__all__ = ["TermChange", "inputs_changed", "term_changes"]

#: Top-level keys that are not inputs of the world: the name, the date, the terms, and
#: the uncertainty (which the planner does not read).
_NOT_WORLD = ("name", "as_of", "contracts", "uncertainty")


@dataclass(frozen=True)
class TermChange:
    """One clause added, removed or changed with a counterparty.

    Attributes:
        counterparty: The provider the clause favours.
        change: ``added``, ``removed`` or ``changed``.
        before: The clause in words before the change (empty when added).
        after: The clause in words after it (empty when removed).
    """

    counterparty: str
    change: str
    before: str
    after: str

    def text(self) -> str:
        """The change in one line: ``azure: removed right of first refusal (...)``."""
        if self.change == "added":
            return f"{self.counterparty}: added {self.after}"
        if self.change == "removed":
            return f"{self.counterparty}: removed {self.before}"
        return f"{self.counterparty}: {self.before} -> {self.after}"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready mapping."""
        return {
            "counterparty": self.counterparty,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "text": self.text(),
        }


def _clauses(s: Scenario) -> dict[tuple[str, str], Counter[str]]:
    """The clauses in words, by (counterparty, type), counted."""
    out: dict[tuple[str, str], Counter[str]] = {}
    for contract in s.contracts:
        for clause in contract.clauses:
            key = (contract.counterparty, str(clause.type))
            out.setdefault(key, Counter())[describe_clause(clause)] += 1
    return out


def term_changes(before: Scenario, after: Scenario) -> list[TermChange]:
    """The clauses that differ, by counterparty and clause type.

    Clauses are compared in words (type, terms, workloads covered, months), whatever the
    contract's name. Within one counterparty and type, a clause that went and one that
    came are paired as ``changed``; the rest are ``added`` or ``removed``.
    """
    old, new = _clauses(before), _clauses(after)
    changes: list[TermChange] = []
    for key in sorted(set(old) | set(new)):
        gone = sorted((old.get(key, Counter()) - new.get(key, Counter())).elements())
        came = sorted((new.get(key, Counter()) - old.get(key, Counter())).elements())
        counterparty = key[0]
        for was, now in zip(gone, came, strict=False):
            changes.append(TermChange(counterparty, "changed", was, now))
        n = min(len(gone), len(came))
        changes += [TermChange(counterparty, "removed", was, "") for was in gone[n:]]
        changes += [TermChange(counterparty, "added", "", now) for now in came[n:]]
    return changes


def _named(items: list[Any]) -> dict[str, Any] | None:
    if all(isinstance(x, dict) and "name" in x for x in items):
        return {str(x["name"]): x for x in items}
    return None


def inputs_changed(before: Scenario, after: Scenario) -> list[str]:
    """The inputs other than the terms that differ: ``sites.azure-fleet``, ``finance``.

    A mapping (sites, accelerators, providers) and a list of named entries (workloads)
    are compared entry by entry; any other key as a whole.
    """
    a, b = before.raw, after.raw
    out: list[str] = []
    for key in sorted((set(a) | set(b)) - set(_NOT_WORLD)):
        x, y = a.get(key), b.get(key)
        if x == y:
            continue
        if isinstance(x, dict) and isinstance(y, dict):
            out += [f"{key}.{k}" for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)]
            continue
        nx = _named(x) if isinstance(x, list) else None
        ny = _named(y) if isinstance(y, list) else None
        if nx is not None and ny is not None:
            out += [f"{key}.{k}" for k in sorted(set(nx) | set(ny)) if nx.get(k) != ny.get(k)]
            continue
        out.append(key)
    return out
