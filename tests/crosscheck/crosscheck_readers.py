"""Readers of what people see: the CLI's printed tables, report.html's tables and charts.

Each number shown is compared with the oracle up to the rounding it was shown with
(:func:`shown_matches`): "12.3" matches [12.25, 12.35], "3.48e+26" matches
3.475e26..3.485e26, "95.9%" matches 0.9585..0.9595.
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from typing import Any

RULE = re.compile(r"^[─━\s]+$")
NUMBER = re.compile(r"^(-?[\d,]*\.?\d+)(e[+-]?\d+)?(%?)$")


def cli_tables(text: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The compact tables of ``gigawatt plan``'s output by title: (header, rows).

    A table is a title line, a header line and a rule; its rows are the following lines
    with as many cells (split on two or more spaces) as the header.
    """
    lines = text.splitlines()
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    for i, line in enumerate(lines):
        if i < 2 or not line.strip() or not RULE.match(line):
            continue
        title, header = lines[i - 2].strip(), re.split(r"\s{2,}", lines[i - 1].strip())
        rows = []
        for row in lines[i + 1 :]:
            cells = re.split(r"\s{2,}", row.strip())
            if len(cells) != len(header):
                break
            rows.append(cells)
        base = title.removesuffix(" (continued)")
        if base in tables and title != base:  # the answer block, split over the years
            head, old = tables[base]
            merged = [[*a, *b[1:]] for a, b in zip(old, rows, strict=True)]
            tables[base] = ([*head, *header[1:]], merged)
        else:
            tables[title] = (header, rows)
    return tables


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, tuple[list[str], list[list[str]]]] = {}
        self._id: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._head: list[str] = []
        self._rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and (a.get("id") or "").startswith("table-"):
            self._id, self._head, self._rows = str(a["id"])[6:], [], []
        elif self._id and tag == "tr":
            self._row = []
        elif self._id and tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._head:
                self._rows.append(self._row)
            else:
                self._head = self._row
            self._row = None
        elif tag == "table" and self._id:
            self.tables[self._id] = (self._head, self._rows)
            self._id = None


def html_tables(page: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The tables of report.html by id (``answer``, ``by_year_provider``, ...)."""
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def html_figures(page: str) -> dict[str, Any]:
    """The plotly figures of report.html by chart id."""
    m = re.search(
        r"<script type='application/json' id='gigawatt-figures'>(.*?)</script>", page, re.S
    )
    assert m, "no figures in the page"
    data: dict[str, Any] = json.loads(m.group(1).replace("<\\/", "</"))
    return data


def traces(figure: dict[str, Any], axis: str = "y") -> dict[str, dict[str, Any]]:
    """The traces of one panel (``y``, ``y2``, ...) by name."""
    return {str(d.get("name")): d for d in figure["data"] if d.get("yaxis", "y") == axis}


def axis_title(figure: dict[str, Any], axis: str = "y") -> str:
    key = "yaxis" if axis == "y" else f"yaxis{axis[1:]}"
    title = figure["layout"][key].get("title", "")
    return str(title.get("text", "") if isinstance(title, dict) else title)


def number(text: str) -> float:
    """The value a cell shows (``1,128`` -> 1128, ``95.9%`` -> 0.959)."""
    m = NUMBER.match(text.strip())
    assert m, f"not a number: {text!r}"
    value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
    return value / 100 if m.group(3) else value


def shown_matches(text: str, exact: float, scale: float = 1.0) -> bool:
    """Whether ``text`` shows ``exact / scale`` up to the rounding it was printed with."""
    m = NUMBER.match(text.strip())
    assert m, f"not a number: {text!r}"
    mantissa, exponent, percent = m.group(1), m.group(2), m.group(3)
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    tol = 0.5 * 10.0 ** (-decimals)
    if exponent:
        tol *= 10.0 ** int(exponent[1:])
    if percent:
        tol /= 100
    value = exact / scale
    shown = number(text)
    return math.isclose(shown, value, abs_tol=tol * (1 + 1e-9) + 1e-12 * abs(value))
