"""User text that looks like rich markup is printed as written, never read as markup.

Each string of the corpus goes where a user can put text: a file name, a scenario name,
an unknown key, an uncertainty key path, a hint that quotes brackets. It must come back
verbatim on the terminal (not dropped, not styled, no ``MarkupError``). Commands run
in-process through the real typer application, so a crash shows as an exception.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gigawatt.cli import _register, app
from gigawatt.cli.output import line, plain, styled

_register()

DESIGN = (Path(__file__).parents[1] / "scenario" / "design_example.yaml").read_text()

#: Strings rich would read as markup, emoji codes or control sequences.
CORPUS = [
    "[/bold]",
    "[bold]x",
    "[red]x[/red]",
    "[/]",
    "[link=http://example.com]x",
    "[first, last]",
    "[ray]",
    "[",
    "x]",
    "\\[b]",
    "[b]\\",
    ":smile:",
    "[@click=quit]x",
]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("text", CORPUS)
def test_plain_text_is_kept_verbatim(text: str) -> None:
    assert plain(text).plain == text
    assert line(styled(text, "bold"), ": ", text).plain == f"{text}: {text}"


def test_control_characters_are_shown_not_sent() -> None:
    assert plain("a\x1b[31mb\x07").plain == "a\\x1b[31mb\\x07"
    assert plain("two\nlines\tand tab").plain == "two\nlines\tand tab"


@pytest.mark.parametrize("text", CORPUS)
def test_markup_in_a_scenario_name_is_quoted_back(text: str, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(f"name: {_yaml_string(text)}\n", encoding="utf-8")
    for command in ("validate", "plan", "show"):
        code, out = invoke(command, str(path))
        assert code == 2, out
        assert f"name: '{text}' is not a valid name" in out


@pytest.mark.parametrize("text", CORPUS)
def test_markup_in_an_unknown_key_is_quoted_back(text: str, tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(
        DESIGN.replace("discount_rate: 0.08", f"{_yaml_string(text)}: 1\ndiscount_rate: 0.08"),
        encoding="utf-8",
    )
    code, out = invoke("validate", str(path))
    assert code == 2, out
    assert f"unknown key '{text}'" in out
    assert f"{path}:3:1: {text}:" in out


@pytest.mark.parametrize("text", [t for t in CORPUS if "/" not in t])
def test_markup_in_a_file_name(text: str, tmp_path: Path) -> None:
    path = tmp_path / f"{text}.yaml"
    path.write_text(DESIGN.replace("name: frontier-lab-2025", "name: x"), encoding="utf-8")
    code, out = invoke("validate", str(path))
    assert code == 0, out
    assert f"ok {path}" in out
    missing = tmp_path / f"missing{text}.yaml"
    code, out = invoke("show", str(missing))
    assert code == 2
    assert f"{missing}: file not found" in out


def test_a_built_in_name_with_markup_is_quoted_back() -> None:
    code, out = invoke("plan", "[/x]")
    assert code == 2
    assert "no scenario file or built-in named '[/x]'" in out


def test_a_bracketed_hint_is_printed(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(DESIGN.replace("[2026-01, 2026-09]", "[2026-09, 2026-01]"), encoding="utf-8")
    code, out = invoke("validate", str(path))
    assert code == 2
    assert "(write the window as [first, last])" in out


@pytest.mark.parametrize("text", ["workloads[0].[/bold]", "[red]x[/red]"])
def test_markup_in_an_uncertainty_path(text: str, tmp_path: Path) -> None:
    path = tmp_path / "u.yaml"
    path.write_text(
        DESIGN.replace(
            "  workloads.partner-api.demand_flops.growth_per_year:", f"  {_yaml_string(text)}:"
        ),
        encoding="utf-8",
    )
    code, out = invoke("validate", str(path))
    assert code == 2, out
    assert f"uncertainty.{text}: key path does not exist" in out


@pytest.mark.parametrize(
    ("module", "command", "extra"),
    [
        ("ray", ["sweep", "-n", "1"], "gigawatt[ray]"),
        ("sky", ["skypilot", "check", "t.yaml"], "gigawatt[skypilot]"),
    ],
)
def test_missing_extras_keep_their_brackets_and_exit_1(
    module: str, command: list[str], extra: str, tmp_path: Path
) -> None:
    """A missing optional package is named with its extra, and both exit 1 alike."""
    code = (
        f"import sys; sys.modules[{module!r}] = None\n"
        "from gigawatt.cli import main\n"
        f"sys.argv = ['gigawatt', *{command!r}]\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"pip install '{extra}'" in proc.stderr


def _yaml_string(text: str) -> str:
    """A double-quoted YAML string holding ``text`` exactly."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize("text", ["[red]d[", "[/bold]", "[b]x[/b]"])
def test_markup_in_folder_names_of_init_and_report(text: str, tmp_path: Path) -> None:
    folder = tmp_path / text.replace("/", "_")
    folder.mkdir()
    code, out = invoke("init", "frontier-lab-2025", str(folder))
    assert code == 0, out
    assert f"wrote {folder}/frontier-lab-2025.yaml (from built-in frontier-lab-2025)" in out
    code, out = invoke("report", str(folder))
    assert code == 2, out
    assert f"error: {folder} holds no plan, forecast or comparison" in out


def test_no_command_module_reads_text_as_markup() -> None:
    """Commands print through cli/output.py; none turns markup on or makes its own spinner.

    rich reads markup in ``markup=True`` prints, in ``Console.status`` messages, in
    ``TextColumn`` descriptions and in ``Text.from_markup``: a user's name there crashes.
    """
    cli = Path(__file__).parents[2] / "src" / "gigawatt" / "cli"
    offenders = []
    for module in sorted(cli.glob("*.py")):
        if module.name == "output.py":
            continue
        for number, source_line in enumerate(module.read_text().splitlines(), 1):
            for needle in ("markup=True", "console.status(", "TextColumn(", "from_markup"):
                if needle in source_line:
                    offenders.append(f"{module.name}:{number}: {source_line.strip()}")
    assert offenders == []
