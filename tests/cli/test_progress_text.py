"""Progress lines of long commands: done/total with the time left, a HiGHS solve."""

from __future__ import annotations

from gigawatt.cli.output import progress_eta, solve_progress_text
from gigawatt.plan.solve import SolveProgress


def test_time_left_is_the_mean_time_per_item_times_the_items_left() -> None:
    # 2 of 5 done in 50 s: 25 s each, 3 left -> 75 s.
    assert progress_eta("Solved", 2, 5, 50.0) == ("Solved 2/5, 50 s elapsed, about 1 min 15 s left")
    # nothing done yet, or all done: no estimate
    assert progress_eta("Solved", 0, 5, 3.0) == "Solved 0/5, 3 s elapsed"
    assert progress_eta("Solved", 5, 5, 125.0) == "Solved 5/5, 2 min 05 s elapsed"


def test_solve_line_shows_incumbent_bound_and_gap_in_billions() -> None:
    p = SolveProgress(
        elapsed_s=12.4, incumbent_musd=471_763.8, bound_musd=465_380.1, gap=0.01353, nodes=84
    )
    assert solve_progress_text(p) == (
        "HiGHS 12 s, best plan $471.76B, bound $465.38B, gap 1.35%, 84 nodes"
    )
    early = SolveProgress(elapsed_s=0.2, incumbent_musd=None, bound_musd=None, gap=None, nodes=0)
    assert solve_progress_text(early) == "HiGHS 0 s, 0 nodes"
