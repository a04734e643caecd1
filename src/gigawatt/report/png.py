"""The report's charts as static PNG images for slides (matplotlib, Agg, no pyplot).

Every image is :data:`PNG_SIZE` pixels (16:9), named after its chart id.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from gigawatt.report.charts import Chart, Panel, Series

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["PNG_DPI", "PNG_SIZE", "draw_png", "render_png", "value_tick", "write_pngs"]

PNG_SIZE = (1600, 900)
PNG_DPI = 100
_WRAP = 40  # characters per line of a long category label
_FLAT_LABELS = 8  # more categories than this along x: labels turned upright


def value_tick(value: float) -> str:
    """A value-axis tick as a person reads it: ``2.5M``, ``1.2B``, ``1,500``, ``0.25``."""
    size = abs(value)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if size >= scale:
            return f"{value / scale:.4g}{suffix}"
    if size >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _x(panel: Panel, xs: Sequence[str]) -> Any:
    if panel.months:
        return pd.to_datetime(list(xs), format="%Y-%m")
    return np.arange(len(xs))


def _bars(ax: Axes, panel: Panel, bars: list[Series]) -> None:
    xs = bars[0].x
    if panel.horizontal:
        rows = np.arange(len(xs))
        height = 0.8 / len(bars)
        for k, s in enumerate(bars):
            ax.barh(
                rows + k * height,
                s.y,
                height=height,
                color=s.color,
                label=s.name if s.legend else None,
            )
        ax.set_yticks(rows + height * (len(bars) - 1) / 2, [textwrap.fill(x, _WRAP) for x in xs])
        ax.invert_yaxis()
        ax.axvline(0, color="#555", lw=0.8)
        return
    x = _x(panel, xs)
    width: Any = 25 if panel.months else 0.7
    if panel.months:
        width = pd.Timedelta(days=25)
    pos = np.zeros(len(xs))
    neg = np.zeros(len(xs))
    for s in bars:
        y = np.asarray(s.y, dtype=float)
        bottom = np.where(y >= 0, pos, neg)
        ax.bar(x, y, width=width, bottom=bottom, color=s.color, label=s.name if s.legend else None)
        pos += np.where(y >= 0, y, 0.0)
        neg += np.where(y < 0, y, 0.0)
    if _upright(panel):  # e.g. a histogram's bins
        ax.set_xticks(np.arange(len(xs)), list(xs), rotation=90)
    elif not panel.months:
        ax.set_xticks(np.arange(len(xs)), list(xs))


def _upright(panel: Panel) -> bool:
    """Whether the panel's category labels along x are drawn upright (many bars)."""
    bars = [s for s in panel.series if s.kind == "bar"]
    return (
        bool(bars) and not panel.months and not panel.horizontal and (len(bars[0].x) > _FLAT_LABELS)
    )


def _series(ax: Axes, panel: Panel) -> None:
    areas = [s for s in panel.series if s.kind == "area"]
    if areas:
        ax.stackplot(
            _x(panel, areas[0].x),
            *[np.asarray(s.y, dtype=float) for s in areas],
            labels=[s.name if s.legend else "_" + s.name for s in areas],
            colors=[s.color for s in areas],
            alpha=0.8,
        )
    bars = [s for s in panel.series if s.kind == "bar"]
    if bars:
        _bars(ax, panel, bars)
    for s in panel.series:
        if s.kind in ("area", "bar"):
            continue
        x = _x(panel, s.x)
        label = s.name if s.legend else None
        if s.kind == "markers" and panel.horizontal:  # values across, categories down
            ax.plot(s.y, np.arange(len(s.x)), "o", color=s.color, label=label, markersize=7)
            continue
        if s.kind == "markers":
            ax.plot(x, s.y, "o", color=s.color, label=label, markersize=7)
            continue
        if s.kind == "band" and s.lower is not None and s.upper is not None:
            ax.fill_between(x, s.lower, s.upper, color=s.color, alpha=0.15, linewidth=0)
        if s.kind == "band" and s.inner_lower is not None and s.inner_upper is not None:
            ax.fill_between(x, s.inner_lower, s.inner_upper, color=s.color, alpha=0.3, linewidth=0)
        ax.plot(x, s.y, "--" if s.kind == "dash" else "-", color=s.color, label=label, lw=1.8)
    lines = [s for s in panel.series if s.kind not in ("area", "bar")]
    if lines and not panel.months and not panel.horizontal:
        # categories (years, names) at their positions, not as 0, 1, 2, ...
        ax.set_xticks(np.arange(len(lines[0].x)), list(lines[0].x))


def _heatmap(fig: Figure, ax: Axes, panel: Panel) -> None:
    h = panel.heatmap
    assert h is not None
    z = np.asarray(h.z, dtype=float)
    image = ax.imshow(z, aspect="auto", cmap="Blues", interpolation="nearest")
    ax.set_yticks(np.arange(len(h.y)), list(h.y))
    step = max(1, len(h.x) // 12)
    ticks = np.arange(0, len(h.x), step)
    ax.set_xticks(ticks, [h.x[i] for i in ticks], rotation=90)
    fig.colorbar(image, ax=ax, label=h.label, fraction=0.03, pad=0.01)


def _waterfall(ax: Axes, panel: Panel) -> None:
    w = panel.waterfall
    assert w is not None
    level = 0.0
    for i, (value, total) in enumerate(zip(w.values, w.totals, strict=True)):
        if total:
            bottom, height, color = 0.0, value, "#0072B2"
            level = value
        else:
            bottom, height = level, value
            color = "#D55E00" if value >= 0 else "#009E73"
            level += value
        ax.bar(i, height, bottom=bottom, color=color, width=0.6)
        ax.annotate(
            f"{value:,.2f}",
            (i, bottom + height),
            ha="center",
            va="bottom" if height >= 0 else "top",
            fontsize=10,
        )
    ax.set_xticks(np.arange(len(w.labels)), [textwrap.fill(t, 24) for t in w.labels])
    ax.axhline(0, color="#555", lw=0.8)
    ax.use_sticky_edges = False  # bars that start mid-air would pin the limits
    ax.margins(x=0.02, y=0.08)


def _panel(fig: Figure, ax: Axes, panel: Panel, small: bool, columns: int = 1) -> None:
    ax.set_title(panel.title, loc="left", fontsize=10 if small else 12, fontweight="bold")
    if panel.heatmap is not None:
        _heatmap(fig, ax, panel)
        return
    if panel.waterfall is not None:
        _waterfall(ax, panel)
    else:
        _series(ax, panel)
    if panel.horizontal:
        ax.set_xlabel(panel.y_label)
    else:
        ax.set_ylabel(panel.y_label)
    ax.grid(True, axis="x" if panel.horizontal else "y", color="#e6e6e6")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if panel.zero_line and not panel.horizontal:  # horizontal bars have theirs (_bars)
        ax.axhline(0, color="#555", lw=0.8)
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    value_axis = ax.xaxis if panel.horizontal else ax.yaxis
    if panel.percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    else:  # 2.5M, not 2.5 with a "1e6" offset above the axis (issue #19)
        value_axis.set_major_formatter(FuncFormatter(lambda v, _pos: value_tick(v)))
    if panel.counts:
        from matplotlib.ticker import MaxNLocator

        value_axis.set_major_locator(MaxNLocator(integer=True))
    for k, event in enumerate(panel.events):
        # matplotlib converts dates on a date axis; its stubs only say float.
        when = cast(float, pd.to_datetime(event.x, format="%Y-%m").to_pydatetime())
        ax.axvline(when, color="#009E73", ls=":", lw=1.5)
        ax.annotate(
            event.label,
            (when, 1.0),
            xycoords=("data", "axes fraction"),
            # three rows a line and a half apart, on white: labels of close events (a
            # round in December, the next in March) neither overlap nor sit on a line
            xytext=(3, -12 - 14 * (k % 3)),
            textcoords="offset points",
            fontsize=9,
            color="#006b4f",
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
        )
    if panel.months and not panel.horizontal:  # few enough dates that they never overlap
        import matplotlib.dates

        dates: Any = matplotlib.dates  # its locator and formatter are untyped
        locator = dates.AutoDateLocator(minticks=1, maxticks=max(4, 12 // columns))
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
    if small:
        ax.tick_params(labelsize=8)


def draw_png(chart: Chart) -> Figure:
    """One chart as a matplotlib figure of :data:`PNG_SIZE` pixels (not yet saved)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(PNG_SIZE[0] / PNG_DPI, PNG_SIZE[1] / PNG_DPI), dpi=PNG_DPI)
    rows, cols = chart.rows, chart.grid_columns
    axes = fig.subplots(rows, cols, squeeze=False)
    small = rows * cols > 4
    for i, ax in enumerate(axes.flat):
        if i < len(chart.panels):
            _panel(fig, ax, chart.panels[i], small, cols)
        else:
            ax.set_visible(False)
    fig.suptitle(chart.title, x=0.01, ha="left", fontsize=18, fontweight="bold")
    caption = textwrap.wrap(chart.caption, 170)
    fig.text(0.01, 0.925, "\n".join(caption), fontsize=11, color="#444", va="top")
    handles: dict[str, Any] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if not label.startswith("_"):
                handles.setdefault(label, handle)
    if handles:
        fig.legend(
            list(handles.values()),
            list(handles),
            loc="lower center",
            ncol=min(8, len(handles)),
            frameon=False,
        )
    bottom = 0.1 if handles else 0.06
    labels = [y for p in chart.panels if p.heatmap is not None for y in p.heatmap.y]
    labels += [x for p in chart.panels if p.horizontal for s in p.series for x in s.x]
    width = max((min(len(t), _WRAP) for t in labels), default=0)
    left = min(0.3, max(0.06, 0.015 + 0.0068 * width))
    heat = any(p.heatmap is not None for p in chart.panels)
    right, bottom = (0.9, max(bottom, 0.12)) if heat else (0.97, bottom)
    if any(p.waterfall is not None for p in chart.panels):
        bottom = max(bottom, 0.13)
    if any(_upright(p) for p in chart.panels):
        bottom = max(bottom, 0.2)
    top = 0.86 - 0.025 * (len(caption) - 1)
    fig.subplots_adjust(left=left, right=right, top=top, bottom=bottom, hspace=0.45, wspace=0.22)
    return fig


def render_png(chart: Chart, path: str | Path) -> Path:
    """Draw one chart to a PNG of :data:`PNG_SIZE` pixels."""
    fig = draw_png(chart)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=PNG_DPI, format="png", facecolor="white")
    return out


def write_pngs(
    charts: Sequence[Chart],
    directory: str | Path,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Draw every chart to ``DIR/<chart id>.png``; ``progress(done, total)`` after each."""
    out = Path(directory)
    written = []
    for n, chart in enumerate(charts, start=1):
        written.append(render_png(chart, out / f"{chart.id}.png"))
        if progress is not None:
            progress(n, len(charts))
    return written
