"""The financing keys of a scenario (issue #20, step 2): accepted, and bad input located."""

from __future__ import annotations

import pytest

from gigawatt.errors import Problem, ScenarioError
from gigawatt.scenario import load_scenario, parse_scenario

FILE = "money.yaml"

BASE = """\
name: money
horizon: {start: 2025-01, months: 12}
accelerators:
  X: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  p: {kind: cloud}
sites:
  s:
    provider: p
    offers:
      - {accelerator: X, pricing: on_demand, usd_per_hour: 2, available: 100}
workloads:
  - {name: api, kind: inference, demand_flops: 1.0e17}
finance:
  cash_usd: 1.0e9
  funded: true
  cash_floor_usd: 1.0e8
  equity:
    - {name: seed, month: 2025-03, usd: 5.0e8, pre_money_usd: 4.5e9, return_per_year: 0.25}
  debt:
    - {name: revolver, limit_usd: 2.0e8, rate_per_year: 0.08, fee_percent: 1,
       from: 2025-02, tenor_months: 6}
  vendor:
    - {name: chips, accelerators: [X], usd_per_gw: 1.0e10, max_usd: 1.0e9}
"""


def _errors(text: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, FILE)
    errors = [p for p in info.value.problems if p.severity == "error"]
    assert errors
    return errors


def test_every_instrument_is_read_with_its_defaults() -> None:
    fin = parse_scenario(BASE, FILE).finance
    assert fin is not None
    assert fin.funded and fin.cash_floor_usd == 1.0e8
    (eq,) = fin.equity
    assert (eq.name, str(eq.month), eq.usd, eq.pre_money_usd) == ("seed", "2025-03", 5e8, 4.5e9)
    (debt,) = fin.debt
    assert (debt.limit_usd, debt.rate_per_year, debt.fee_percent) == (2e8, 0.08, 1)
    assert (str(debt.from_), debt.tenor_months) == ("2025-02", 6)
    (v,) = fin.vendor
    assert (v.accelerators, v.return_per_year, v.from_, v.until) == (["X"], 0.0, None, None)


def test_finance_without_financing_keeps_the_old_meaning() -> None:
    text = BASE.split("  funded: true")[0]
    fin = parse_scenario(text, FILE).finance
    assert fin is not None
    assert not fin.funded and fin.cash_floor_usd == 0.0
    assert fin.equity == [] and fin.debt == [] and fin.vendor == []


@pytest.mark.parametrize(
    ("old", "new", "path", "words"),
    [
        ("limit_usd: 2.0e8", "limit_usd: -1", "finance.debt[0].limit_usd", "0"),
        ("rate_per_year: 0.08", "rate_per_year: 8", "finance.debt[0].rate_per_year", "1"),
        ("tenor_months: 6", "tenor_months: 0", "finance.debt[0].tenor_months", "1"),
        ("pre_money_usd: 4.5e9", "pre_money_usd: 0", "finance.equity[0].pre_money_usd", "0"),
        ("return_per_year: 0.25", "return_pa: 0.25", "finance.equity[0].return_pa", ""),
        ("accelerators: [X]", "accelerators: [Y]", "finance.vendor[0].accelerators[0]", "X"),
        ("month: 2025-03", "month: 2027-03", "finance.equity[0].month", "horizon"),
        ("from: 2025-02", "from: 2024-02", "finance.debt[0].from", "horizon"),
        ("name: chips", "name: seed", "finance.vendor[0].name", "unique"),
    ],
)
def test_bad_financing_is_located(old: str, new: str, path: str, words: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new)
    line = max(i for i, row in enumerate(text.splitlines(), 1) if new in row)
    errors = _errors(text)
    (p,) = [e for e in errors if e.location.key_path == path]
    assert p.location.file == FILE
    assert p.location.line == line
    assert p.hint, "every error says how to fix it"
    assert words in p.message + p.hint
    shown = str(ScenarioError(errors))
    assert f"{FILE}:{line}:" in shown and path in shown


def test_builtins_carry_the_sourced_instruments() -> None:
    october = load_scenario("frontier-lab-2025-10").finance
    assert october is not None and not october.funded
    (nvidia,) = october.vendor
    assert nvidia.usd_per_gw == 1.0e10  # facts.md B.2: $100B over 10 GW
    april = load_scenario("frontier-lab-2026-04").finance
    assert april is not None and not april.funded
    (amazon,) = april.equity
    assert (amazon.usd, amazon.pre_money_usd) == (3.5e10, 7.3e11)  # facts.md C
