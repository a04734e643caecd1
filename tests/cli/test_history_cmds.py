"""gigawatt history: dated scenarios in order, each change of terms and what it did.

Three versions of one small world (the compare example's): January terms with a right of
first refusal, October terms with a $1B minimum spend instead, April terms with a $1.5B
minimum spend and a dearer OCI (a change of the world, not of the terms). The numbers of
the history are recomputed here from each plan's own tables with plain pandas, the
counterfactual (the earlier world under the later terms) is written out by hand and
planned on its own, and the screen is read in a real 80-column terminal.
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from agreement_support import HOURS, agreement
from terminal_support import gigawatt_script, tmux_screen, too_wide

from gigawatt.compare.history import History, history, order_by_date
from gigawatt.errors import InputError
from gigawatt.plan import plan
from gigawatt.plan.results import Plan
from gigawatt.scenario import parse_scenario

ROFR = "{type: right_of_first_refusal}"
MIN_1B = "{type: min_spend, usd: 1.0e9, from: 2026-01}"
MIN_15B = "{type: min_spend, usd: 1.5e9, from: 2026-01}"
JAN = agreement("jan", ROFR, as_of="2025-01", contract="ms-jan")
OCT = agreement("oct", MIN_1B, as_of="2025-10", contract="ms-oct")
APR = agreement("apr", MIN_15B, as_of="2026-04", oci_usd_per_hour=2.5, contract="ms-apr")
# The counterfactuals, by hand: the earlier world (its OCI price) under the later terms.
JAN_UNDER_OCT = agreement("x1", MIN_1B, as_of="2025-01", contract="ms-oct")
OCT_UNDER_APR = agreement("x2", MIN_15B, as_of="2025-10", contract="ms-apr")


def solve(text: str) -> Plan:
    return plan(parse_scenario(text, "x.yaml"))


def year_figures(p: Plan) -> dict[tuple[str, str, str], float]:
    """(metric, year, provider) from the raw tables, with plain pandas."""
    out: dict[tuple[str, str, str], float] = {}
    spend = p.tables["spend"].assign(year=lambda d: d["month"].astype(str).str[:4])
    for year, usd in spend.groupby("year")["usd"].sum().items():
        out[("spend_usd", str(year), "")] = float(usd)
    cap = p.tables["capacity"].assign(year=lambda d: d["month"].astype(str).str[:4])
    monthly = cap.groupby(["year", "month", "provider"])["installed_mw"].sum().reset_index()
    for (year, provider), mw in monthly.groupby(["year", "provider"])["installed_mw"].max().items():
        out[("gw", str(year), str(provider))] = float(mw) / 1e3
    total = cap.groupby(["year", "month"])["installed_mw"].sum().groupby(level="year").max()
    for year, mw in total.items():
        out[("gw", str(year), "")] = float(mw) / 1e3
    short = p.tables["shortfall"].assign(year=lambda d: d["month"].astype(str).str[:4])
    for year, flop in short.groupby("year")["unserved_flop"].sum().items():
        out[("shortfall_flop", str(year), "")] = float(flop)
    return out


@pytest.fixture(scope="module")
def story() -> History:
    scenarios = [
        parse_scenario(t, f"{n}.yaml") for n, t in (("apr", APR), ("jan", JAN), ("oct", OCT))
    ]
    return history(scenarios, processes=1)


def test_steps_are_in_date_order(story: History) -> None:
    h = story
    assert h.scenarios == ["jan", "oct", "apr"]
    assert h.as_of == ["2025-01", "2025-10", "2026-04"]
    table = h.tables["scenarios"]
    assert list(table["scenario"]) == ["jan", "oct", "apr"]
    assert list(table["order"]) == [1, 2, 3]


def test_numbers_recomputed_from_each_plans_tables(story: History) -> None:
    h = story
    plans = {"jan": solve(JAN), "oct": solve(OCT), "apr": solve(APR)}
    middles = {1: solve(JAN_UNDER_OCT), 2: solve(OCT_UNDER_APR)}
    years = h.tables["years"]
    for step, (before, after) in enumerate((("jan", "oct"), ("oct", "apr")), start=1):
        b, a, m = (year_figures(p) for p in (plans[before], plans[after], middles[step]))
        mine = years[years["step"] == step]
        assert len(mine) == len(set(b) | set(a) | set(m))
        for r in mine.to_dict(orient="records"):
            key = (r["metric"], r["year"], r["provider"])
            want_b, want_a, want_m = b.get(key, 0.0), a.get(key, 0.0), m.get(key, 0.0)
            assert r["before"] == pytest.approx(want_b, rel=1e-6, abs=1e-6), key
            assert r["after"] == pytest.approx(want_a, rel=1e-6, abs=1e-6), key
            assert r["delta"] == pytest.approx(want_a - want_b, rel=1e-6, abs=1e-6), key
            assert r["terms"] == pytest.approx(want_m - want_b, rel=1e-6, abs=1e-6), key
            assert r["terms"] + r["world"] == pytest.approx(r["delta"], abs=1e-6), key
        totals = h.tables["totals"]
        cost = totals[(totals["step"] == step) & (totals["metric"] == "cost_usd")].iloc[0]
        pv = {k: float(p.tables["spend"]["usd_discounted"].sum()) for k, p in plans.items()}
        pv_middle = float(middles[step].tables["spend"]["usd_discounted"].sum())
        assert cost["delta"] == pytest.approx(pv[after] - pv[before], rel=1e-9)
        assert cost["terms"] == pytest.approx(pv_middle - pv[before], rel=1e-9)


def test_hand_worked_first_step(story: History) -> None:
    """Without the right of first refusal the lab leaves Azure's 600,000 (0.6 GW) in 2025."""
    years = story.tables["years"]
    row = years[
        (years["step"] == 1)
        & (years["metric"] == "gw")
        & (years["provider"] == "azure")
        & (years["year"] == "2025")
    ].iloc[0]
    assert row["before"] == pytest.approx(0.6, rel=1e-9)  # 600,000 x 1,000 W
    assert row["after"] == pytest.approx(0.0, abs=1e-9)
    assert row["world"] == pytest.approx(0.0, abs=1e-9)  # the world did not change
    # December 2025: 600k at $3 + 400k at $2 for 744 h, against 1,000k at $2.
    spend = years[
        (years["step"] == 1) & (years["metric"] == "spend_usd") & (years["year"] == "2025")
    ]
    assert spend.iloc[0]["delta"] == pytest.approx(
        (1e6 * 2 - (6e5 * 3 + 4e5 * 2)) * HOURS, rel=1e-9
    )


def test_terms_and_other_inputs_are_named(story: History) -> None:
    terms = story.tables["terms"]
    first = sorted(terms[terms["step"] == 1]["text"])
    assert first == [
        "azure: added min spend $1.0B (every workload) 2026-01 .. end",
        "azure: removed right of first refusal (every workload)",
    ]
    second = terms[terms["step"] == 2]
    assert list(second["change"]) == ["changed"]
    assert "$1.0B" in second.iloc[0]["before"] and "$1.5B" in second.iloc[0]["after"]
    inputs = story.tables["inputs"]
    assert list(inputs[inputs["step"] == 1]["input"]) == []
    assert list(inputs[inputs["step"] == 2]["input"]) == ["sites.oci-phoenix"]


def test_undated_or_same_month_scenarios_are_refused() -> None:
    undated = parse_scenario(JAN.replace("as_of: 2025-01\n", ""), "undated.yaml")
    with pytest.raises(InputError, match=r"undated.yaml: .*no `as_of`.*as_of: YYYY-MM"):
        order_by_date([undated, parse_scenario(OCT, "oct.yaml")])
    twin = parse_scenario(OCT.replace("name: oct", "name: oct2"), "oct2.yaml")
    with pytest.raises(InputError, match="both date from 2025-10"):
        order_by_date([parse_scenario(OCT, "oct.yaml"), twin])


def test_terms_that_do_not_fit_the_earlier_world_leave_the_step_unsplit() -> None:
    later = APR.replace("counterparty: azure", "counterparty: aws").replace(
        "  oci: {kind: cloud}", "  oci: {kind: cloud}\n  aws: {kind: cloud}"
    )
    h = history([parse_scenario(OCT, "oct.yaml"), parse_scenario(later, "apr.yaml")], processes=1)
    assert h.counterfactuals[1] is None
    assert "not split" in h.notes[1]
    totals = h.tables["totals"]
    assert totals["terms"].isna().all() and totals["delta"].notna().all()


def test_cli_json_and_80_columns(tmp_path: Path) -> None:
    for name, text in (("jan", JAN), ("oct", OCT), ("apr", APR)):
        (tmp_path / f"{name}.yaml").write_text(text)
    done = subprocess.run(
        [gigawatt_script(), "history", "oct.yaml", "apr.yaml", "jan.yaml", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [s["scenario"] for s in data["scenarios"]] == ["jan", "oct", "apr"]
    assert [s["split"] for s in data["steps"]] == [True, True]
    assert data["findings"][0].startswith("Step 1, 2025-01 -> 2025-10 (jan -> oct): cost -$")
    assert not math.isnan(pd.DataFrame(data["totals"])["terms"].astype(float).sum())
    screen = tmux_screen(["history", "apr.yaml", "oct.yaml", "jan.yaml"], 80, cwd=tmp_path)
    assert "Traceback" not in screen, screen
    assert too_wide(screen, 80) == [], screen
    assert "Step 1: 2025-01 -> 2025-10" in screen and "Step 2: 2025-10 -> 2026-04" in screen
    assert screen.index("Step 1:") < screen.index("Step 2:")
    assert "azure: removed right of first refusal" in screen


def test_report_of_a_history(story: History, tmp_path: Path) -> None:
    from gigawatt.report import write_report
    from gigawatt.report.build import build_content

    folder = story.save(tmp_path / "hist")
    assert (folder / "plans" / "step-1-counterfactual" / "summary.json").is_file()
    report = write_report(folder, png_dir=folder / "png")
    assert report.kind == "history"
    assert list(report.charts) == ["history_cost", "history_gw"]
    assert (folder / "report.html").is_file()
    content = build_content(folder)
    assert content.summary.sentences == story.findings()
    tables = {t.id: t for t in content.tables}
    totals = story.tables["totals"]
    for step in (1, 2):
        cost = totals[(totals["step"] == step) & (totals["metric"] == "cost_usd")].iloc[0]
        row = next(r for r in tables[f"history_totals_{step}"].rows if r[0] == "cost (PV)")
        assert row[1:] == (
            round(cost["delta"] / 1e9, 2),
            round(cost["terms"] / 1e9, 2),
            round(cost["world"] / 1e9, 2),
        )
    terms = tables["history_terms_2"]
    assert terms.rows[0][:2] == ("azure", "changed")
    assert terms.note == "Other inputs changed: sites.oci-phoenix."
