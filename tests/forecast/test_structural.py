"""Structural gaps versus chance: the forecast names the months short in every sample.

The scenario: ``chat`` is pinned to provider ``a``, whose 1,000 accelerators grow to
3,000 only in 2026-04, while chat's demand steps from 500 to 2,000 accelerators' worth
in 2026-03 (utilization 0.5 of 1e15 FLOP/s: 5e14 FLOP/s each). So 2026-03 is short for
chat in every sample by 1,000 x 5e14 = 5e17 FLOP/s: a structural gap, worked by hand.
``api`` (provider ``a`` or ``b``, 2,000 more) grows at a sampled rate, so its later
months are short in some samples only: chance.

Every probability is checked against a plain numpy recomputation from the per-sample
outputs of the slow reference (one validated scenario per sample, loops).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gap_scenarios import FLAT, GAPS, STEP
from slow_reference import slow_forecast

from gigawatt.forecast import run_forecast
from gigawatt.scenario import parse_scenario


def plain(text: str, samples: int, seed: int) -> dict[str, object]:
    """The structural gaps and probabilities recomputed with numpy from per-sample outputs."""
    scenario = parse_scenario(text)
    slow = slow_forecast(scenario, samples, seed)
    months = scenario.timeline.labels
    years = np.array([m[:4] for m in months])
    names = [w.name for w in scenario.workloads]
    cls = slow["workload_class"][0].astype(int)
    ids = sorted(set(cls.tolist()))
    gap = np.stack([slow["workload_gap_flops"][:, cls == c, :].sum(axis=1) for c in ids], 1)
    dem = np.stack([slow["workload_demand_flops"][:, cls == c, :].sum(axis=1) for c in ids], 1)
    short = gap > 1e-9 * dem  # [S, C, T]
    structural = short.all(axis=0)  # [C, T]
    month_short = slow["gap_flops"] > 1e-9 * slow["demand_flops"]  # [S, T]
    beyond = short & ~structural[None]
    by_year, by_year_ex = {}, {}
    for y in sorted(set(years.tolist())):
        inside = years == y
        by_year[y] = float(month_short[:, inside].any(axis=1).mean())
        by_year_ex[y] = float(beyond[:, :, inside].any(axis=(1, 2)).mean())
    gaps = sorted(
        (
            months[t],
            tuple(n for n, c in zip(names, cls, strict=True) if c == ids[ci]),
            float(gap[:, ci, t].min()),
            float(gap[:, ci, t].mean()),
        )
        for ci, t in zip(*np.nonzero(structural), strict=True)
    )
    return {
        "gaps": gaps,
        "by_year": by_year,
        "by_year_ex": by_year_ex,
        "any_ex": float(beyond.any(axis=(1, 2)).mean()),
    }


def fast(text: str, samples: int, seed: int, chunk: int) -> dict[str, object]:
    s = run_forecast(parse_scenario(text), samples=samples, seed=seed, chunk=chunk).summary
    return {
        "gaps": sorted(
            (g["month"], tuple(g["workloads"]), g["gap_flops_min"], g["gap_flops_mean"])
            for g in s["structural_gaps"]
        ),
        "by_year": s["p_demand_exceeds_supply_by_year"],
        "by_year_ex": s["p_demand_exceeds_supply_by_year_excluding_structural"],
        "any_ex": s["p_demand_exceeds_supply_any_month_excluding_structural"],
        "any": s["p_demand_exceeds_supply_any_month"],
        "raw": s["structural_gaps"],
    }


def test_a_built_in_gap_is_named_as_structural() -> None:
    got = fast(GAPS.replace("CHAT", STEP), 200, seed=3, chunk=64)
    # by hand: chat in 2026-03 (provider a only), 1,000 accelerators x 5e14 FLOP/s short
    assert got["raw"] == [
        {
            "month": "2026-03",
            "workloads": ["chat"],
            "providers": ["a"],
            "gap_flops_min": pytest.approx(5.0e17, rel=1e-12),
            "gap_flops_mean": pytest.approx(5.0e17, rel=1e-12),
        }
    ]
    assert got["any"] == 1.0 and got["by_year"]["2026"] == 1.0
    # chance alone: api outgrows the 3,000 + 2,000 in some samples, not in all
    assert 0.0 < got["any_ex"] < 1.0
    assert got["by_year_ex"]["2026"] < got["by_year_ex"]["2027"] < 1.0


@pytest.mark.parametrize("chat", [STEP, FLAT])
def test_equal_to_a_plain_recomputation_whatever_the_chunk(chat: str) -> None:
    text = GAPS.replace("CHAT", chat)
    expected = plain(text, 60, seed=5)
    for chunk in (60, 7):
        got = fast(text, 60, seed=5, chunk=chunk)
        assert got["by_year"] == expected["by_year"]
        assert got["by_year_ex"] == expected["by_year_ex"]
        assert got["any_ex"] == expected["any_ex"]
        assert len(got["gaps"]) == len(expected["gaps"])
        for g, e in zip(got["gaps"], expected["gaps"], strict=True):
            assert g[:2] == e[:2]
            assert g[2:] == pytest.approx(e[2:], rel=1e-9)
    if chat == FLAT:  # no step: nothing structural, every shortfall is chance
        assert expected["gaps"] == []
        assert expected["any_ex"] == fast(text, 60, 5, 60)["any"]


def test_the_forecast_report_tells_structure_from_chance(tmp_path: Path) -> None:
    from gigawatt.report import write_report

    result = run_forecast(parse_scenario(GAPS.replace("CHAT", STEP)), samples=200, seed=3)
    result.save(tmp_path)
    write_report(tmp_path)
    page = (tmp_path / "report.html").read_text()
    gaps = page[page.index('id="table-structural_gaps"') :]
    gaps = gaps[: gaps.index("</section>")]
    assert "<td>2026-03</td><td>chat</td><td>a</td>" in gaps
    assert gaps.count('<td class="num">0.50</td>') == 2  # 5e17 FLOP/s, min and mean
    years = page[page.index('id="table-structure_by_year"') :]
    years = years[: years.index("</section>")]
    s = result.summary
    aside = s["p_demand_exceeds_supply_by_year_excluding_structural"]["2027"]
    by_year = s["p_demand_exceeds_supply_by_year"]["2027"]
    assert f"<td>2027</td><td>{by_year * 100:.0f}%</td><td>{aside * 100:.0f}%</td>" in years
    assert "<td>2026</td><td>100%</td>" in years
