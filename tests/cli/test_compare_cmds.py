"""gigawatt compare: the command through the console script, and the library under it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from agreement_support import HOURS, agreement

from gigawatt.compare import compare, money, outside_frame, percent
from gigawatt.scenario import parse_scenario

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))

ROFR = agreement("jan-terms", "{type: right_of_first_refusal}")
NO_ROFR = agreement("oct-terms", "{type: min_spend, usd: 1.0e9, from: 2026-01}")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GIGAWATT, *args], capture_output=True, text=True, timeout=600, cwd=cwd, check=False
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "jan.yaml").write_text(ROFR)
    (tmp_path / "oct.yaml").write_text(NO_ROFR)
    return tmp_path


def test_json_has_the_tables_and_names_the_effect_of_dropping_the_rofr(files: Path) -> None:
    out = run("compare", "jan.yaml", "oct.yaml", "--json", "--processes", "1", cwd=files)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in ("scenarios", "baseline", "counterparty", "years", "findings", "options"):
        assert key in data
    for table in ("by_provider", "by_year", "outside", "clauses", "rofr", "differences"):
        assert isinstance(data[table], list) and data[table], table
    assert data["baseline"] == "jan-terms" and data["counterparty"] == "azure"
    assert data["years"] == ["2025", "2026"]
    assert [s["name"] for s in data["scenarios"]] == ["jan-terms", "oct-terms"]
    assert data["findings"][0].startswith(
        "Without the right of first refusal (oct-terms, against jan-terms), spend outside "
        "azure rises from $0.6B to $1.5B in 2025"
    )
    assert "oct-terms adds min_spend with azure" in data["findings"][0]
    assert data["findings"][1].startswith("Dropping only the right of first refusal from jan-terms")
    # with the ROFR: 600k on Azure, 400k on OCI; without it, all on OCI in December
    outside = {(r["scenario"], r["year"]): r for r in data["outside"]}
    assert outside[("jan-terms", "2025")]["spend_outside_usd"] == pytest.approx(400_000 * 2 * HOURS)
    assert outside[("oct-terms", "2025")]["spend_outside_usd"] == pytest.approx(
        1_000_000 * 2 * HOURS
    )
    assert outside[("jan-terms", "2025")]["gw_outside"] == pytest.approx(0.4)
    costs = {(c["scenario"], c["type"]): c["cost_usd"] for c in data["clauses"]}
    assert costs[("jan-terms", "right_of_first_refusal")] == pytest.approx(
        2 * 600_000 * HOURS, rel=1e-6
    )
    # $1B take-or-pay in January: 448,029 Azure accelerators instead of OCI ones, $1/h dearer

    assert costs[("oct-terms", "min_spend")] == pytest.approx(1e9 / 3, rel=1e-6)
    by_year = {(r["scenario"], r["year"]): r for r in data["by_year"]}
    assert by_year[("jan-terms", "2026")]["spend_usd"] == pytest.approx(
        (600_000 * 3 + 400_000 * 2) * HOURS
    )
    assert by_year[("jan-terms", "2026")]["cash_usd"] is None  # no finance section


def test_tables_and_text_with_out_and_no_clauses(files: Path) -> None:
    out = run("compare", "jan.yaml", "oct.yaml", "--no-clauses", "--out", "cmp", cwd=files)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for piece in (
        "jan-terms: optimal",
        "By provider",
        "By year",
        "Outside azure",
        "clause costs not computed (--no-clauses)",
        "What differs most",
        "- Without the right of first refusal (oct-terms, against jan-terms)",
        "written to cmp",
    ):
        assert piece in text, piece
    assert "Dropping only" not in text
    folder = files / "cmp"
    data = json.loads((folder / "comparison.json").read_text())
    assert data["options"]["clauses"] is False and data["clauses"] == []
    for name in ("by_provider", "by_year", "outside", "clauses", "rofr", "differences"):
        assert (folder / f"{name}.parquet").is_file(), name
    rofr = pd.read_parquet(folder / "rofr.parquet")
    assert set(rofr["comparison"]) == {"across"}
    for label in ("jan-terms", "oct-terms"):
        assert (folder / "plans" / label / "summary.json").is_file()


def test_fewer_than_two_scenarios_is_a_usage_error(files: Path) -> None:
    out = run("compare", "jan.yaml", cwd=files)
    assert out.returncode == 2
    assert "two or more scenarios" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_broken_scenario_is_reported_without_running(files: Path) -> None:
    (files / "bad.yaml").write_text(ROFR.replace("usd_per_hour: 3", "usd_per_hr: 3"))
    out = run("compare", "jan.yaml", "bad.yaml", cwd=files)
    assert out.returncode == 2
    assert "bad.yaml:" in out.stderr and "usd_per_hr" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_same_scenario_twice_gets_unique_labels_and_no_rofr_finding() -> None:
    s = parse_scenario(ROFR)
    result = compare([s, s], clauses=False, processes=1)
    assert result.scenarios == ["jan-terms", "jan-terms#2"]
    assert not len(result.tables["rofr"])
    assert not len(result.tables["differences"])
    assert result.findings[0].startswith("jan-terms#2 against jan-terms: objective")


def test_parallel_solves_give_the_hand_computed_answer() -> None:
    scenarios = [parse_scenario(ROFR), parse_scenario(NO_ROFR)]
    result = compare(scenarios, processes=2)
    assert result.options["solves"] == 4 and result.options["processes"] == 2
    costs = result.tables["clauses"].set_index("type")["cost_usd"]
    assert costs["right_of_first_refusal"] == pytest.approx(2 * 600_000 * HOURS, rel=1e-6)
    assert costs["min_spend"] == pytest.approx(1e9 / 3, rel=1e-6)
    alone = result.tables["rofr"].query("comparison == 'alone'").set_index("year")
    assert alone.loc["2026", "spend_outside_usd_without"] == pytest.approx(1e6 * 2 * HOURS)


def test_outside_frame_of_one_plan() -> None:
    result = compare([parse_scenario(ROFR), parse_scenario(NO_ROFR)], clauses=False, processes=1)
    frame = outside_frame(result.plans["oct-terms"], "azure").set_index("year")
    # January: the $1B commitment buys 448,029 Azure accelerators, the rest on OCI
    on_azure = 1e9 / (3 * HOURS)
    assert frame.loc["2026", "accelerators_outside"] == pytest.approx(1_000_000 - on_azure)
    assert frame.loc["2026", "spend_outside_share"] == pytest.approx(
        (1_000_000 - on_azure) * 2 / ((1_000_000 - on_azure) * 2 + 1e9 / HOURS)
    )
    assert frame.loc["2025", "gw_outside_share"] == pytest.approx(1.0)


def test_money_and_percent() -> None:
    assert money(21.34e9) == "$21.3B"
    assert money(-4.0e9) == "-$4.0B"
    assert money(-1e6) == "$0.0B"
    assert percent(0.267) == "27%"
    assert percent(float("nan")) == "n/a"


def test_scenarios_built_in_code_compare_in_process_without_clauses() -> None:
    from gigawatt.errors import GigawattError
    from gigawatt.scenario import Scenario

    built = [Scenario.model_validate(parse_scenario(t).raw) for t in (ROFR, NO_ROFR)]
    result = compare(built, clauses=False, processes=2)
    assert result.scenarios == ["jan-terms", "oct-terms"]
    with pytest.raises(GigawattError, match="no source data"):
        compare(built)
