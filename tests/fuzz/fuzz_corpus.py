"""A seeded mutation corpus of scenario files: what a careless user or an attacker writes.

Each case starts from a real scenario text (the built-ins, the design example, small
scenarios that solve in about a second) and applies a few mutations, at random but from
a fixed seed, so that every run of the tests sees the same cases:

* text edits: delete, duplicate or truncate lines, insert YAML punctuation, rich markup,
  control characters or deep brackets, swap two characters;
* value edits on the parsed data (written back as YAML): replace a value by another type
  or an extreme number (1e40, 1e-40, -1, 0, huge integers, growth that overflows),
  delete a key, add an unknown key, rename a key with markup in it.
"""

from __future__ import annotations

import copy
import io
import random
from collections.abc import Callable
from typing import Any

from ruamel.yaml import YAML

__all__ = ["SMALL", "mutate_data", "mutate_numbers", "mutate_text"]

#: Small scenarios (2-3 months, one or two sites) that the planner solves in ~1 s.
SMALL = [
    """\
name: small-a
horizon: {start: 2025-01, months: 3}
discount_rate: 0.05
accelerators:
  H100: {peak_flops: 1.0e15, facility_watts: 1000}
  GB200: {peak_flops: 2.5e15, facility_watts: 2100, available_from: 2025-02}
providers:
  azure: {kind: cloud}
  own: {kind: owned}
sites:
  az:
    provider: azure
    power_mw: 50
    offers:
      - {accelerator: H100, pricing: on_demand, usd_per_hour: 2, available: 10000}
      - {accelerator: H100, pricing: reserved, usd_per_hour: 1.5, term_months: 2,
         lead_months: 0, available: {2025-01: 4000, growth_per_year: 1.5}}
  camp:
    provider: own
    power_mw: {2025-01: 10, 2025-03: 30}
    electricity_usd_per_mwh: 60
    offers:
      - {accelerator: GB200, pricing: build, capex_usd: 40000, opex_usd_per_hour: 0.2,
         lifetime_months: 48, lead_months: 1, available: 8000}
workloads:
  - {name: api, kind: inference, tags: [api], demand_flops: {2025-01: 2.0e18, growth_per_year: 3},
     utilization: 0.4, revenue_usd_per_month: 1.0e8}
  - {name: run, kind: training, flop: 1.0e24, window: [2025-02, 2025-03], accelerators: [GB200]}
contracts:
  - name: ms
    counterparty: azure
    clauses:
      - {type: pin, tags: [api]}
      - {type: revenue_share, percent: 20, tags: [api]}
      - {type: min_spend, usd: 1.0e7, from: 2025-01, until: 2025-03}
finance:
  cash_usd: 1.0e9
  funding: [{month: 2025-02, usd: 1.0e8}]
""",
    """\
name: small-b
horizon: {start: 2026-06, months: 2}
accelerators:
  A: {peak_flops: 1.0e15, facility_watts: 1400}
providers:
  c1: {kind: cloud}
  c2: {kind: neocloud}
sites:
  s1: {provider: c1, offers: [{accelerator: A, pricing: on_demand, usd_per_hour: 3,
       available: 5000}]}
  s2: {provider: c2, pue: 1.3, offers: [{accelerator: A, pricing: on_demand, usd_per_hour: 2,
       available: 3000}]}
workloads:
  - {name: chat, kind: inference, tags: [chat], demand_flops: 3.0e18}
  - {name: train, kind: training, flop: 5.0e23, window: [2026-06, 2026-07], single_site: false}
contracts:
  - name: c1-deal
    counterparty: c1
    clauses: [{type: right_of_first_refusal}, {type: exclusive, tags: [chat]}]
penalties: {shortfall_usd_per_flop: 2.0e-15}
""",
]

_PUNCTUATION = [
    "[",
    "]",
    "{",
    "}",
    ":",
    ": ",
    "- ",
    ",",
    "'",
    '"',
    "&a ",
    "*a",
    "!!",
    "#",
    "? ",
    "|",
    ">",
    "%",
]
_MARKUP = [
    "[/bold]",
    "[red]x[/red]",
    "[link=x]",
    ":smile:",
    "\\[",
    "[ray]",
    "\x1b[31m",
    "\x07",
    "\t",
    "\u200b",
    "é",
    "\ufeff",
]
_NUMBERS: list[Any] = [
    1e40,
    -1e40,
    1e-40,
    1e308,
    -1,
    0,
    0.0,
    1e15,
    1e-15,
    2**70,
    -(2**70),
    10**400,
    3.5,
    1e300,
    float("nan"),
    float("inf"),
]
_OTHERS: list[Any] = [
    None,
    True,
    False,
    "",
    "x",
    "[/bold]",
    "2025-13",
    "2025-01",
    [],
    {},
    [1, 2],
    {"a": 1},
]
_GROWTH: list[Any] = [
    {"2025-01": 1e20, "growth_per_year": 1e300},
    {"2025-01": 1.0, "growth_per_year": 1e-300},
    {"growth_per_year": 2},
]


def mutate_text(text: str, rng: random.Random) -> str:
    """One to three random text edits."""
    for _ in range(rng.randint(1, 3)):
        lines = text.split("\n")
        i = rng.randrange(len(lines))
        pos = rng.randrange(len(lines[i]) + 1)
        choice = rng.randrange(7)
        if choice == 0 and len(lines) > 1:
            del lines[i]
        elif choice == 1:
            lines.insert(i, lines[i])
        elif choice == 2:
            lines[i] = lines[i][:pos] + rng.choice(_PUNCTUATION) + lines[i][pos:]
        elif choice == 3:
            lines[i] = lines[i][:pos] + rng.choice(_MARKUP) + lines[i][pos:]
        elif choice == 4:
            lines[i] = (
                lines[i][:pos]
                + rng.choice(["{", "[", "- "]) * rng.choice([70, 500])
                + lines[i][pos:]
            )
        elif choice == 5:
            return "\n".join(lines)[: rng.randrange(len(text) + 1)]
        else:
            line = lines[i]
            if len(line) > 2:
                j = rng.randrange(len(line) - 1)
                lines[i] = line[:j] + line[j + 1] + line[j] + line[j + 2 :]
        text = "\n".join(lines)
    return text


def _containers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, Any]]:
    """Every (container, key) pair of the data, keys of mappings and indexes of lists."""
    out: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((node, k))
            out += _containers(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((node, i))
            out += _containers(v, (*path, i))
    return out


def _load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def _dump(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def mutate_numbers(text: str, rng: random.Random) -> str:
    """One to three numbers scaled by 10^k, k in -45..45: odd files that stay valid."""
    data = copy.deepcopy(_load(text))
    places = [
        (c, k)
        for c, k in _containers(data)
        if isinstance(c[k], int | float) and not isinstance(c[k], bool) and c[k] > 0
    ]
    for _ in range(rng.randint(1, 3)):
        container, key = rng.choice(places)
        value = float(container[key]) * 10.0 ** rng.randint(-45, 45)
        container[key] = value if isinstance(value, float) else float(value)
    return _dump(data)


def mutate_data(text: str, rng: random.Random) -> str:
    """One to three random value edits on the parsed data, written back as YAML."""
    data = copy.deepcopy(_load(text))
    edits: list[Callable[[Any, Any], None]] = [
        lambda c, k: c.__setitem__(k, rng.choice(_NUMBERS)),
        lambda c, k: c.__setitem__(k, rng.choice(_NUMBERS)),
        lambda c, k: c.__setitem__(k, rng.choice(_OTHERS)),
        lambda c, k: c.__setitem__(k, copy.deepcopy(rng.choice(_GROWTH))),
        lambda c, k: c.pop(k),
        lambda c, k: (
            c.__setitem__(rng.choice(["extra", "[/bold]", "peu", "name"]), 1)
            if isinstance(c, dict)
            else c.append(copy.deepcopy(c[k]))
        ),
        lambda c, k: (
            c.__setitem__(rng.choice(_MARKUP) + str(k), c.pop(k)) if isinstance(c, dict) else None
        ),
    ]
    for _ in range(rng.randint(1, 3)):
        places = _containers(data)
        if not places:
            break
        container, key = rng.choice(places)
        rng.choice(edits)(container, key)
    return _dump(data)
