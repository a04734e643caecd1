"""Plotly figures (plain JSON-ready dicts) from chart descriptions, and plotly.js itself.

Figures are written as the JSON that ``Plotly.newPlot`` takes, without going through
plotly's Python object model: it is faster, and it keeps the typed code free of an
untyped library. The plotly package is used only for its bundled, minified plotly.js,
which the HTML report inlines so that it works offline.
"""

from __future__ import annotations

import dataclasses
import html
import math
import textwrap
from typing import Any

from gigawatt.report.charts import Chart, Panel, Series

__all__ = ["NARROW_PX", "figure", "plotly_js"]

#: Below this width (CSS pixels) a chart is drawn with its narrow layout (a phone).
NARROW_PX = 640
#: Characters per line of a panel title in the narrow layout.
_NARROW_TITLE = 34
#: Characters per line of a category name along a narrow vertical axis.
_NARROW_LABEL = 16
#: Pixels of one line of text.
_LINE_PX = 16  # one line of 12-13 px text

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_GAP_X, _GAP_Y, _TITLE_ROOM = 0.07, 0.1, 0.045
#: Room above the first row of panel titles for plotly's toolbar (shown on hover).
_TOOLBAR_PX = 32
#: Vertical distance between the rows of event labels (11 px text).
_EVENT_ROW_PX = 17
#: White (nothing) to dark blue (most), as matplotlib's "Blues" in the PNGs.
_HEAT = [[0.0, "#f7fbff"], [0.25, "#c6dbef"], [0.5, "#6baed6"], [0.75, "#2171b5"], [1.0, "#08306b"]]


def plotly_js() -> str:
    """The minified plotly.js bundled with the plotly package.

    Raises:
        ImportError: plotly is not installed.
    """
    from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

    return str(get_plotlyjs())


def _rgba(color: str, alpha: float) -> str:
    h = color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _domains(
    chart: Chart, gap_y: float = _GAP_Y, title_room: float = _TITLE_ROOM
) -> list[tuple[list[float], list[float]]]:
    cols, rows = chart.grid_columns, chart.rows
    gap_y = gap_y if rows > 1 else 0.0
    width = (1.0 - _GAP_X * (cols - 1)) / cols
    height = (1.0 - gap_y * (rows - 1)) / rows
    out = []
    for i in range(len(chart.panels)):
        r, c = divmod(i, cols)
        x0 = c * (width + _GAP_X)
        y1 = 1.0 - r * (height + gap_y)
        out.append(([x0, x0 + width], [max(0.0, y1 - height), y1 - title_room / rows]))
    return out


def _band(
    s: Series,
    axes: dict[str, str],
    lower: tuple[float, ...],
    upper: tuple[float, ...],
    alpha: float,
    label: str,
) -> list[dict[str, Any]]:
    edge = {**axes, "type": "scatter", "mode": "lines", "x": list(s.x), "showlegend": False}
    edge |= {"legendgroup": s.name, "line": {"width": 0, "color": s.color}}
    edge["hovertemplate"] = f"{s.name} {label}: %{{y:.4g}}<extra></extra>"
    return [
        {**edge, "name": f"{s.name} {label} (upper)", "y": list(upper)},
        {
            **edge,
            "name": f"{s.name} {label}",
            "y": list(lower),
            "fill": "tonexty",
            "fillcolor": _rgba(s.color, alpha),
        },
    ]


def _series_traces(
    s: Series, panel_no: int, axes: dict[str, str], seen: set[str], horizontal: bool
) -> list[dict[str, Any]]:
    show = s.legend and s.name not in seen
    if s.legend:
        seen.add(s.name)
    base: dict[str, Any] = {
        **axes,
        "name": s.name,
        "legendgroup": s.name,
        "showlegend": show,
        "x": list(s.x),
        "y": list(s.y),
    }
    if horizontal:  # categories on the vertical axis, values along the horizontal one
        base = {**base, "x": list(s.y), "y": list(s.x)}
    if s.kind == "bar" and horizontal:
        return [{**base, "orientation": "h", "type": "bar", "marker": {"color": s.color}}]
    if s.kind == "bar":
        return [{**base, "type": "bar", "marker": {"color": s.color}}]
    if s.kind == "area":
        return [
            {
                **base,
                "type": "scatter",
                "mode": "lines",
                "stackgroup": f"p{panel_no}",
                "line": {"color": s.color, "width": 0.8},
                "fillcolor": _rgba(s.color, 0.75),
            }
        ]
    if s.kind == "markers":
        return [
            {**base, "type": "scatter", "mode": "markers", "marker": {"color": s.color, "size": 9}}
        ]
    line: dict[str, Any] = {"color": s.color, "width": 2}
    if s.kind == "dash":
        line["dash"] = "dash"
    traces: list[dict[str, Any]] = []
    if s.kind == "band" and s.lower is not None and s.upper is not None:
        traces += _band(s, axes, s.lower, s.upper, 0.15, "outer band")
    if s.kind == "band" and s.inner_lower is not None and s.inner_upper is not None:
        traces += _band(s, axes, s.inner_lower, s.inner_upper, 0.3, "inner band")
    traces.append({**base, "type": "scatter", "mode": "lines", "line": line})
    return traces


def _panel_traces(
    panel: Panel, n: int, seen: set[str], domain_x: list[float], domain_y: list[float]
) -> list[dict[str, Any]]:
    suffix = "" if n == 1 else str(n)
    axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
    if panel.heatmap is not None:
        h = panel.heatmap
        return [
            {
                **axes,
                "type": "heatmap",
                "x": list(h.x),
                "y": list(h.y),
                "z": [list(row) for row in h.z],
                "colorscale": _HEAT,
                "colorbar": {
                    "title": {"text": h.label},
                    "x": domain_x[1] + 0.01,
                    "y": (domain_y[0] + domain_y[1]) / 2,
                    "yanchor": "middle",
                    "len": domain_y[1] - domain_y[0],
                    "thickness": 14,
                },
                "hovertemplate": "%{y} %{x}: %{z:,.0f}<extra></extra>",
            }
        ]
    if panel.waterfall is not None:
        w = panel.waterfall
        return [
            {
                **axes,
                "type": "waterfall",
                "name": panel.title,
                "showlegend": False,
                "x": list(w.labels),
                "y": list(w.values),
                "measure": ["total" if t else "relative" for t in w.totals],
                "increasing": {"marker": {"color": "#D55E00"}},
                "decreasing": {"marker": {"color": "#009E73"}},
                "totals": {"marker": {"color": "#0072B2"}},
                "connector": {"line": {"color": "#999999", "dash": "dot"}},
                "texttemplate": "%{y:,.2f}",
                "textposition": "outside",
            }
        ]
    traces: list[dict[str, Any]] = []
    for s in panel.series:
        traces.extend(_series_traces(s, n, axes, seen, panel.horizontal))
    return traces


def _title(text: str, narrow: bool) -> str:
    """A panel title in bold; on a phone wrapped to lines of :data:`_NARROW_TITLE` chars."""
    safe = html.escape(text)
    if narrow:
        safe = "<br>".join(html.escape(t) for t in textwrap.wrap(text, _NARROW_TITLE))
    return f"<b>{safe}</b>"


def _narrow_geometry(chart: Chart) -> tuple[int, int, int]:
    """Pixels of a panel, of the gap between panels, and of a first title's extra lines.

    A gap holds the x tick labels of the panel above (upright category names take their
    length) and the next panel's title, wrapped; a panel of horizontal bars gives each
    category name its wrapped lines.
    """
    lines = [len(textwrap.wrap(p.title, _NARROW_TITLE)) or 1 for p in chart.panels]
    upright = [
        len(x)
        for p in chart.panels
        if not p.months and not p.horizontal and p.heatmap is None
        for s in p.series
        for x in s.x
    ]
    upright += [len(x) for p in chart.panels if p.waterfall is not None for x in p.waterfall.labels]
    ticks_px = 12 + 7 * max(upright) if upright else 24
    gap_px = 36 + ticks_px + _LINE_PX * max(lines)
    names = [
        len(textwrap.wrap(x, _NARROW_LABEL)) or 1
        for p in chart.panels
        if p.horizontal
        for x in dict.fromkeys(x for s in p.series for x in s.x)
    ]
    panel_px = max(chart.panel_height - 60, 30 + _LINE_PX * sum(names))
    return panel_px, gap_px, _LINE_PX * (lines[0] - 1)


def figure(chart: Chart, *, narrow: bool = False) -> dict[str, Any]:
    """The ``{data, layout}`` of a chart for ``Plotly.newPlot``.

    Args:
        chart: The chart.
        narrow: The layout for a phone-width page (under :data:`NARROW_PX` wide): one
            panel under the other, titles wrapped, fewer ticks, upright category labels.
            Its ``data`` are the same as the wide figure's.
    """
    if narrow:
        chart = dataclasses.replace(chart, columns=1)
    data: list[dict[str, Any]] = []
    plot_px = chart.rows * chart.panel_height
    domains = _domains(chart)
    title_px = 0
    if narrow:  # panels of fixed height, gaps with room for upright ticks and a title
        panel_px, gap_px, title_px = _narrow_geometry(chart)
        plot_px = chart.rows * panel_px + (chart.rows - 1) * gap_px
        domains = _domains(chart, gap_px / plot_px, 0.0)
    layout: dict[str, Any] = {
        "font": {"family": _FONT, "size": 12, "color": "#222"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "height": plot_px + 90 + _TOOLBAR_PX + title_px,
        "margin": {
            "l": 50 if narrow else 60,
            "r": 12 if narrow else 30,
            "t": 30 + _TOOLBAR_PX + title_px,
            "b": 50,
        },
        "barmode": "relative",
        "legend": {"orientation": "h", "y": -0.08, "yanchor": "top", "x": 0},
        "hovermode": "closest",
        "annotations": [],
        "shapes": [],
    }
    labels = [y for p in chart.panels if p.heatmap is not None for y in p.heatmap.y]
    labels += [x for p in chart.panels if p.horizontal for s in p.series for x in s.x]
    if labels:
        layout["margin"]["l"] = min(140 if narrow else 420, 20 + 7 * max(len(y) for y in labels))
    seen: set[str] = set()
    has_heatmap = False
    for i, (panel, (dx, dy)) in enumerate(zip(chart.panels, domains, strict=True)):
        n = i + 1
        suffix = "" if n == 1 else str(n)
        has_heatmap = has_heatmap or panel.heatmap is not None
        data.extend(_panel_traces(panel, n, seen, dx, dy))
        xaxis: dict[str, Any] = {
            "domain": dx,
            "anchor": f"y{suffix}",
            "type": "date" if panel.months and panel.heatmap is None else "category",
            "showgrid": False,
            "linecolor": "#999",
            "ticks": "outside",
            "automargin": True,  # long or turned tick labels widen the margin, never cut
        }
        if panel.heatmap is not None:
            xaxis["type"] = "category"
            xaxis["nticks"] = 4 if narrow else 12
        if narrow and xaxis["type"] == "date":
            xaxis |= {"nticks": 3, "tickangle": 0}
        elif narrow and xaxis["type"] == "category":  # upright: side by side they collide
            xaxis["tickangle"] = 90
        yaxis: dict[str, Any] = {
            "domain": dy,
            "anchor": f"x{suffix}",
            "title": {"text": panel.y_label},
            "gridcolor": "#eee",
            "zeroline": panel.zero_line,
            "zerolinecolor": "#555",
            "rangemode": "tozero" if not panel.zero_line else "normal",
            "automargin": True,
        }
        if panel.percent:
            yaxis["tickformat"] = ".0%"
        if panel.counts:  # whole numbers: no 0.5 ticks on a small count axis
            top = max((max(s.y, default=0) for s in panel.series), default=0)
            yaxis |= {"tickformat": ",d", "rangemode": "tozero"}
            if top <= 10:
                yaxis["dtick"] = 1
        if panel.horizontal:
            xaxis |= {"type": "linear", "zeroline": True, "zerolinecolor": "#555"}
            yaxis |= {"type": "category", "title": {"text": ""}, "autorange": "reversed"}
            if narrow:  # long category names on two or three short lines
                names = list(dict.fromkeys(x for s in panel.series for x in s.x))
                wrapped = ["<br>".join(textwrap.wrap(x, _NARROW_LABEL)) for x in names]
                yaxis |= {"tickmode": "array", "tickvals": names, "ticktext": wrapped}
                xaxis |= {"nticks": 4, "tickangle": 0}  # values across: level numbers
        if panel.heatmap is not None:
            yaxis |= {"title": {"text": ""}, "type": "category", "autorange": "reversed"}
        layout[f"xaxis{suffix}"] = xaxis
        layout[f"yaxis{suffix}"] = yaxis
        layout["annotations"].append(
            {
                "text": _title(panel.title, narrow),
                "xref": "paper",
                "yref": "paper",
                "x": dx[0],
                "y": dy[1] + 0.01,
                # on a phone the title starts at the chart's left edge, not the axis
                "xshift": -(layout["margin"]["l"] - 6) if narrow else 0,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13},
            }
        )
        for k, event in enumerate(panel.events):
            layout["shapes"].append(
                {
                    "type": "line",
                    "xref": f"x{suffix}",
                    "yref": f"y{suffix} domain",
                    "x0": event.x,
                    "x1": event.x,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": "#009E73", "width": 1.5, "dash": "dot"},
                }
            )
            layout["annotations"].append(
                {
                    "text": event.label,
                    "xref": f"x{suffix}",
                    "yref": f"y{suffix} domain",
                    "x": event.x,
                    "y": 1.0,
                    # three rows a line and a half apart: labels of close events (a
                    # round in December, the next in March) never overlap
                    "yshift": -2 - _EVENT_ROW_PX * (k % 3),
                    "yanchor": "top",
                    "xanchor": "left",
                    "showarrow": False,
                    "bgcolor": "rgba(255,255,255,0.85)",
                    "font": {"size": 11, "color": "#006b4f"},
                }
            )
    for t in data if narrow else ():  # the colour bar's title along it, not above it
        if t.get("type") == "heatmap":
            t["colorbar"]["title"]["side"] = "right"
    if narrow:  # the legend below everything, in rows of about two entries
        entries = sum(1 for t in data if t.get("showlegend") is True)
        layout["legend"] = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"}
        layout["margin"]["b"] = 50 + 22 * math.ceil(entries / 2)
        layout["height"] += 22 * math.ceil(entries / 2)
    if not has_heatmap and all(p.waterfall is None for p in chart.panels):
        layout["hovermode"] = "x unified"
    return {"data": data, "layout": layout}
