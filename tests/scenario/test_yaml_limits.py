"""Hostile YAML is refused with a located error, never a RecursionError or minutes of work.

The limits are those of ``gigawatt.scenario.yamlmarks``: 64 levels of nesting (in the
text, and after aliases are expanded) and 200,000 values after expansion.
"""

from __future__ import annotations

import itertools

import pytest

from gigawatt.errors import ScenarioError
from gigawatt.scenario import parse_scenario
from gigawatt.scenario.yamlmarks import MAX_DEPTH, MAX_VALUES, load_yaml


def problem_of(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "f.yaml")
    (problem,) = info.value.problems
    return str(problem)


def test_limits_are_the_documented_ones() -> None:
    assert MAX_DEPTH == 64
    assert MAX_VALUES == 200_000


@pytest.mark.parametrize("opener", ["{", "[", "[{"])
def test_deep_flow_nesting_is_refused_at_the_65th_bracket(opener: str) -> None:
    text = "name: x\nsites: " + opener * 5000
    column = len("sites: ") + MAX_DEPTH + 1
    assert problem_of(text) == (
        f"f.yaml:2:{column}: nesting deeper than 64 levels of mappings and lists "
        "(a scenario nests about 6 levels; check the brackets and indentation around this line)"
    )


def test_deep_block_nesting_is_refused() -> None:
    text = "- " * 5000 + "1\n"
    assert problem_of(text).startswith("f.yaml:1:129: nesting deeper than 64 levels")


def test_nesting_at_the_limit_is_read() -> None:
    data, _ = load_yaml("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), "f.yaml")
    depth = 0
    node = data["a"]
    while isinstance(node, list) and node:
        node, depth = node[0], depth + 1
    assert depth == MAX_DEPTH - 2  # the innermost list is empty
    with pytest.raises(ScenarioError):
        load_yaml("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH, "f.yaml")


def test_a_billion_laughs_is_refused_at_the_value_limit() -> None:
    names = "abcdefgh"
    lines = ["a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    message = problem_of("\n".join(lines) + "\n")
    assert message.startswith("f.yaml:6:1: f[")  # the first key whose expansion passes it
    assert "the document expands to more than 200,000 values" in message


def test_aliases_nesting_into_each_other_are_refused() -> None:
    rows = [f"a{i}: &a{i} " + "[" * 40 + (f"*a{i - 1}" if i else "1") + "]" * 40 for i in range(5)]
    message = problem_of("\n".join(rows) + "\n")
    # at the innermost list of a1, which holds the alias *a0 (column of its bracket)
    assert message.startswith(f"f.yaml:2:{len('a1: &a1 ') + 40}: a1" + "[0]" * 40)
    assert "nesting deeper than 64 levels (after expanding aliases)" in message


def test_integers_too_long_to_read_are_located() -> None:
    assert problem_of("name: x\nhorizon: " + "9" * 5000).startswith(
        "f.yaml:2:10: YAML syntax error: integer too long to read"
    )
    assert problem_of("name: x\nhorizon: {months: 0x" + "f" * 5000 + "}") == (
        "f.yaml:2:11: horizon.months: integer too large (more than 300 digits) "
        "(write a realistic value)"
    )
