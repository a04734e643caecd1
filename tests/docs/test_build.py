"""The documentation site builds with ``mkdocs build --strict``, as CI builds it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MKDOCS = str(Path(sys.executable).with_name("mkdocs"))
SITE = Path("/tmp/site")


def _hooks() -> object:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mkdocs_build_strict() -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    out = subprocess.run(
        [MKDOCS, "build", "--strict", "-d", str(SITE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "WARNING" not in out.stderr, out.stderr
    page = (SITE / "reference" / "scenario" / "index.html").read_text(encoding="utf-8")
    from gigawatt.scenario.reference import reference_rows

    for row in reference_rows():
        assert row.path.replace("<", "&lt;").replace(">", "&gt;") in page, row.path
    assert (SITE / "reference" / "scenario.schema.json").is_file()
    credits = (SITE / "credits" / "index.html").read_text(encoding="utf-8")
    assert "Epoch AI" in credits and "CC BY 4.0" in credits


def test_the_scenario_reference_is_generated_from_the_schema() -> None:
    from gigawatt.scenario.reference import reference_rows

    text = _hooks().scenario_reference()  # type: ignore[attr-defined]
    rows = reference_rows()
    body = [line for line in text.splitlines() if line.startswith("| `")]
    assert sorted(line.split("`")[1] for line in body) == sorted(r.path for r in rows)
    for row in rows:
        line = next(b for b in body if b.startswith(f"| `{row.path}` |"))
        assert row.description.replace("|", "\\|") in line
    assert not (ROOT / "docs" / "reference" / "scenario.md").exists(), "generated, never on disk"


def test_includes_turn_relative_links_into_text(tmp_path: Path) -> None:
    hooks = _hooks()
    text = hooks.include_files("<!-- include: src/gigawatt/data/README.md -->")  # type: ignore[attr-defined]
    assert "Epoch AI" in text and "<!-- include" not in text
    missing = hooks.include_files("<!-- include: no/such/file.md -->")  # type: ignore[attr-defined]
    assert "does not exist yet" in missing


def test_an_included_readme_keeps_a_strict_build_happy(tmp_path: Path) -> None:
    hooks = _hooks()
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "README.md").write_text(
        "# Figures\n\nSee [the results](results/planner.json), ![plot](results/a.png), "
        "[Epoch](https://epoch.ai) and [below](#figures).\n"
    )
    text = hooks.include_files("<!-- include: bench/README.md -->", root=tmp_path)  # type: ignore[attr-defined]
    assert text.startswith("## Figures")
    assert "the results (`bench/results/planner.json`)" in text
    assert "plot (`bench/results/a.png`)" in text
    assert "[Epoch](https://epoch.ai)" in text and "[below](#figures)" in text
