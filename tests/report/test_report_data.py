"""Results directories, clause costs, commitments, write_default_report, imports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from report_support import CLAUSES, clause_cost_objects

from gigawatt.errors import GigawattError
from gigawatt.report import (
    load_results,
    read_clause_costs,
    save_clause_costs,
    write_default_report,
)
from gigawatt.report.commitments import scenario_for
from gigawatt.report.summary import reference_provider, target_year
from gigawatt.scenario import Scenario


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_load_results_errors(tmp_path: Path) -> None:
    with pytest.raises(GigawattError, match="holds no plan, forecast or comparison"):
        load_results(tmp_path)
    with pytest.raises(GigawattError, match="is not a directory"):
        load_results(tmp_path / "missing")
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(GigawattError, match="not readable JSON"):
        load_results(tmp_path)
    (tmp_path / "summary.json").write_text("{}")
    with pytest.raises(GigawattError, match=r"no capacity\.parquet"):
        load_results(tmp_path)


def test_clause_costs_round_trip(tmp_path: Path) -> None:
    path = save_clause_costs(clause_cost_objects(), tmp_path)
    assert path == tmp_path / "clauses.parquet"
    costs = read_clause_costs(tmp_path)
    assert costs is not None
    assert list(costs["type"]) == [k for k, _ in CLAUSES]
    assert list(costs["cost_usd"]) == [c for _, c in CLAUSES]
    save_clause_costs(pd.DataFrame(costs), tmp_path / "df")
    assert read_clause_costs(tmp_path / "df") is not None
    with pytest.raises(GigawattError, match="missing counterparty, cost_usd"):
        save_clause_costs([{"contract": "a", "clause_index": 0, "type": "pin"}], tmp_path)


def test_clause_costs_from_the_clauses_command_json(tmp_path: Path) -> None:
    rows = [c.to_dict() for c in clause_cost_objects()]
    (tmp_path / "clauses.json").write_text(json.dumps({"scenario": "x", "clauses": rows}))
    costs = read_clause_costs(tmp_path)
    assert costs is not None and len(costs) == len(CLAUSES)
    (tmp_path / "clauses.json").unlink()
    pd.DataFrame(rows).to_csv(tmp_path / "clauses.csv", index=False)
    costs = read_clause_costs(tmp_path)
    assert costs is not None and costs["clause_index"].tolist() == [0, 1, 2]
    assert read_clause_costs(tmp_path / "none") is None


def test_write_default_report(bare_plan_dir: Path, tiny_scenario: Scenario, tmp_path: Path) -> None:
    plan = _copy(bare_plan_dir, tmp_path / "plan")
    html = write_default_report(plan, scenario=tiny_scenario, clause_costs=clause_cost_objects())
    assert html == plan / "report.html" and html.stat().st_size > 1_000_000
    results = load_results(plan)
    assert results.clause_costs is not None and results.commitments is not None
    assert set(results.commitments["category"]) == {"Spend", "Usage"}
    # without extras it still writes the report
    bare = _copy(bare_plan_dir, tmp_path / "bare")
    assert write_default_report(bare).is_file()


def test_reference_provider_and_year(bare_plan_dir: Path, tmp_path: Path) -> None:
    results = load_results(bare_plan_dir)
    spend = results.tables["spend"]
    largest = spend.groupby("provider")["usd"].sum().idxmax()
    assert reference_provider(results) == largest  # no contracts known
    assert reference_provider(results, "oci") == "oci"
    plan = _copy(bare_plan_dir, tmp_path / "p")
    save_clause_costs(clause_cost_objects(), plan)
    assert reference_provider(load_results(plan)) == "azure"
    assert target_year(["2025-01", "2025-12", "2026-01", "2026-06"]) == 2025
    assert target_year(["2025-01", "2025-06"]) == 2025


def test_scenario_is_found_from_the_recorded_source(
    bare_plan_dir: Path, tiny_scenario: Scenario, tmp_path: Path
) -> None:
    plan = _copy(bare_plan_dir, tmp_path / "plan")
    assert scenario_for(load_results(plan)) is None  # tiny.yaml is not on disk
    (plan / "tiny.yaml").write_text(tiny_scenario.raw and _yaml(tiny_scenario))
    found = scenario_for(load_results(plan))  # relative sources resolve in the directory
    assert found is not None and found.name == "tiny-lab"


def _yaml(scenario: Scenario) -> str:
    from report_support import TINY

    return TINY


def test_importing_gigawatt_loads_no_plotting_library() -> None:
    code = (
        "import sys, gigawatt, gigawatt.cli, gigawatt.report, gigawatt.cli.report_cmds\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('plotly', 'matplotlib', 'playwright'))\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_report_package_all_is_honest() -> None:
    import types

    import gigawatt.report as report

    names = set(report.__all__)
    assert len(names) == len(report.__all__)
    assert all(hasattr(report, n) for n in names)
    public = {
        n
        for n, v in vars(report).items()
        if not n.startswith("_") and not isinstance(v, types.ModuleType) and n != "annotations"
    }
    assert public <= names, public - names
