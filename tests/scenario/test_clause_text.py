"""Clauses in words (issue #19): named by what they do, never by an index alone."""

from __future__ import annotations

from gigawatt.scenario import load_scenario
from gigawatt.scenario.clause_text import clause_label, describe_clause
from gigawatt.scenario.summary import summarize


def test_built_in_clauses_in_words() -> None:
    s = load_scenario("frontier-lab-2025-10")
    texts = [clause_label(i, cl) for c in s.contracts for i, cl in enumerate(c.clauses)]
    assert texts[:3] == [
        "#1 pin (api)",
        "#2 revenue share 20% (api, chatgpt, enterprise)",
        "#3 min spend $250.0B (every workload) 2025-11 .. 2032-10",
    ]


def test_schema_object_and_summary_read_alike() -> None:
    s = load_scenario("frontier-lab-2025")
    summary = summarize(s)["contracts"][0]["clauses"]
    for obj, data in zip(s.contracts[0].clauses, summary, strict=True):
        assert describe_clause(obj) == describe_clause(data)
    assert describe_clause(s.contracts[0].clauses[1]) == "right of first refusal (every workload)"
