"""The outputs the README and the docs quote are what the commands print (issue #19).

``docs/outputs.py`` reruns every quoted command and rewrites its block; here it only
compares. When a scenario's numbers change this fails, naming the stale blocks: run
``python docs/outputs.py`` and commit the result.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _outputs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("doc_outputs", ROOT / "docs" / "outputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["doc_outputs"] = module
    spec.loader.exec_module(module)
    return module


def test_quoted_outputs_match_the_commands() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "outputs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, f"{done.stdout}{done.stderr}\nrun: python docs/outputs.py"


def test_readme_and_getting_started_quote_real_outputs() -> None:
    outputs = _outputs()
    readme = outputs.quotes(ROOT / "README.md")
    guide = outputs.quotes(ROOT / "docs" / "getting-started.md")
    assert [q.command for q in readme] == ["gigawatt plan"]
    assert [q.command for q in guide] == ["gigawatt plan frontier-lab-2025-10 --out oct-plan"]
    for q in [*readme, *guide]:
        block = q.path.read_text(encoding="utf-8").splitlines()[q.start : q.end]
        assert block and not any("..." in line or "$...B" in line for line in block)


def test_a_quote_keeps_the_lines_it_names(tmp_path: Path) -> None:
    outputs = _outputs()
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- output: gigawatt scenarios; from: b; lines: 2 -->\n```text\nold\n```\n",
        encoding="utf-8",
    )
    (q,) = outputs.quotes(page)
    assert (q.command, q.first, q.lines, q.columns) == ("gigawatt scenarios", "b", 2, 80)
    assert outputs.shown(q, "a\nb  \nc\nd\n") == ["b", "c"]
