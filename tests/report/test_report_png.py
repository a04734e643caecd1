"""PNG images: one per chart, the expected size, and not blank."""

from __future__ import annotations

import numpy as np
from PIL import Image
from report_support import Built

from gigawatt.report import PNG_SIZE

EXPECTED_CHARTS = {"capacity", "power", "spend", "shortfall", "clauses", "marginal", "cash"}


def test_every_chart_has_a_png(built: Built) -> None:
    assert set(built.report.charts) == EXPECTED_CHARTS
    names = {p.name for p in built.png_dir.iterdir()}
    assert names == {f"{c}.png" for c in EXPECTED_CHARTS}
    assert [p.name for p in built.report.pngs] == [f"{c}.png" for c in built.report.charts]


def test_pngs_have_the_expected_size_and_are_not_blank(built: Built) -> None:
    for path in built.report.pngs:
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == PNG_SIZE == (1600, 900), path.name
            pixels = np.asarray(image.convert("L"), dtype=float)
        inked = float((pixels < 200).mean())  # share of clearly non-white pixels
        assert inked > 0.02, f"{path.name} looks blank ({inked:.1%} inked)"
        assert pixels.std() > 10, f"{path.name} has no contrast"
        # something is drawn in the plotting area, not only the title band at the top
        assert float((pixels[200:850] < 200).mean()) > 0.01, path.name


def test_value_ticks_read_as_people_write_them() -> None:
    """capacity.png showed a "1e6" offset over its axis (issue #19): ticks carry M, B."""
    from gigawatt.report.png import value_tick

    assert [value_tick(v) for v in (2_500_000, 1.2e9, 1500, 0.25, 0, -3e6)] == [
        "2.5M",
        "1.2B",
        "1,500",
        "0.25",
        "0",
        "-3M",
    ]


def test_count_axes_have_whole_number_ticks() -> None:
    """The sweep histogram's count axis showed 0.5 ticks (issue #19)."""
    import numpy as np

    from gigawatt.report.charts import Chart, Series
    from gigawatt.report.plotly_figures import figure
    from gigawatt.report.sweep_charts import _hist_panel

    panel = _hist_panel("Cost", "$B", np.array([1.0, 2.0, 2.5, 3.0]), 1.0, "#333333")
    assert panel.counts
    fig = figure(Chart(id="h", title="h", caption="", panels=(panel,)))
    yaxis = fig["layout"]["yaxis"]
    assert yaxis["tickformat"] == ",d" and yaxis["dtick"] == 1
    assert all(float(c).is_integer() for s in panel.series for c in s.y)
    assert isinstance(panel.series[0], Series)


def test_lines_over_categories_are_labelled_with_them() -> None:
    """A line panel over years (compare, history) showed 0, 1, 2 ... under its axis."""
    from matplotlib.figure import Figure

    from gigawatt.report.charts import Panel, Series
    from gigawatt.report.png import _series

    years = ("2025", "2026", "2027")
    panel = Panel("GW", "GW", (Series("azure", years, (1.0, 2.0, 3.0), "line"),), months=False)
    ax = Figure().subplots()
    _series(ax, panel)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(years)
