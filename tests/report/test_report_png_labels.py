"""The PNG images as drawn by matplotlib: no text overlaps other text and none runs off
the image, measured with matplotlib's own renderer (``get_window_extent``) on every
chart of the reports and on the charts where labels used to collide (issue #19)."""

from __future__ import annotations

from typing import Any

import pytest
from report_support import Built, BuiltComparison, BuiltForecast
from stress_charts import stress_charts

from gigawatt.report.build import build_content
from gigawatt.report.charts import Chart
from gigawatt.report.png import draw_png

SLACK_PX = 1.0


def _boxes(fig: Any) -> list[tuple[str, Any]]:
    """(text, window extent) of every text matplotlib draws: tick labels in view, titles,
    axis labels, annotations, legend entries."""
    from matplotlib.axis import Tick
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ticks = fig.findobj(Tick)
    tick_labels = {id(t.label1) for t in ticks} | {id(t.label2) for t in ticks}
    texts = [
        t
        for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent"))
        if id(t) not in tick_labels
    ]
    for ax in fig.axes:
        if ax.get_visible():
            for axis in (ax.xaxis, ax.yaxis):
                drawn = axis._update_ticks()  # the ticks inside the view, as draw() picks them
                texts += [label for tick in drawn for label in (tick.label1, tick.label2)]
    found = []
    seen: set[tuple[str, int, int]] = set()
    for text in {id(t): t for t in texts}.values():  # a legend's texts are reached twice
        if not text.get_visible() or not str(text.get_text()).strip():
            continue
        if text.axes is not None and not text.axes.get_visible():
            continue
        box = text.get_window_extent(renderer)
        key = (str(text.get_text()), round(box.x0), round(box.y0))
        if key not in seen:  # a legend draws each entry's text once, reached twice
            seen.add(key)
            found.append((key[0], box))
    return found


def label_problems(chart: Chart) -> list[str]:
    """Overlapping or cut texts of a chart's PNG figure."""
    fig = draw_png(chart)
    width, height = fig.bbox.width, fig.bbox.height
    boxes = _boxes(fig)
    problems = []
    for i, (a, box_a) in enumerate(boxes):
        low = min(box_a.x0, box_a.y0)
        if low < -SLACK_PX or box_a.x1 > width + SLACK_PX or box_a.y1 > height + SLACK_PX:
            problems.append(f"{chart.id}: {a!r} is cut at the edge")
        for b, box_b in boxes[i + 1 :]:
            across = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            down = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if across > SLACK_PX and down > SLACK_PX:
                problems.append(f"{chart.id}: {a!r} overlaps {b!r}")
    return problems


def test_stress_charts_have_no_colliding_labels() -> None:
    problems = [p for chart in stress_charts() for p in label_problems(chart)]
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
def test_report_charts_have_no_colliding_labels(
    built: Built, built_forecast: BuiltForecast, built_comparison: BuiltComparison
) -> None:
    charts = [*build_content(built.plan_dir).charts]
    charts += build_content(built_forecast.forecast_dir, scenario=built.scenario).charts
    charts += build_content(built_comparison.directory).charts
    problems = [p for chart in charts for p in label_problems(chart)]
    assert problems == [], "\n".join(problems)
