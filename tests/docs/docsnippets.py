"""Find the code blocks of the docs and run them, checking the output written beside them.

Every fenced block of ``docs/**/*.md`` is one of:

* ``sh`` or ``python``: run in order, each page in its own temporary folder (so a page's
  blocks share files), shell through ``bash -eo pipefail`` with the venv's ``bin`` first
  on PATH, Python with the venv's interpreter. Each must be followed by at least one
  check: ``<!-- expect: REGEX -->`` comments (searched in stdout + stderr, multi-line
  mode) and/or a ``text`` block, its expected output: each non-blank line must appear,
  in order, in the output (whitespace runs compared as one space; ``...`` on its own
  line skips lines, inside a line it skips characters). ``<!-- expect-exit: N -->``
  expects exit status N (default 0);
* any language with ``<!-- file: NAME -->`` just before it: written to NAME in the
  page's folder (scenario files that later blocks use);
* ``sh`` with ``<!-- readme: MARKER -->`` just before it: must be the very command that
  follows ``<!-- MARKER -->`` in README.md; CI (``.ci/run``) runs those two commands;
* ``sh`` with ``<!-- background: URL -->``: started in the background (the page's other
  blocks run while it lives), ready when URL answers; stopped at the end of the page.

Comments just before a block may also say ``<!-- timeout: SECONDS -->`` (default 300).
A page with ``<!-- snippets: slow -->`` is a slow test; ``<!-- snippets: free-port N -->``
replaces ``127.0.0.1:N`` and ``--port N`` in its blocks by a free port before running.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent
RUN_LANGS = {"sh", "python"}
_FENCE = re.compile(r"^```(?P<lang>[\w+-]*)\s*$")
_COMMENT = re.compile(r"^<!-- (?P<key>[\w-]+)(?::\s*(?P<value>.*?))? -->$")


@dataclass
class Block:
    """One fenced code block and the directives around it."""

    page: str
    line: int
    lang: str
    code: str
    before: dict[str, str] = field(default_factory=dict)
    expect: list[str] = field(default_factory=list)
    exit_code: int = 0
    output: str | None = None

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"


@dataclass
class Page:
    """A page's blocks and page-level directives."""

    name: str
    blocks: list[Block]
    slow: bool = False
    free_port: int | None = None


def parse(path: Path, name: str | None = None) -> Page:
    """Blocks of one page, with their directives; raises ValueError on a stray block."""
    name = name or path.relative_to(DOCS).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    page = Page(name, [])
    blocks: list[Block] = []
    pending: dict[str, str] = {}
    last_run: Block | None = None  # the block that a following check attaches to
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _COMMENT.match(line.strip())
        if m:
            key, value = m.group("key"), (m.group("value") or "").strip()
            if key == "snippets":
                if value == "slow":
                    page.slow = True
                elif value.startswith("free-port "):
                    page.free_port = int(value.split()[1])
                else:
                    raise ValueError(f"docs/{name}:{i + 1}: unknown snippets directive {value}")
            elif key in ("expect", "expect-exit"):
                if last_run is None:
                    raise ValueError(f"docs/{name}:{i + 1}: {key} follows no runnable block")
                if key == "expect":
                    last_run.expect.append(value)
                else:
                    last_run.exit_code = int(value)
            elif key in ("file", "readme", "background", "timeout"):
                pending[key] = value
            i += 1
            continue
        f = _FENCE.match(line)
        if not f:
            if line.strip():  # prose: checks and directives must touch their block
                last_run = None
                pending = {}
            i += 1
            continue
        lang = f.group("lang")
        start = i + 1
        j = start
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        if j == len(lines):
            raise ValueError(f"docs/{name}:{i + 1}: code block is not closed")
        code = "\n".join(lines[start:j]) + "\n"
        if lang == "text" and last_run is not None and not pending:
            last_run.output = code
        else:
            block = Block(name, i + 1, lang, code, before=pending)
            if "file" in pending:
                last_run = None
            elif lang in RUN_LANGS:
                last_run = block if "readme" not in pending else None
            else:
                raise ValueError(
                    f"{block.where}: a ```{lang or '(no language)'} block must be a command "
                    "(sh, python), a file (<!-- file: NAME --> before it) or the output of "
                    "the command just above (```text)"
                )
            blocks.append(block)
        pending = {}
        i = j + 1
    page.blocks = blocks
    return page


def pages() -> list[Page]:
    """Every page of docs/ that has code blocks."""
    out = [parse(p) for p in sorted(DOCS.rglob("*.md"))]
    return [p for p in out if p.blocks]


def readme_command(marker: str) -> str:
    """The shell line after ``<!-- MARKER -->`` in README.md (as .ci/run reads it)."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    at = lines.index(f"<!-- {marker} -->")
    fence = next(k for k in range(at + 1, len(lines)) if lines[k].startswith("```"))
    return lines[fence + 1]


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def check_output(expected: str, actual: str) -> str | None:
    """None when every expected line appears in order; else what is missing."""
    got = [_normal(x) for x in actual.splitlines()]
    pos = 0
    for raw in expected.splitlines():
        want = _normal(raw)
        if not want or want == "...":
            continue
        parts = [p.strip() for p in want.split("...")]
        pattern = ".*".join(re.escape(p) for p in parts if p)
        for k in range(pos, len(got)):
            if re.search(pattern, got[k]):
                pos = k + 1
                break
        else:
            return f"expected line not found (in order): {raw.strip()!r}"
    return None


def environment() -> dict[str, str]:
    """The environment snippets run in: the venv first on PATH, plain 100-column output."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        {
            "COLUMNS": "100",
            "NO_COLOR": "1",
            "TERM": "dumb",
            "PYTHONUNBUFFERED": "1",
            "VIRTUAL_ENV": str(BIN.parent),
        }
    )
    env.pop("FORCE_COLOR", None)
    return env


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_port(code: str, page: Page, port: int | None) -> str:
    if page.free_port is None or port is None:
        return code
    code = code.replace(f"127.0.0.1:{page.free_port}", f"127.0.0.1:{port}")
    return code.replace(f"--port {page.free_port}", f"--port {port}")


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"background command exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds}s: {log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


def run_block(block: Block, cwd: Path, code: str, env: dict[str, str]) -> str:
    """Run one block; return its combined output, raising AssertionError on a failed check."""
    timeout = float(block.before.get("timeout", 300))
    if block.lang == "python":
        script = cwd / f"snippet_{block.line}.py"
        script.write_text(code, encoding="utf-8")
        cmd = [sys.executable, script.name]
    else:
        cmd = ["bash", "-eo", "pipefail", "-c", code]
    started = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{block.where}: did not finish within {timeout:.0f}s") from None
    seconds = time.monotonic() - started
    out = proc.stdout + proc.stderr
    tail = out[-4000:]
    if proc.returncode != block.exit_code:
        raise AssertionError(
            f"{block.where}: exit {proc.returncode}, expected {block.exit_code} "
            f"after {seconds:.0f}s:\n{tail}"
        )
    for pattern in block.expect:
        if not re.search(pattern, out, re.MULTILINE):
            raise AssertionError(f"{block.where}: expected /{pattern}/ in the output:\n{tail}")
    if block.output is not None:
        problem = check_output(block.output, out)
        if problem:
            raise AssertionError(f"{block.where}: {problem}\n--- output ---\n{tail}")
    return out


def run_page(page: Page, cwd: Path) -> list[tuple[Block, float]]:
    """Run every block of a page in order in ``cwd``; return each run block's seconds."""
    env = environment()
    port = free_port() if page.free_port is not None else None
    background: list[subprocess.Popen[bytes]] = []
    timings: list[tuple[Block, float]] = []
    try:
        for block in page.blocks:
            code = _with_port(block.code, page, port)
            if "file" in block.before:
                (cwd / block.before["file"]).write_text(code, encoding="utf-8")
                continue
            if "readme" in block.before:
                want = readme_command(block.before["readme"])
                assert code.strip() == want, f"{block.where}: differs from README.md: {want}"
                continue
            if "background" in block.before:
                log = cwd / f"background_{block.line}.log"
                with log.open("wb") as sink:
                    proc = subprocess.Popen(
                        ["bash", "-c", code],
                        cwd=cwd,
                        env=env,
                        stdout=sink,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                background.append(proc)
                _wait_ready(_with_port(block.before["background"], page, port), proc, log, 60)
                continue
            assert block.expect or block.output is not None, (
                f"{block.where}: no expected output (add <!-- expect: REGEX --> or a "
                "```text block after it)"
            )
            started = time.monotonic()
            run_block(block, cwd, code, env)
            timings.append((block, time.monotonic() - started))
    finally:
        for proc in background:
            _stop(proc)
    return timings
