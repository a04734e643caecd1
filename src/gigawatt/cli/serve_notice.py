"""What ``gigawatt serve`` tells the person who started it: where, when ready, which token.

Uvicorn logs at ``warning`` by default, so without this the terminal stays silent. The
command prints the URL and a token hint at once, and a thread polls ``/healthz`` until
the server answers, then prints that it is ready (or, after ``timeout_s``, that it has
not answered yet).
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

__all__ = ["local_url", "start_notice", "token_hint", "wait_ready"]


def local_url(host: str, port: int) -> str:
    """The URL a browser on this machine opens (``0.0.0.0`` and ``::`` mean every address)."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def token_hint(url: str, *, admin_token_set: bool, admin_env: str) -> str:
    """How to sign in and make tokens, given whether the admin token is set."""
    if admin_token_set:
        return (
            f"tokens: sign in with the value of ${admin_env}; give a team its own with "
            f"`GIGAWATT_TOKEN=${admin_env} gigawatt broker token create --role team "
            f"--name NAME --url {url}`"
        )
    return (
        f"tokens: {admin_env} is not set, so nobody can sign in or make tokens; restart "
        f"with `{admin_env}=$(openssl rand -hex 16) gigawatt serve ...`"
    )


def wait_ready(url: str, timeout_s: float, *, poll_s: float = 0.1) -> bool:
    """Whether ``url``/healthz answers 200 within ``timeout_s`` seconds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(poll_s)
    return False


def start_notice(url: str, say: Callable[[str], None], *, timeout_s: float = 120.0) -> None:
    """Poll the server on a daemon thread and ``say`` when it is ready (or is not)."""

    def watch() -> None:
        if wait_ready(url, timeout_s):
            say(f"ready: {url} (dashboard at {url}/, API at {url}/v1); Ctrl+C stops it")
        else:
            say(f"not answering at {url}/healthz after {timeout_s:.0f} s; see the log above")

    threading.Thread(target=watch, name="gigawatt-serve-notice", daemon=True).start()
