"""Fidelity of a plan to the public record: outcomes checked against dated anchors.

Each :class:`Anchor` is a figure from ``shared/data/facts.md`` with its date and source, a
function that reads the same quantity off a solved :class:`~gigawatt.plan.results.Plan`
and a tolerance. The calibration tests (``tests/scenario/test_calibration.py``) and the
documentation page ``docs/fidelity.md`` are both made from :data:`ANCHORS`, so the page
says exactly what the tests check. Regenerate the page with
``python -m gigawatt.report.fidelity PLAN_DIR > docs/fidelity.md`` after
``gigawatt plan --out PLAN_DIR``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from gigawatt.errors import InputError
from gigawatt.plan import figures
from gigawatt.plan.figures import installed_in_month
from gigawatt.plan.results import Plan
from gigawatt.scenario.power import RunCase, power_factors, run_power

if TYPE_CHECKING:
    from gigawatt.forecast.trends import RunForecast

__all__ = [
    "ANCHORS",
    "Anchor",
    "accelerators_online",
    "accrual_loss_usd",
    "cash_burn_usd",
    "installed_gw",
    "largest_run",
    "later_years",
    "plan_run_case",
    "render_page",
    "revenue_usd",
    "suppliers",
    "trend_run_case",
    "trend_run_gw",
    "versus_plan",
]


def installed_gw(plan: Plan, month: str) -> float:
    """Facility GW installed in a month (:func:`gigawatt.plan.figures.installed_in_month`)."""
    return installed_in_month(plan.tables, month)["gw"]


def accelerators_online(plan: Plan, month: str) -> float:
    """Accelerators installed in a month (:func:`gigawatt.plan.figures.installed_in_month`)."""
    return installed_in_month(plan.tables, month)["accelerators"]


def revenue_usd(plan: Plan, year: int) -> float:
    """Revenue earned in a year (the figures' ``revenue_usd``), USD."""
    by_year = plan.figures().by_year
    return float(by_year.loc[by_year["year"] == str(year), "revenue_usd"].sum())


def cash_burn_usd(plan: Plan, first: int, last: int) -> float:
    """Cumulative cash burn over calendar years first..last (figures' ``cash_burn_usd``)."""
    year = plan.figures().by_year
    inside = year["year"].astype(int).between(first, last)
    return float(year.loc[inside, "cash_burn_usd"].sum())


def accrual_loss_usd(plan: Plan, first: int, last: int) -> float:
    """Cumulative accrual loss before funding over years first..last (USD).

    :func:`gigawatt.plan.figures.accrual_loss_by_year`: compute as charged, build capex
    straight-line over its lifetime; the profit and loss view, not cash.
    """
    loss = figures.accrual_loss_by_year(plan.tables["finance"])
    year = loss.index.astype(int)
    return float(loss[(year >= first) & (year <= last)].sum())


def largest_run(plan: Plan, year: int) -> dict[str, object] | None:
    """The largest training run whose window ends in a year (figures.training_runs)."""
    runs = figures.training_runs(plan.tables)
    mine = runs[runs["end_month"].str.startswith(str(year))]
    return None if mine.empty else {str(k): v for k, v in mine.iloc[0].items()}


def trend_run_gw(year: float) -> float:
    """``gigawatt trends``' power of the frontier run of a year, on its defaults (GB200)."""
    from gigawatt.forecast.trends import analyze_trends

    report = analyze_trends(year=year, backtest_cutoff=None, n_boot=200, seed=0)
    assert report.forecast.power_gw is not None
    return report.forecast.power_gw


def plan_run_case(plan: Plan, year: int) -> RunCase:
    """The plan's largest run ending in ``year`` (else its largest run) as a :class:`RunCase`.

    Its power is the peak month's (``training_runs``' ``peak_gw``); its duration the
    seconds it would train at that month's rate: delivered FLOP / (peak GW x FLOP/s per W).

    Raises:
        InputError: the plan has no training run given any accelerator, or was saved
            before its allocation carried the FLOP delivered.
    """
    runs = figures.training_runs(plan.tables)
    runs = runs[runs["peak_gw"] > 0]
    if runs.empty:
        raise InputError("the plan gives no training run any accelerator: nothing to set beside")
    mine = runs[runs["end_month"].str.startswith(str(year))]
    row = (mine if len(mine) else runs).iloc[0]
    per_watt = float(row["peak_flops_per_watt"])
    if not math.isfinite(per_watt):
        raise InputError(
            "the plan's allocation has no flop column (saved by an older gigawatt); "
            "write it again with `gigawatt plan FILE --out DIR`"
        )
    rate = float(row["peak_gw"]) * 1e9 * per_watt
    return RunCase(
        label=f"plan: {row['workload']} ({row['accelerator']}, {row['peak_month']})",
        flop=float(row["delivered_flop"]),
        duration_s=float(row["delivered_flop"]) / rate,
        flops_per_watt=per_watt,
    )


def trend_run_case(run: RunForecast) -> RunCase:
    """``gigawatt trends``' frontier run as a :class:`RunCase` (needs its accelerator)."""
    acc, mfu, duration = run.accelerator, run.mfu, run.duration_s
    if acc is None or mfu is None or duration is None:
        raise InputError("the trend run has no accelerator; give --accelerator to convert it")
    power = run_power(
        run.flop, duration, peak_flops=acc.peak_flops, mfu=mfu, it_watts=acc.it_watts, pue=acc.pue
    )
    return RunCase(
        label=f"{run.year:g} on {acc.name}",
        flop=run.flop,
        duration_s=duration,
        flops_per_watt=power.flops_per_watt,
    )


def versus_plan(run: RunForecast, plan: Plan) -> dict[str, Any]:
    """The trend's run beside the plan's largest run of the same year, factor by factor.

    ``factors`` multiply to ``gw_ratio`` (trend GW / plan GW) exactly
    (:func:`gigawatt.scenario.power.power_factors`).
    """
    trend, mine = trend_run_case(run), plan_run_case(plan, int(run.year))
    factors = power_factors(trend, mine)
    return {
        "trend": {**asdict(trend), "facility_gw": trend.facility_gw},
        "plan": {**asdict(mine), "facility_gw": mine.facility_gw},
        "factors": [{"factor": name, "ratio": ratio} for name, ratio in factors],
        "gw_ratio": trend.facility_gw / mine.facility_gw,
    }


def suppliers(plan: Plan, year: int) -> list[str]:
    """Providers with accelerators in use in some month of a year (figures.suppliers)."""
    return figures.suppliers(plan.tables, str(year))


@dataclass(frozen=True)
class Anchor:
    """A public figure, how the plan's counterpart is read, and the tolerance.

    ``check`` returns (model output as text, verdict); ``tested`` anchors are asserted by
    the calibration tests, the others are shown for information.
    """

    metric: str
    anchor: str
    source: str
    tolerance: str
    check: Callable[[Plan], tuple[str, bool]]
    tested: bool = True
    note: str = ""


def _within(value: float, target: float, rel: float) -> bool:
    return abs(value - target) <= rel * target


def _gw_end_2025(plan: Plan) -> tuple[str, bool]:
    gw = installed_gw(plan, "2025-12")
    return f"{gw:.2f} GW installed (2025-12)", _within(gw, 1.9, 0.15)


def _accelerators_end_2025(plan: Plan) -> tuple[str, bool]:
    count = accelerators_online(plan, "2025-12")
    return f"{count / 1e6:.2f}M installed (2025-12)", count >= 0.9e6


def _revenue_2025(plan: Plan) -> tuple[str, bool]:
    usd = revenue_usd(plan, 2025)
    return f"${usd / 1e9:.2f}B earned", _within(usd, 13.07e9, 0.10)


def _suppliers_2025(plan: Plan) -> tuple[str, bool]:
    names = suppliers(plan, 2025)
    return ", ".join(names), {"oci", "coreweave"} <= set(names)


#: Cumulative cash burn 2025-29 in the two reported vintages (facts.md C, The Information):
#: Sept 2025 ~$115B; Q1 2026 8 + 25 + 57 + 85 + 51 = $226B.
BURN_2025_29_USD = (115e9, 226e9)


def _burn_2025_29(plan: Plan) -> tuple[str, bool]:
    usd = accrual_loss_usd(plan, 2025, 2029)
    cash = cash_burn_usd(plan, 2025, 2029)
    low, high = BURN_2025_29_USD
    return (
        f"${usd / 1e9:.0f}B as charged ({usd / low:.2f}x $115B); cash burn ${cash / 1e9:.0f}B",
        low <= usd <= high,
    )


def _energy_end_2025(plan: Plan) -> tuple[str, bool]:
    twh = installed_in_month(plan.tables, "2025-12")["twh_per_year"]
    return f"{twh:.1f} TWh/yr at the 2025-12 installed power", _within(twh, 16.6, 0.15)


#: Epoch/EPRI (2025-08): the largest single training runs of 2030 likely draw 4-16 GW.
LARGEST_RUN_2030_GW = (4.0, 16.0)


def _largest_run_2030(plan: Plan) -> tuple[str, bool]:
    run = largest_run(plan, 2030)
    trend = trend_run_gw(2030.0)
    if run is None:
        return f"no run ends in 2030; gigawatt trends: {trend:.0f} GW", False
    gw = float(str(run["peak_gw"]))
    low, high = LARGEST_RUN_2030_GW
    return (
        f"{gw:.1f} GW at its peak ({run['workload']}, {float(str(run['flop'])):.1e} FLOP on "
        f"{run['accelerator']}); `gigawatt trends` (2030, GB200): {trend:.0f} GW",
        low <= gw <= high,
    )


ANCHORS: tuple[Anchor, ...] = (
    Anchor(
        "Compute operating at end-2025",
        "~1.9 GW (0.2 GW 2023, 0.6 GW 2024)",
        "CFO Sarah Friar, 2026-01-18 (facts.md B.3)",
        "±15%",
        _gw_end_2025,
        note="Friar's 'available compute' does not say IT or facility watts, energised or "
        "contracted; the plan counts facility watts installed.",
    ),
    Anchor(
        "Accelerators online at end-2025",
        '"well over 1M"',
        "2025-07, as quoted in issue 16 (not in facts.md); >2M chips on >5 GW planned, "
        "2025-07-22 (facts.md B.1)",
        ">= 0.9M",
        _accelerators_end_2025,
    ),
    Anchor(
        "Revenue in 2025",
        "$13.07B (audited, leaked); ~$13B (Reuters source, 2026-02-20)",
        "FT via bizage.jp, 2026-06 (facts.md C)",
        "±10%",
        _revenue_2025,
    ),
    Anchor(
        "Suppliers in 2025",
        "Azure; Oracle (Abilene) from mid-2025; CoreWeave from 2025-03; Google Cloud from 2025-05",
        "facts.md A.1, B.1, B.2 (Microsoft 2025-01-21; FT 2025-05; Reuters 2025-03, 2025-06-10)",
        "includes oci and coreweave",
        _suppliers_2025,
        note="Google Cloud's size is NOT FOUND; the scenario offers a small H100-equivalent "
        "tranche from 2025-05, which the plan uses only when Azure (first, under the right "
        "of first refusal), Oracle and CoreWeave do not suffice.",
    ),
    Anchor(
        "Cumulative cash burn 2025-29",
        "~$115B (Sept 2025 forecast); $226B (Q1-2026 forecast: 8, 25, 57, 85, 51)",
        "The Information via techspot.com 2025-09 and the-decoder.com 2026-02 (facts.md C)",
        "between the two forecasts",
        _burn_2025_29,
        note="Checked: the loss before funding with compute as charged (the accrual view: "
        "a build's capex straight-line over its life, as the lease a partner-financed "
        "campus bills; the reported figures exclude capex that partners such as Oracle and "
        "the Stargate venture finance). The plan's cash burn (cash out less cash in before "
        "funding, docs/glossary.md) pays the built-in programmes' capex on delivery, so it "
        "is larger. Both depend on an assumption: other opex grows as the revenue "
        "schedules do (1.7x a year, held at its 2025 share of revenue; docs/decisions.md).",
    ),
    Anchor(
        "Energy at end-2025 (annualised)",
        "~16.6 TWh/yr (1.9 GW x 8,766 h)",
        "derived from Friar's 1.9 GW (issue 16)",
        "±15%",
        _energy_end_2025,
        tested=False,
        note="Installed power at full load; the plan's energy table counts accelerators in "
        "use, which is lower.",
    ),
    Anchor(
        "Largest training run's power, 2030",
        "4-16 GW (2e29 FLOP needs ~6 GW, Epoch 2024-08)",
        "Epoch/EPRI white paper, 2025-08 (facts.md E)",
        "4-16 GW",
        _largest_run_2030,
        tested=False,
        note="Both numbers use one conversion (gigawatt.scenario.power, docs/glossary.md: "
        "FLOP / (dense peak at the training precision x MFU x seconds) accelerators x IT "
        "watts x PUE, once) and differ by their inputs only. The plan's run is the "
        "scenario's own (1e29 FLOP, half of Epoch's 2e29, spread over a 21-month window, "
        "single site) on the hardware the plan gives it; `gigawatt trends` extrapolates "
        "Epoch's frontier (~1.4e29 FLOP at 1 January 2030) on 2025's GB200 at BF16 over Epoch's "
        "median 6 months. Epoch/EPRI also assume 2030 hardware (~40%/yr better FLOP/s per "
        "watt) and FP8: the trend's GB200 overstates the power by that much, and the "
        "plan's run, longer than 6 months and smaller, draws less.",
    ),
)

#: The years after 2026 the page sets against the lab's stated plans (not tested: the
#: record holds commitments and forecasts, not outcomes).
LATER_YEARS = ("2027", "2028", "2029", "2030")

_LATER_ANCHORS = """\
Public figures for these years are commitments and forecasts, not outcomes: ~30 GW of
compute committed for ~$1.4T over ~8 years (Altman, 2025-10-28 and 2025-11-06, facts.md
B.3), of which Stargate's 10 GW (B.1, secured commitments by end-2025, not operating
capacity) and chip deals of 26 GW that overlap with it (B.2, B.3); Epoch/EPRI find >50 GW
of AI capacity in the US by 2030 plausible (E). Revenue forecasts: ~$62B in 2027, ~$145B
in 2029, ~$200B (2025-09) to >$280B (2026-02) in 2030 (C). The scenario's sites add up to
~30 GW by 2030 (the commitments), which bounds the plan's GW from above.
"""


def later_years(plan: Plan) -> list[tuple[str, float, float, float]]:
    """(year, GW installed at the peak, share of demand served, revenue USD) for 2027-30.

    Read from :func:`gigawatt.plan.figures.by_year` (``gw``, ``served_share``,
    ``revenue_usd``), the figures every other output reports.
    """
    year = plan.figures().by_year
    rows = year[year["year"].isin(LATER_YEARS)]
    columns = zip(
        rows["year"].astype(str),
        rows["gw"].astype(float),
        rows["served_share"].astype(float),
        rows["revenue_usd"].astype(float),
        strict=True,
    )
    return [(y, float(gw), float(served), float(usd)) for y, gw, served, usd in columns]


def _later_section(plan: Plan) -> list[str]:
    lines = [
        "## Later years against the lab's stated plans",
        "",
        "| year | GW installed (peak month) | share of demand served | revenue earned |",
        "| --- | --- | --- | --- |",
    ]
    for y, gw, served, revenue in later_years(plan):
        lines.append(f"| {y} | {gw:.1f} GW | {served:.0%} | ${revenue / 1e9:.0f}B |")
    return [*lines, "", _LATER_ANCHORS]


_CONTRADICTIONS = """\
## Where the public record is contradictory

- **Abilene's size.** 1.2 GW and up to ~400,000 GB200 (Bloomberg, 2025-03-18), but
  400,000 x 2.1 kW all-in = 0.84 GW; Epoch estimates ~1 GW, and later tracking found
  ~0.3 GW operating in 2026-04 (facts.md B.1, G). The scenario keeps Epoch's power
  ramp and the 400k chip count, whichever binds first.
- **Cash burn.** ~$115B cumulative through 2029 (The Information, 2025-09) against
  $226B in the Q1-2026 forecast of the same outlet (-8, -25, -57, -85, -51; facts.md C).
  The test holds the plan between the two; the scenario's research budget follows the
  later vintage ($440B of training through 2030).
- **What "1.9 GW" counts.** IT or facility watts, energised or contracted, all partners
  or not: not stated (facts.md B.3, G). Hence ±15%.
- **GB200 FLOP/s.** 2.5 PF dense BF16 (Klockwood) against 2.25 PF (Verda); the
  scenario uses 2.5 (facts.md D.1, G).
"""

_LIMITS = """\
## Known limits

- The price per FLOP the demand is derived with falls 1.2155x a year (dense BF16 FLOP/s
  per $, fitted on Epoch's hardware data; docs/decisions.md), and so do Azure's prices by
  year of age. The sourced roadmap (Vera Rubin, Rubin Ultra, MI450) improves faster than
  that trend, so serving gets cheaper than the demand's price until 2028 and margins
  widen; Feynman (2028-07) is the last generation offered, so from 2030 the demand
  outgrows what the sites can serve profitably and the share served falls.
- Chips without a public spec (Feynman, MI500, the Broadcom XPU) are trend
  extrapolations: an anchor's dense BF16 FLOP/s grown 1.19x a year (fitted) at the
  anchor's power. The Broadcom programme is one such generation for all of its 10 GW.
- Research has its own value per FLOP short, below the products' net revenue per FLOP and
  falling with it, so research never outbids a product for an accelerator (tested).
"""


def render_page(plan: Plan) -> str:
    """The Markdown of ``docs/fidelity.md`` for a plan of the default scenario."""
    lines = [
        "# Fidelity: the default plan against the public record",
        "",
        "<!-- Generated by `python -m gigawatt.report.fidelity PLAN_DIR` from "
        "gigawatt/report/fidelity.py; do not edit by hand. -->",
        "",
        "The default scenario (`frontier-lab-2025`) is planned by `gigawatt plan`; the "
        "figures below are read off the *plan* (its outputs, not its inputs) and set "
        "against dated public figures from the fact sheet (`shared/data/facts.md`). "
        "Rows marked *tested* are asserted by `tests/scenario/test_calibration.py`, "
        "which solves the scenario once per test session and also checks that this page "
        "is up to date.",
        "",
        "| metric | public anchor (date, source) | model output | tolerance | verdict |",
        "| --- | --- | --- | --- | --- |",
    ]
    notes = []
    for anchor in ANCHORS:
        output, ok = anchor.check(plan)
        verdict = ("within" if ok else "OUTSIDE") + (" (tested)" if anchor.tested else "")
        lines.append(
            f"| {anchor.metric} | {anchor.anchor} ({anchor.source}) | {output} | "
            f"{anchor.tolerance} | {verdict} |"
        )
        if anchor.note:
            notes.append(f"- **{anchor.metric}.** {anchor.note}")
    lines += ["", *notes, "", *_later_section(plan), _CONTRADICTIONS, _LIMITS]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the page for the plan saved in ``argv[0]``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m gigawatt.report.fidelity PLAN_DIR", file=sys.stderr)
        return 2
    sys.stdout.write(render_page(Plan.load(args[0])))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
