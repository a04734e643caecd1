"""Revocation across two server processes on one PostgreSQL database.

Server A creates and revokes the token; server B has it cached (it placed and answered
with it). From one second after the revocation's commit on, B must refuse it: a request
that B starts then either finds B's revocation-version read recent (it began after the
commit, so it saw the revocation and emptied the cache) or B looks the token up in the
database. No timing is asserted: the test waits past the bound, then checks a refusal
that the design makes certain.

Both serve with one batch in flight (``--batches-in-flight 1``): two batches in flight
need the database alone, and a second such server is refused (``test_holes.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from broker_support import ADMIN, _new_pg_database

from gigawatt.broker.pgtemp import TempPostgres
from gigawatt.broker.tokencache import MAX_STALE_S

pytestmark = pytest.mark.service

BODY = {
    "accelerator": "H100",
    "count": 1,
    "start": "2026-01-01T00:00:00Z",
    "end": "2026-01-01T01:00:00Z",
}


def _place(url: str, headers: dict[str, str], key: str) -> httpx.Response:
    return httpx.post(
        url + "/v1/placements", json=BODY, headers={**headers, "Idempotency-Key": key}, timeout=10
    )


def test_a_token_revoked_on_one_server_is_refused_by_the_other(
    pg: TempPostgres, server_factory: Callable[..., Any]
) -> None:
    url = _new_pg_database(pg)
    a = server_factory(url, "--batches-in-flight", "1")
    b = server_factory(url, "--batches-in-flight", "1")
    root = {"Authorization": f"Bearer {ADMIN}"}
    made = httpx.post(
        a.url + "/v1/tokens", json={"role": "team", "name": "lab"}, headers=root, timeout=10
    )
    assert made.status_code == 201, made.text
    team = {"Authorization": f"Bearer {made.json()['token']}"}
    other = httpx.post(
        a.url + "/v1/tokens", json={"role": "team", "name": "rival"}, headers=root, timeout=10
    ).json()
    rival = {"Authorization": f"Bearer {other['token']}"}
    for n in range(3):  # B knows both tokens now (the placement path and the app's)
        assert _place(b.url, team, f"before-{n}").status_code == 201
        assert httpx.get(b.url + "/v1/me", headers=team, timeout=10).status_code == 200
        assert httpx.get(b.url + "/v1/me", headers=rival, timeout=10).status_code == 200
    revoked = httpx.delete(f"{a.url}/v1/tokens/{made.json()['id']}", headers=root, timeout=10)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    committed_by = time.monotonic()  # the answer came after the commit
    assert httpx.get(a.url + "/v1/me", headers=team, timeout=10).status_code == 401
    time.sleep(max(0.0, committed_by + MAX_STALE_S - time.monotonic()) + 0.01)
    for attempt in (
        _place(b.url, team, "after"),
        httpx.get(b.url + "/v1/me", headers=team, timeout=10),
        httpx.get(b.url + "/v1/placements", headers=team, timeout=10),
    ):
        assert attempt.status_code == 401, attempt.text
        assert attempt.json()["error"]["code"] == "token_revoked"
    # The other team's token still works on B, from its cache or the database.
    assert httpx.get(b.url + "/v1/me", headers=rival, timeout=10).status_code == 200
    assert _place(b.url, rival, "rival").status_code == 201
    listed = httpx.get(b.url + "/v1/placements", headers=root, timeout=10).json()
    assert sorted(p["team"] for p in listed) == ["lab", "lab", "lab", "rival"]
