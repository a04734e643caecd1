"""``gigawatt serve`` tells the person who started it where it is, when it is ready, and
how to get a token (issue #19: it used to print nothing)."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import time
from pathlib import Path

from terminal_support import gigawatt_script

from gigawatt.cli.serve_notice import local_url, token_hint


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lines_until(process: subprocess.Popen[str], marker: str, timeout_s: float) -> list[str]:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not any(marker in line for line in lines):
        if selector.select(timeout=0.5):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
    return lines


def test_serve_prints_url_token_hint_and_readiness(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GIGAWATT_ADMIN_TOKEN": "admin-secret-for-test"}
    process = subprocess.Popen(
        [
            gigawatt_script(),
            "serve",
            "--scenario",
            "frontier-lab-2025",
            "--port",
            str(port),
            "--db",
            f"sqlite:///{tmp_path / 'broker.db'}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        lines = _lines_until(process, "ready:", 120)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    text = "\n".join(lines)
    assert lines[0] == f"gigawatt broker for frontier-lab-2025: starting at {url}", text
    assert "gigawatt broker token create --role team" in text
    assert "admin-secret-for-test" not in text  # the hint names the variable, not the secret
    assert f"ready: {url} (dashboard at {url}/, API at {url}/v1)" in text, text
    assert "Traceback" not in text


def test_hints() -> None:
    assert local_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert local_url("::1", 9) == "http://[::1]:9"
    hint = token_hint("http://h:1", admin_token_set=False, admin_env="GIGAWATT_ADMIN_TOKEN")
    assert "GIGAWATT_ADMIN_TOKEN is not set" in hint
