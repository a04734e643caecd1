"""One self-contained HTML file: summary, key figures, charts (plotly.js inlined), tables.

The page loads nothing from the network. When every chart has been drawn the body
gets ``data-charts-rendered="N"``; a drawing error is logged to the console and put
in ``data-charts-error`` (the browser test reads both).
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from gigawatt.report.charts import Chart
from gigawatt.report.plotly_figures import NARROW_PX, figure, plotly_js
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
@media (max-width: 640px) {
  header { padding:16px 14px 12px; } header h1 { font-size:21px; }
  main { padding:12px 10px 40px; } footer { padding:0 10px 30px; }
  section.chart, section.table { padding:10px 8px 6px; }
  .summary { padding:12px 14px; font-size:16px; } .summary p:first-child { font-size:17px; }
  nav.toc a { white-space:normal; } main, header, footer { overflow-wrap:anywhere; }
}
"""

_BOOT = """
(function () {
  function draw() {
    var figures = JSON.parse(document.getElementById('gigawatt-figures').textContent);
    var narrow = JSON.parse(document.getElementById('gigawatt-narrow-layouts').textContent);
    var config = {responsive: true, displaylogo: false, showLink: false,
                  modeBarButtonsToRemove: ['sendDataToCloud']};
    var ids = Object.keys(figures);
    return Promise.all(ids.map(function (id) {
      var f = figures[id];
      var el = document.getElementById('plot-' + id);
      // a phone: one panel under the other, wrapped titles, fewer ticks
      var layout = el.clientWidth < NARROW_PX ? narrow[id] : f.layout;
      return Plotly.newPlot(el, f.data, layout, config);
    })).then(function () {
      document.body.setAttribute('data-charts-rendered', String(ids.length));
    });
  }
  function failed(err) {
    console.error('gigawatt report: a chart failed to draw', err);
    document.body.setAttribute('data-charts-error', String(err));
  }
  // plotly.js is inlined gzip-compressed (base64): unpack it, run it, then draw.
  try {
    var packed = document.getElementById('gigawatt-plotly').textContent;
    var raw = atob(packed);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    new Response(stream).text().then(function (code) {
      var script = document.createElement('script');
      script.textContent = code;
      document.head.appendChild(script);
      return draw();
    }).catch(failed);
  } catch (err) {
    failed(err);
  }
})();
"""


@functools.cache
def packed_plotly_js() -> str:
    """plotly.js gzip-compressed and base64-encoded, as the page inlines it (computed once).

    The bundle is 4.8 MB as text and 1.96 MB packed; the page unpacks it with the
    browser's ``DecompressionStream`` (Chromium 80, Firefox 113, Safari 16.4).
    """
    packed = gzip.compress(plotly_js().encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def _plotly_version() -> str:
    head = plotly_js()[:200]
    found = re.search(r"plotly\.js v[\w.\-]+", head)
    return found.group(0) if found else "plotly.js"


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _json(value: Any) -> str:
    """Compact JSON that is safe inside a ``<script>`` element."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


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
        f'<section class="table" id="table-{spec.id}">'
        f'<h2 id="table-{spec.id}-title">{html.escape(spec.title)}</h2>{note}'
        # a table taller than its box scrolls: a keyboard stop with a name (WCAG 2.1.1)
        f'<div class="tablewrap" tabindex="0" role="region" '
        f'aria-labelledby="table-{spec.id}-title">'
        f"<table><thead><tr>{head}</tr></thead>"
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
    figures_json = _json(figures)
    narrow_json = _json({c.id: _clean(figure(c, narrow=True)["layout"]) for c in charts})
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
        f"<script type='application/octet-stream' id='gigawatt-plotly' "
        f"data-library='{html.escape(_plotly_version())}' data-encoding='gzip+base64'>"
        f"{packed_plotly_js()}</script></head><body>"
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
        + f"<script type='application/json' id='gigawatt-narrow-layouts'>{narrow_json}</script>"
        + f"<script>{_BOOT.replace('NARROW_PX', str(NARROW_PX))}</script></body></html>\n"
    )
