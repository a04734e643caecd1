"""Charts as plain data: one description, drawn by plotly (HTML) and matplotlib (PNG).

A :class:`Chart` holds one or more :class:`Panel` objects laid out in a grid. A panel
holds series (lines, stacked areas, stacked bars, bands), or one heatmap, or one
waterfall, plus optional vertical event markers (funding rounds) and a zero line.
Nothing here imports a plotting library; ``gigawatt.report.plotly_figures`` and
``gigawatt.report.png`` turn the same descriptions into pictures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "PALETTE",
    "Chart",
    "Event",
    "Heatmap",
    "Panel",
    "Series",
    "SeriesKind",
    "Waterfall",
    "color_map",
    "stacked",
]

SeriesKind = Literal["line", "dash", "area", "bar", "markers", "band"]

#: Colour-blind-safe palette (Okabe-Ito, then Tableau), used in order.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#999999",
    "#4E79A7",
    "#F28E2B",
    "#59A14F",
    "#B07AA1",
    "#F0E442",
)


def color_map(names: Iterable[str], first: str | None = None) -> dict[str, str]:
    """Stable colours by name: ``first`` gets the first colour, the rest in sorted order."""
    ordered = sorted(set(names))
    if first is not None and first in ordered:
        ordered.remove(first)
        ordered.insert(0, first)
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(ordered)}


@dataclass(frozen=True)
class Series:
    """One named series on a panel.

    Attributes:
        name: Legend label.
        x: Months (``YYYY-MM``) or category labels.
        y: Values (the middle line of a band).
        kind: ``line``, ``dash``, ``area`` (stacked), ``bar`` (stacked), ``markers`` or
            ``band`` (a fan: ``lower``..``upper`` filled lightly, ``inner_lower``..
            ``inner_upper`` darker, ``y`` drawn as a line).
        color: Hex colour.
        lower: Lower edge of a band (e.g. p5).
        upper: Upper edge of a band (e.g. p95).
        legend: Whether the series appears in the legend.
        inner_lower: Lower edge of the inner band (e.g. p25).
        inner_upper: Upper edge of the inner band (e.g. p75).
    """

    name: str
    x: tuple[str, ...]
    y: tuple[float, ...]
    kind: SeriesKind = "line"
    color: str = PALETTE[0]
    lower: tuple[float, ...] | None = None
    upper: tuple[float, ...] | None = None
    legend: bool = True
    inner_lower: tuple[float, ...] | None = None
    inner_upper: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Heatmap:
    """A matrix of values: rows ``y`` (e.g. sites) by columns ``x`` (e.g. months)."""

    x: tuple[str, ...]
    y: tuple[str, ...]
    z: tuple[tuple[float, ...], ...]
    label: str


@dataclass(frozen=True)
class Waterfall:
    """Bars that step from one total to the next; ``total`` bars start from zero."""

    labels: tuple[str, ...]
    values: tuple[float, ...]
    totals: tuple[bool, ...]


@dataclass(frozen=True)
class Event:
    """A dated marker drawn as a vertical line with a label (e.g. a funding round)."""

    x: str
    label: str


@dataclass(frozen=True)
class Panel:
    """One plotting area.

    Attributes:
        title: Panel title (small, above the panel).
        y_label: Y-axis label, with its unit.
        series: Series drawn on it.
        heatmap: A heatmap instead of series.
        waterfall: A waterfall instead of series.
        events: Vertical markers.
        zero_line: Draw a horizontal line at zero.
        months: Whether ``x`` values are months (a time axis) rather than categories.
        percent: Whether y values are fractions shown as percentages.
        horizontal: Bars run left to right (categories on the vertical axis).
        counts: Whether y values are counts (integer ticks only).
    """

    title: str
    y_label: str
    series: tuple[Series, ...] = ()
    heatmap: Heatmap | None = None
    waterfall: Waterfall | None = None
    events: tuple[Event, ...] = ()
    zero_line: bool = False
    months: bool = True
    percent: bool = False
    horizontal: bool = False
    counts: bool = False

    @property
    def empty(self) -> bool:
        """Whether the panel has nothing to draw."""
        return not self.series and self.heatmap is None and self.waterfall is None


@dataclass(frozen=True)
class Chart:
    """A figure: a title, a one-line reading, and panels in a grid of ``columns``."""

    id: str
    title: str
    caption: str
    panels: tuple[Panel, ...]
    columns: int = 2
    panel_height: int = 360
    notes: tuple[str, ...] = field(default=())

    @property
    def rows(self) -> int:
        """Rows of the grid."""
        cols = max(1, min(self.columns, len(self.panels)))
        return -(-len(self.panels) // cols)

    @property
    def grid_columns(self) -> int:
        """Columns actually used (never more than the panels)."""
        return max(1, min(self.columns, len(self.panels)))


def stacked(
    frame_x: Sequence[str],
    groups: Mapping[str, Sequence[float]],
    kind: SeriesKind,
    colors: dict[str, str],
) -> tuple[Series, ...]:
    """Series for a stacked area or bar chart, one per group, in the colour map's order."""
    xs = tuple(frame_x)
    order = [g for g in colors if g in groups] + sorted(g for g in groups if g not in colors)
    return tuple(
        Series(
            name=g,
            x=xs,
            y=tuple(float(v) for v in groups[g]),
            kind=kind,
            color=colors.get(g, PALETTE[i % len(PALETTE)]),
        )
        for i, g in enumerate(order)
    )
