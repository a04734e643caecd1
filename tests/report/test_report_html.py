"""The HTML file: self-contained, every chart and table present, the summary on top."""

from __future__ import annotations

import json
import re

from report_support import Built


def _html(built: Built) -> str:
    return built.html.read_text(encoding="utf-8")


def test_html_is_self_contained(built: Built) -> None:
    page = _html(built)
    assert page.startswith("<!doctype html>")
    assert "plotly.js v" in page  # the bundled library, inlined
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    # the markup around the scripts (plotly.js mentions URLs in its own strings)
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", markup)
    assert "cdn.plot.ly" not in markup  # plotly.js names it for geo maps, never used here


def test_every_chart_and_table_is_in_the_page(built: Built) -> None:
    page = _html(built)
    for chart in built.report.charts:
        assert f'id="plot-{chart}"' in page
    figures = re.search(
        r"<script type='application/json' id='gigawatt-figures'>(.*?)</script>", page, re.S
    )
    assert figures is not None
    data = json.loads(figures.group(1))
    assert list(data) == built.report.charts
    assert all(fig["data"] for fig in data.values())
    for table in ("by_year_provider", "money_by_year", "sites", "clauses", "commitments"):
        assert f'id="table-{table}"' in page


def test_summary_generalises_the_headline(built: Built) -> None:
    first = built.report.summary.sentences[0]
    # the horizon ends in 2026; the first contract's counterparty is azure
    assert first.startswith("By 2026 the plan needs ")
    assert re.search(r"\d+% of the MW-months of 2026 are outside azure\.$", first), first
    text = " ".join(built.report.summary.sentences)
    assert "Cash stays positive" in text
    assert "costliest clause is ms #1 (revenue share, azure)" in text
    assert first in _html(built)


def test_notes_say_nothing_is_missing(built: Built) -> None:
    assert built.report.missing == []
