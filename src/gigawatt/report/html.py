"""One self-contained HTML file: summary, key figures, charts (plotly.js inlined), tables.

The page loads nothing from the network. When every chart has been drawn the body
gets ``data-charts-rendered="N"``; a drawing error is logged to the console and put
in ``data-charts-error`` (the browser test reads both).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from gigawatt.report.charts import Chart
from gigawatt.report.plotly_figures import figure, plotly_js
from gigawatt.report.summary import Summary
from gigawatt.report.tables import TableSpec

__all__ = ["render_html"]

_CSS = """
:root { --ink:#1d2733; --muted:#5b6b7c; --line:#e3e8ee; --accent:#0072B2; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,
  sans-serif; color:var(--ink); background:var(--bg); line-height:1.45; }
header { background:#10202f; color:#fff; padding:28px 40px 22px; }
header h1 { margin:0 0 6px; font-size:26px; font-weight:650; }
header .meta { color:#b9c7d6; font-size:13px; margin:0; }
main { max-width:1280px; margin:0 auto; padding:24px 40px 60px; }
.summary { background:#fff; border-left:5px solid var(--accent); padding:16px 22px;
  border-radius:6px; box-shadow:0 1px 2px rgba(0,0,0,.06); font-size:17px; }
.summary p { margin:6px 0; }
.summary p:first-child { font-size:19px; font-weight:600; }
.figures { display:grid; grid-template-columns:repeat(auto-fit,minmax(170px,1fr)); gap:12px;
  margin:18px 0 8px; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px 14px; }
.card .label { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
.card .value { font-size:24px; font-weight:650; margin-top:2px; }
.card .note { font-size:12px; color:var(--muted); }
nav.toc { margin:14px 0 4px; font-size:14px; display:flex; flex-wrap:wrap; gap:4px 16px; }
nav.toc a { color:var(--accent); text-decoration:none; white-space:nowrap; }
section.chart, section.table { background:#fff; border:1px solid var(--line); border-radius:6px;
  padding:16px 20px 8px; margin:18px 0; }
section h2 { font-size:19px; margin:0 0 2px; }
p.caption { color:var(--muted); margin:0 0 6px; font-size:14px; }
.plot { width:100%; }
table { border-collapse:collapse; width:100%; font-size:13px; margin:6px 0 10px; }
th, td { padding:5px 9px; border-bottom:1px solid var(--line); text-align:left; }
th { background:#f0f3f6; font-weight:600; position:sticky; top:0; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.tablewrap { max-height:420px; overflow:auto; }
footer { color:var(--muted); font-size:12px; max-width:1280px; margin:0 auto; padding:0 40px 40px; }
.notes li { margin:2px 0; }
"""

_BOOT = """
(function () {
  var figures = JSON.parse(document.getElementById('gigawatt-figures').textContent);
  var config = {responsive: true, displaylogo: false, showLink: false,
                modeBarButtonsToRemove: ['sendDataToCloud']};
  var ids = Object.keys(figures);
  var jobs = ids.map(function (id) {
    var f = figures[id];
    return Plotly.newPlot('plot-' + id, f.data, f.layout, config);
  });
  Promise.all(jobs).then(function () {
    document.body.setAttribute('data-charts-rendered', String(ids.length));
  }).catch(function (err) {
    console.error('gigawatt report: a chart failed to draw', err);
    document.body.setAttribute('data-charts-error', String(err));
  });
})();
"""


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _script_safe(text: str) -> str:
    """Text that cannot close the ``<script>`` element it sits in."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | float):
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.{_digits(value)}f}"
        return f'<td class="num">{text}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _digits(value: float) -> int:
    """Decimals to show: none from 100 up, else those the (rounded) value has, at most 6.

    A table's values are rounded before they get here; showing more decimals than they
    carry would claim a precision they lack (15.0 is not "15.00").
    """
    if not math.isfinite(value) or abs(value) >= 100:
        return 0
    text = f"{value:.6f}".rstrip("0")
    return len(text.split(".")[1])


def _table(spec: TableSpec) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in spec.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in spec.rows)
    note = f'<p class="caption">{html.escape(spec.note)}</p>' if spec.note else ""
    return (
        f'<section class="table" id="table-{spec.id}"><h2>{html.escape(spec.title)}</h2>{note}'
        f'<div class="tablewrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div></section>"
    )


def _chart(chart: Chart) -> str:
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in chart.notes)
    return (
        f'<section class="chart" id="chart-{chart.id}"><h2>{html.escape(chart.title)}</h2>'
        f'<p class="caption">{html.escape(chart.caption)}</p>'
        f'<div class="plot" id="plot-{chart.id}" data-chart="{chart.id}"></div>'
        + (f'<ul class="notes caption">{notes}</ul>' if notes else "")
        + "</section>"
    )


def render_html(
    *,
    title: str,
    meta: Sequence[str],
    summary: Summary,
    charts: Sequence[Chart],
    tables: Sequence[TableSpec],
    notes: Sequence[str] = (),
    answer: TableSpec | None = None,
) -> str:
    """The complete report page.

    Args:
        title: Page heading.
        meta: Short facts for the line under the heading (status, horizon, source).
        summary: Headline sentences and key figures.
        charts: Charts, drawn in order.
        tables: Tables after the charts.
        notes: Footnotes (what is missing and how to add it, units, sources).
        answer: The table that heads the page (a plan's answer block), if any.
    """
    figures = {c.id: _clean(figure(c)) for c in charts}
    figures_json = json.dumps(figures, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    cards = "".join(
        f'<div class="card"><div class="label">{html.escape(f.label)}</div>'
        f'<div class="value">{html.escape(f.value)}</div>'
        f'<div class="note">{html.escape(f.note)}</div></div>'
        for f in summary.figures
    )
    toc = "".join(f'<a href="#chart-{c.id}">{html.escape(c.title)}</a>' for c in charts)
    toc += "".join(f'<a href="#table-{t.id}">{html.escape(t.title)}</a>' for t in tables)
    sentences = "".join(f"<p>{html.escape(s)}</p>" for s in summary.sentences)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta_line = " · ".join(html.escape(m) for m in (*meta, f"generated {stamp}"))
    footer_notes = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
        f"<script>{_script_safe(plotly_js())}</script></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p class='meta'>{meta_line}</p></header>"
        "<main>"
        + ("" if answer is None else _table(answer))
        + f"<section class='summary' id='summary'>{sentences}</section>"
        f"<div class='figures'>{cards}</div><nav class='toc'>{toc}</nav>"
        + "".join(_chart(c) for c in charts)
        + "".join(_table(t) for t in tables)
        + "</main>"
        + (f"<footer><ul class='notes'>{footer_notes}</ul></footer>" if footer_notes else "")
        + f"<script type='application/json' id='gigawatt-figures'>{figures_json}</script>"
        + f"<script>{_BOOT}</script></body></html>\n"
    )
