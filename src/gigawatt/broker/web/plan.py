"""The plan the dashboard shows: the report's charts of a plan folder, as plotly JSON.

``gigawatt serve --plan DIR`` names a folder written by ``gigawatt plan --out DIR``. Its
answer block (what the lab needs per year, and who supplies it) and its charts are the
HTML report's (:func:`gigawatt.report.build.build_content`), turned into
the figures ``Plotly.newPlot`` takes (:func:`gigawatt.report.plotly_figures.figure`);
they are built once, on first request, and kept. plotly.js itself comes from the
installed plotly package, so the dashboard draws them offline.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from pathlib import Path
from typing import Any

from gigawatt.errors import GigawattError

__all__ = ["NO_PLAN_HINT", "PlanCharts", "check_plan_dir", "plotly_js_bytes"]

NO_PLAN_HINT = (
    "No plan is loaded. Write one with `gigawatt plan SCENARIO --out DIR` and start the "
    "server with `gigawatt serve --scenario SCENARIO --plan DIR`."
)


def check_plan_dir(directory: str) -> str:
    """The absolute path of a plan folder, checked to hold a readable result.

    Raises:
        GigawattError: the folder does not exist or holds no plan.
    """
    from gigawatt.report.data import detect_kind

    folder = Path(directory).expanduser().resolve()
    detect_kind(folder)
    return str(folder)


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by None (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _build(directory: str) -> dict[str, Any]:
    from gigawatt.report.build import build_content
    from gigawatt.report.plotly_figures import figure

    content = build_content(directory)
    return {
        "loaded": True,
        "directory": directory,
        "title": content.title,
        "meta": list(content.meta),
        "summary": list(content.summary.sentences),
        "answer": None if content.answer is None else content.answer.to_dict(),
        "charts": [
            {
                "id": c.id,
                "title": c.title,
                "caption": c.caption,
                "notes": list(c.notes),
                "figure": _finite(figure(c)),
            }
            for c in content.charts
        ],
        "hint": None,
    }


class PlanCharts:
    """The charts of the loaded plan, built once (thread-safe) and served as JSON bytes.

    Args:
        directory: The plan folder, or None when no plan is loaded.
    """

    def __init__(self, directory: str | None) -> None:
        self.directory = directory
        self._body: bytes | None = None
        self._lock = threading.Lock()

    def body(self) -> bytes:
        """The JSON answer of ``GET /v1/plan/charts`` (blocking: builds it the first time).

        A folder that cannot be read answers ``loaded: false`` with the reason in ``hint``
        (the server keeps running; the rest of the dashboard does not depend on it).
        """
        with self._lock:
            if self._body is None:
                self._body = json.dumps(self._answer(), allow_nan=False).encode()
            return self._body

    def _answer(self) -> dict[str, Any]:
        empty: dict[str, Any] = {
            "loaded": False,
            "directory": self.directory,
            "title": None,
            "meta": [],
            "summary": [],
            "answer": None,
            "charts": [],
            "hint": NO_PLAN_HINT,
        }
        if self.directory is None:
            return empty
        try:
            return _build(self.directory)
        except GigawattError as exc:
            return {**empty, "hint": f"The plan in {self.directory} could not be read: {exc}"}


@functools.cache
def plotly_js_bytes() -> bytes:
    """The minified plotly.js of the installed plotly package (read once).

    Raises:
        ImportError: plotly is not installed.
    """
    from gigawatt.report.plotly_figures import plotly_js

    return plotly_js().encode()
