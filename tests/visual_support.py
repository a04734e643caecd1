"""What a person sees, checked in headless Chromium: text that overlaps, labels cut off at
the edge of a chart, fractional ticks on a count axis, accessibility (axe-core) and
keyboard reach. Used by the report's and the dashboard's visual tests.

Text boxes come from the DOM: every non-empty ``<text>`` of a plotly chart's SVGs
(tick labels, axis titles, panel titles, annotations, legend entries, bar texts), and
plotly's toolbar (the modebar, shown on hover) as a box that text must not sit under.
Two boxes collide when they overlap by more than :data:`SLACK_PX` in both directions
(glyph boxes include line spacing, so touching lines are not a collision).

axe-core comes from the npm registry (``npm install axe-core@AXE_VERSION``) into
``.cache/axe-core`` at the repository root (``.ci/setup-axe.sh`` does the same for CI);
the test installs it there when it is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORTS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
SLACK_PX = 1.5
AXE_VERSION = "4.14.1"
AXE_DIR = ROOT / ".cache" / "axe-core"

#: Boxes of the text of each plotly chart under ``root``: [{chart, boxes, svg, ticks}].
PLOTLY_TEXT = """
(root) => Array.from(document.querySelectorAll(root + ' .js-plotly-plot')).map((plot) => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; };
  const svg = plot.querySelector('svg.main-svg');
  const texts = [];
  plot.querySelectorAll('svg.main-svg text').forEach((t) => {
    const text = (t.textContent || '').trim();
    if (!text) return;
    const style = getComputedStyle(t);
    if (style.display === 'none' || style.visibility === 'hidden' || style.opacity === '0') return;
    if (t.closest('.hoverlayer')) return;
    const b = box(t);
    if (b.x1 - b.x0 < 0.5 || b.y1 - b.y0 < 0.5) return;
    const group = t.closest('g[class]');
    texts.push({text, kind: group ? group.getAttribute('class') : '', ...b});
  });
  const bar = plot.querySelector('.modebar');
  if (bar) texts.push({text: '[plotly toolbar]', kind: 'modebar', ...box(bar)});
  const ticks = {};
  plot.querySelectorAll('g[class$="tick"] text').forEach((t) => {
    const cls = t.parentNode.getAttribute('class');
    (ticks[cls] = ticks[cls] || []).push((t.textContent || '').trim());
  });
  return {chart: plot.id || plot.parentNode.id, svg: box(svg), texts, ticks};
})
"""


@dataclass(frozen=True)
class Box:
    """A text's box on the page, in CSS pixels."""

    text: str
    kind: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, slack: float = SLACK_PX) -> bool:
        """Whether the two boxes overlap by more than ``slack`` both across and down."""
        across = min(self.x1, other.x1) - max(self.x0, other.x0)
        down = min(self.y1, other.y1) - max(self.y0, other.y0)
        return across > slack and down > slack

    def inside(self, outer: dict[str, float], slack: float = SLACK_PX) -> bool:
        """Whether the box lies within ``outer`` (give or take ``slack``)."""
        return (
            self.x0 >= outer["x0"] - slack
            and self.y0 >= outer["y0"] - slack
            and self.x1 <= outer["x1"] + slack
            and self.y1 <= outer["y1"] + slack
        )


def collisions(boxes: list[Box]) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap."""
    return [
        (f"{a.kind}: {a.text}", f"{b.kind}: {b.text}")
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a.overlaps(b)
    ]


def chart_problems(page: Any, root: str = "body") -> list[str]:
    """Overlapping text, text outside its chart, and fractional count ticks on a page.

    A count axis is one whose figure says ``tickformat: ",d"`` (the charts' ``counts``
    panels); its tick labels must be whole numbers, each once.
    """
    problems = []
    for chart in page.evaluate(PLOTLY_TEXT, root):
        boxes = [Box(**t) for t in chart["texts"]]
        for a, b in collisions(boxes):
            problems.append(f"{chart['chart']}: '{a}' overlaps '{b}'")
        for b in boxes:
            if b.kind != "modebar" and not b.inside(chart["svg"]):
                problems.append(f"{chart['chart']}: '{b.kind}: {b.text}' is cut at the edge")
    for chart_id, axis, labels in page.evaluate(COUNT_TICKS, root):
        fractional = [t for t in labels if not t.replace(",", "").lstrip("-−").isdigit()]
        if fractional:
            problems.append(f"{chart_id}: count axis {axis} has ticks {fractional}")
        if len(set(labels)) < len(labels):  # 0.5 steps shown rounded: 0, 1, 1, 2
            problems.append(f"{chart_id}: count axis {axis} repeats ticks {labels}")
    return problems


#: Tick labels of every count axis (``tickformat: ",d"``): [chart, axis, labels].
COUNT_TICKS = """
(root) => {
  const out = [];
  document.querySelectorAll(root + ' .js-plotly-plot').forEach((plot) => {
    const layout = plot._fullLayout || {};
    Object.keys(layout).filter((k) => /^[xy]axis\\d*$/.test(k)).forEach((k) => {
      if (layout[k].tickformat !== ',d') return;
      const id = layout[k]._id;
      const labels = Array.from(plot.querySelectorAll('g.' + id + 'tick text'))
        .map((t) => (t.textContent || '').trim()).filter((t) => t);
      out.push([plot.id || plot.parentNode.id, id, labels]);
    });
  });
  return out;
}
"""


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot to ``artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_script() -> str:
    """axe.min.js, installed from the npm registry into .cache/axe-core when missing.

    A missing npm fails the test (never a skip): `.ci/setup-axe.sh` installs it.
    """
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            message = "npm not found: run .ci/setup-axe.sh (installs axe-core from npm)"
            pytest.fail(message)
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_DIR),
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return script.read_text(encoding="utf-8")


def axe_violations(page: Any, impacts: tuple[str, ...] = ("critical", "serious")) -> list[str]:
    """axe-core's violations of the given impacts on the page (WCAG 2.1 A and AA rules)."""
    # through the DevTools protocol: the dashboard's Content-Security-Policy (rightly)
    # refuses inline scripts, and the check must not loosen it
    cdp = page.context.new_cdp_session(page)
    cdp.send("Runtime.evaluate", {"expression": axe_script()})
    cdp.detach()
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]


#: Elements a keyboard user must reach: links, buttons, inputs, selects, tab stops.
INTERACTIVE = """
(root) => Array.from(document.querySelectorAll(root + ' a[href], button, input, select, '
  + 'textarea, [tabindex]:not([tabindex="-1"])'))
  .filter((el) => !el.disabled && el.offsetParent !== null && !el.closest('[hidden]')
    && !el.closest('.modebar'))
  .map((el, i) => { el.setAttribute('data-kb', String(i)); return String(i); })
"""


def unreachable_by_keyboard(page: Any, root: str = "body", most: int = 600) -> list[str]:
    """Interactive elements under ``root`` that Tab never focuses (Tab from the top)."""
    wanted = set(page.evaluate(INTERACTIVE, root))
    page.evaluate(
        "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
    )
    seen: set[str] = set()
    for _ in range(most):
        page.keyboard.press("Tab")
        key = page.evaluate(
            "() => document.activeElement && document.activeElement.getAttribute('data-kb')"
        )
        if key is not None:
            if key in seen and seen >= wanted:
                break
            seen.add(key)
        if seen >= wanted:
            break
    missing = sorted(wanted - seen, key=int)
    return [
        page.evaluate(
            '(k) => { const e = document.querySelector(`[data-kb="${k}"]`);'
            " return e.outerHTML.slice(0, 120); }",
            k,
        )
        for k in missing
    ]
