"""Every number of `gigawatt compare --json` and `gigawatt sweep --json`, recomputed.

The comparison saves each scenario's plan under ``plans/<scenario>/``; its tables and
its report's charts must equal the oracle on those Parquet tables. The sweep's figures
per sample must equal the oracle on that sample's plan, solved again here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from crosscheck_oracle import compute, outside
from crosscheck_readers import html_figures, traces
from crosscheck_runs import BUILTINS, TINY


def same(a: Any, b: float) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return math.isnan(b)
    return math.isclose(float(a), b, rel_tol=1e-9, abs_tol=1e-6)


def test_compare_tables_match_the_oracle(comparison: tuple[Path, dict[str, Any]]) -> None:
    folder, data = comparison
    assert [s["name"] for s in data["scenarios"]] == list(BUILTINS)
    oracles = {name: compute(folder / "plans" / name, cash=True) for name in BUILTINS}
    for row in data["by_year"]:
        want = oracles[row["scenario"]].year[row["year"]]
        for key, exact in want.items():
            assert same(row[key], exact), (row["scenario"], row["year"], key)
    assert len(data["by_provider"]) == sum(len(o.provider) for o in oracles.values())
    for row in data["by_provider"]:
        want = oracles[row["scenario"]].provider[(row["year"], row["provider"])]
        for key, exact in want.items():
            assert same(row[key], exact), (row["scenario"], row["year"], row["provider"], key)
    for s in data["scenarios"]:
        o = oracles[s["name"]]
        for key in ("cost_usd", "lost_revenue_usd", "penalty_usd", "spend_usd_nominal"):
            assert same(s[key], o.summary[key]), (s["name"], key)
        assert same(s["min_cash_usd"], o.summary["min_cash_usd"])
    counterparty = data["counterparty"]
    assert counterparty == "azure"
    outs = {name: outside(folder / "plans" / name, counterparty) for name in BUILTINS}
    for row in data["outside"]:
        for key, exact in outs[row["scenario"]][row["year"]].items():
            assert same(row[key], exact), (row["scenario"], row["year"], key)
    # without the ROFR (the -10 scenario) against with it: each side's figures
    across = [r for r in data["rofr"] if r["comparison"] == "across"]
    assert across
    for row in across:
        for side, name in (("with", row["with_scenario"]), ("without", row["without_scenario"])):
            want = outs[name][row["year"]]
            for key in ("spend_outside_usd", "spend_outside_share", "gw_outside"):
                assert same(row[f"{key}_{side}"], want[key]), (name, row["year"], key)


def test_compare_report_plots_training_shortfall_as_training(
    comparison: tuple[Path, dict[str, Any]],
) -> None:
    folder, _ = comparison
    figures = html_figures((folder / "report.html").read_text(encoding="utf-8"))
    chart = figures["compare_shortfall"]
    titles = [
        re.sub(r"</?b>", "", a["text"])
        for a in chart["layout"]["annotations"]
        if "shortfall" in a["text"]
    ]
    assert titles == ["Training shortfall", "Inference shortfall"]
    oracles = {name: compute(folder / "plans" / name, cash=True) for name in BUILTINS}
    for axis, key in (("y2", "training_shortfall_flop"), ("y3", "inference_shortfall_flop")):
        for name, trace in traces(chart, axis).items():
            want = [oracles[name].year[y][key] for y in trace["x"]]
            assert trace["y"] == pytest.approx(want, rel=1e-9, abs=1.0), (axis, name)
    # the bug it fixes (training plotted as inference): the default plan's two shortfalls
    # of 2030 differ far beyond the tolerance, so swapped axes fail the checks above
    base = oracles[BUILTINS[0]].year["2030"]
    assert base["inference_shortfall_flop"] > 1e27
    train, infer = base["training_shortfall_flop"], base["inference_shortfall_flop"]
    assert abs(train - infer) > 0.5 * max(train, infer)
    gw = figures["compare_gw"]
    for name, trace in traces(gw, "y").items():
        assert trace["y"] == pytest.approx([oracles[name].year[y]["gw"] for y in trace["x"]])


def test_sweep_figures_match_the_oracle(sweep: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    import pandas as pd

    from gigawatt.plan import plan
    from gigawatt.scenario import load_scenario
    from gigawatt.sweep.scenarios import draw_samples, sampled_scenario

    folder, data = sweep
    scenario = load_scenario(str(TINY))
    specs = draw_samples(scenario, 4, 3)
    samples = pd.read_parquet(folder / "samples.parquet").set_index("sample")
    gw = pd.read_parquet(folder / "gw.parquet")
    per_sample: dict[str, list[float]] = {k: [] for k in data["distributions"]}
    for spec in specs:
        sub = tmp_path / f"sample-{spec.index}"
        plan(sampled_scenario(scenario, spec)).save(sub)
        o = compute(sub, cash=False)
        row = samples.loc[spec.index]
        expected = {
            "cost_usd": o.summary["cost_usd"],
            "lost_revenue_usd": o.summary["lost_revenue_usd"],
            "penalty_usd": o.summary["penalty_usd"],
            "shortfall_flop": sum(o.summary["shortfall_flop"].values()),
            "spend_usd_nominal": o.summary["spend_usd_nominal"],
        }
        for key, exact in expected.items():
            assert math.isclose(row[key], exact, rel_tol=1e-6, abs_tol=1.0), (spec.index, key)
            per_sample[key].append(exact)
        mine = gw[gw["sample"] == spec.index]
        assert len(mine) == len(o.provider)
        for r in mine.itertuples():
            assert r.gw == pytest.approx(o.provider[(r.year, r.provider)]["gw"]), r
    for key, values in per_sample.items():
        if not values:
            continue
        stats = data["distributions"][key]
        x = np.array(values)
        assert stats["mean"] == pytest.approx(x.mean(), rel=1e-6, abs=1.0), key
        for q in (5, 50, 95):
            assert stats[f"p{q}"] == pytest.approx(np.percentile(x, q), rel=1e-6, abs=1.0), key
