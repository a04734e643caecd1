"""Every code block of the docs runs, and its output is what the docs say it is.

See ``docsnippets.py`` for the conventions. The broker page runs its curl commands
against a real ``gigawatt serve`` when ``src/gigawatt/broker/app.py`` exists; its
endpoints are also checked against the API sketch of the design, always.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docsnippets import DOCS, ROOT, Block, Page, check_output, pages, parse, run_page

PAGES = pages()
BROKER_PAGE = "broker.md"
BROKER_APP = ROOT / "src" / "gigawatt" / "broker" / "app.py"
DESIGN = ROOT.parent / "shared" / "design.md"


def _param(page: Page) -> object:
    return pytest.param(page, id=page.name, marks=[pytest.mark.slow] if page.slow else [])


@pytest.mark.parametrize("page", [_param(p) for p in PAGES if p.name != BROKER_PAGE])
def test_page_snippets(page: Page, tmp_path: Path) -> None:
    timings = run_page(page, tmp_path)
    for block, seconds in timings:
        print(f"{block.where}: {seconds:.1f}s")


@pytest.mark.service
def test_broker_page_against_a_real_server(tmp_path: Path) -> None:
    page = parse(DOCS / BROKER_PAGE)
    assert BROKER_APP.is_file(), (
        "src/gigawatt/broker/app.py is missing: the broker page cannot be run; "
        "test_broker_page_endpoints_are_in_the_design still checks it"
    )
    run_page(page, tmp_path)


_METHOD_PATH = re.compile(r"\b(GET|POST|DELETE|PUT|PATCH) (/[\w/{}.$-]*)")


# Endpoints an issue added to the design's sketch (the issue wins where they differ).
ISSUE_ENDPOINTS = {
    ("GET", "/v1/tokens"),  # issue 15: list tokens (no secrets)
    ("DELETE", "/v1/tokens/{id}"),  # issue 15: revocation
    ("GET", "/metrics"),  # issue 17: Prometheus metrics
}


def _design_endpoints() -> set[tuple[str, str]]:
    text = DESIGN.read_text(encoding="utf-8")
    sketch = text[text.index("API sketch") : text.index("GET /healthz") + len("GET /healthz")]
    found = {(m, p) for m, p in _METHOD_PATH.findall(re.sub(r"\s+", " ", sketch))}
    return found | ISSUE_ENDPOINTS


def _curl_endpoints(block: Block) -> set[tuple[str, str]]:
    out = set()
    for line in re.split(r"(?<!\\)\n", block.code):
        for url in re.findall(r"https?://127\.0\.0\.1:\d+(/[^\s\"'?]*)", line):
            method = re.search(r"-X (\w+)", line)
            verb = method.group(1) if method else ("POST" if " -d " in line else "GET")
            out.add((verb, url))
    return out


def _matches(page_ep: tuple[str, str], design: set[tuple[str, str]]) -> bool:
    verb, path = page_ep
    parts = path.strip("/").split("/")
    for d_verb, d_path in design:
        d_parts = d_path.strip("/").split("/")
        if d_verb != verb or len(d_parts) != len(parts):
            continue
        if all(
            a == b or (b.startswith("{") and b.endswith("}"))
            for a, b in zip(parts, d_parts, strict=True)
        ) and not any(
            "$" in a and not b.startswith("{") for a, b in zip(parts, d_parts, strict=True)
        ):
            return True
    return False


def test_broker_page_endpoints_are_in_the_design() -> None:
    assert DESIGN.is_file(), f"the design is missing at {DESIGN}"
    design = _design_endpoints()
    assert ("POST", "/v1/placements") in design and ("GET", "/healthz") in design
    page = parse(DOCS / BROKER_PAGE)
    used = set().union(*(_curl_endpoints(b) for b in page.blocks))
    listed = set(_METHOD_PATH.findall((DOCS / BROKER_PAGE).read_text(encoding="utf-8")))
    assert len(used) >= 10, used
    missing = sorted(ep for ep in used | listed if not _matches(ep, design))
    assert not missing, (
        f"endpoints on the broker page that the design's API sketch lacks: {missing}"
    )
    unused = sorted(
        ep for ep in design - ISSUE_ENDPOINTS if not any(_matches(u, {ep}) for u in used)
    )
    assert not unused, f"endpoints of the design with no curl example on the page: {unused}"


def test_every_page_with_blocks_is_tested() -> None:
    names = {p.name for p in PAGES}
    assert {"getting-started.md", "clauses.md", "tutorial.md", "compare.md", BROKER_PAGE} <= names


def test_output_blocks_match_in_order_with_ellipses() -> None:
    actual = "alpha 1\nbeta   two  three\ngamma\n"
    assert check_output("alpha 1\n...\ngamma\n", actual) is None
    assert check_output("beta two ... three\n", actual) is None
    assert check_output("gamma\nalpha 1\n", actual) is not None
    assert check_output("delta\n", actual) is not None


def test_a_block_without_a_role_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "probe.md"
    page.write_text("# x\n\n```yaml\na: 1\n```\n")
    with pytest.raises(ValueError, match="must be a command"):
        parse(page, "probe.md")
