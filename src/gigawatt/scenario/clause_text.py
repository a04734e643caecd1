"""A contract clause in words, as a person reads it in a table or a sentence.

``describe_clause`` gives ``pin (api)``, ``right of first refusal (every workload)``,
``revenue share 20% (api, chatgpt)``, ``min spend $250.0B 2025-11 .. 2030-12``: the
clause named by what it does, never by its position in the file. ``clause_label`` adds
its number (from 1, in file order, as in every message) for the few places that must
tell two clauses of one type apart.
"""

from __future__ import annotations

from typing import Any

__all__ = ["clause_label", "describe_clause"]


def describe_clause(clause: Any) -> str:
    """A clause of a scenario (a schema object or its ``summarize`` mapping) in words."""

    def get(key: str) -> Any:
        return clause.get(key) if isinstance(clause, dict) else getattr(clause, key, None)

    kind = str(get("type")).replace("_", " ")
    tags = get("tags")
    percent, usd = get("percent"), get("usd")
    terms = f" {float(percent):g}%" if percent is not None else ""
    if usd is not None:
        terms = f" ${float(usd) / 1e9:,.1f}B"
    text = f"{kind}{terms} ({', '.join(tags) if tags else 'every workload'})"
    window = get("window")
    first, last = (window or (None, None)) if window else (get("from_"), get("until"))
    if first or last:
        text += f" {first or 'start'} .. {last or 'end'}"
    return text


def clause_label(index: int, clause: Any) -> str:
    """``#2 right of first refusal (every workload)``: the clause's number from 1, in words."""
    return f"#{index + 1} {describe_clause(clause)}"
