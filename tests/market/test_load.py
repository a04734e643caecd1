"""Loading markets: the built-in, and bad files reported with file, line, key and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.errors import ScenarioError
from gigawatt.market import DEFAULT_MARKET, load_market, market_names, parse_market
from gigawatt.market.load import market_text
from gigawatt.market.series import Series, series_values


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_market(text, "m.yaml")
    return [str(p) for p in info.value.problems]


def test_builtin_market_loads_with_every_part() -> None:
    assert DEFAULT_MARKET in market_names()
    market = load_market()
    assert market.name == "market-2025"
    assert market.lab in market.labs
    assert {"nvidia-hopper", "nvidia-blackwell", "amd-instinct", "google-tpu"} <= set(
        market.families
    )
    assert market.upstream.cowos_wafers is not None and market.upstream.hbm_gb is not None
    assert market.record is not None and market.record.data_centre_twh == 415


def test_builtin_credits_epoch_and_marks_estimates() -> None:
    text, _ = market_text(DEFAULT_MARKET)
    assert "CC BY 4.0" in text and "Epoch AI" in text
    market = load_market()
    assert market.sources["assumption"].confidence == "A"
    used = {sid for fam in market.families.values() for sid in fam.shipments.source}
    assert "assumption" in used  # extrapolations say so


def _good() -> str:
    text, _ = market_text(DEFAULT_MARKET)
    return text


def test_unknown_key_is_located_with_a_suggestion() -> None:
    text = _good().replace("lifetime_years: 5", "lifetime_yeras: 5")
    problems = _problems(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "lifetime_yeras" in t)
    assert any(
        f"m.yaml:{line}:" in p and "lifetime_yeras" in p and "lifetime_years" in p for p in problems
    )


def test_unknown_source_id_is_located() -> None:
    text = _good().replace(
        "source: [facts-b3, epoch-dc, facts-e]", "source: [facts-b3, epoch-dcc, facts-e]"
    )
    problems = _problems(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "epoch-dcc" in t)
    hit = [p for p in problems if "epoch-dcc" in p]
    assert hit and f"m.yaml:{line}:" in hit[0]
    assert "labs.openai.h100e.source[1]" in hit[0] and "epoch-dc" in hit[0]


def test_series_without_a_source_is_refused() -> None:
    text = _good().replace(
        "power_gw: {values: {2026: 1.0}, source: [anthropic-tpu], note:",
        "power_gw: {values: {2026: 1.0}, note:",
    )
    problems = _problems(text)
    assert any("contracts[3].power_gw.source" in p and "missing" in p for p in problems)


def test_contract_naming_a_missing_lab_and_a_forbidden_family() -> None:
    text = _good().replace(
        "lab: anthropic\n    family: google-tpu", "lab: antropic\n    family: google-tpu"
    )
    text = text.replace(
        "    lab: openai\n    family: amd-instinct", "    lab: china\n    family: amd-instinct"
    )
    problems = _problems(text)
    assert any("unknown lab 'antropic'" in p and "contracts[3].lab" in p for p in problems)
    assert any("may not buy family 'amd-instinct'" in p for p in problems)


def test_negative_shipments_and_bad_rule() -> None:
    text = _good().replace("values: {2022: 1.0e6, 2023: 0.5e6, 2024: 0}", "values: {2022: -1.0e6}")
    text = text.replace("rule: pro_rata", "rule: auction")
    problems = _problems(text)
    assert any(
        "families.nvidia-ampere.shipments.values.2022" in p and ">= 0" in p for p in problems
    )
    assert any("'auction' is not allowed" in p for p in problems)


def test_missing_file_and_unknown_builtin(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_market(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="built-in markets are: market-2025"):
        load_market("market-1999")


def test_not_a_mapping() -> None:
    assert any("a market is a mapping" in p for p in _problems("- 1\n- 2\n"))


def test_series_is_a_step_function_with_growth_after_its_last_year() -> None:
    s = Series.model_validate(
        {"values": {2024: 2.0, 2026: 4.0}, "growth_per_year": 1.5, "source": ["x"]}
    )
    assert series_values(s, [2023, 2024, 2025, 2026, 2028]).tolist() == [0.0, 2.0, 2.0, 4.0, 9.0]
    held = Series.model_validate({"values": {2024: 2.0}, "source": ["x"]})
    assert series_values(held, [2030]).tolist() == [2.0]
