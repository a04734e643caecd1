"""Many clients against a live server: no slot is ever booked beyond capacity.

32 client threads (31 teams and one provider answering offers), thousands of mixed
requests (placements with contention on 48 hours, idempotent replays, releases, reads),
an admin draining a site half way, then the invariant over the whole ledger.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from conftest import ADMIN, admin_token, ledger_problems
from load import run_load

pytestmark = [pytest.mark.service, pytest.mark.slow]

CLIENTS = 32
REQUESTS_PER_CLIENT = 100  # 31 teams x 100 = 3,100 requests, plus the provider's


def test_no_overbooking_under_concurrency(db_url: str, server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(db_url, "--offer-deadline-seconds", "0.5")
    teams = [admin_token(server.url, "team", f"team-{i}") for i in range(CLIENTS - 1)]
    provider = admin_token(server.url, "provider", "azure-ops", "azure")
    drained: list[int] = []

    def drain_half_way() -> None:
        time.sleep(1.0)
        r = httpx.post(
            server.url + "/v1/sites/oci-phoenix/drain",
            headers={"Authorization": f"Bearer {ADMIN}"},
            timeout=60,
        )
        drained.append(r.status_code)

    started = time.monotonic()
    out = run_load(
        server.url,
        teams,
        provider,
        requests_per_client=REQUESTS_PER_CLIENT,
        during=drain_half_way,
        time_limit_s=150,
    )
    elapsed = time.monotonic() - started
    assert out.server_errors == []
    assert out.transport_errors == 0
    assert out.replay_mismatches == []
    assert drained == [200]
    assert out.requests >= (CLIENTS - 1) * REQUESTS_PER_CLIENT
    assert set(out.statuses) <= {200, 201, 409}, out.statuses
    placed = sum(p["status"] == "placed" for p in out.acknowledged.values())
    rejected = sum(p["status"] == "rejected" for p in out.acknowledged.values())
    assert placed > 100 and rejected > 100  # the ledger was saturated
    server.stop()
    assert ledger_problems(db_url) == []
    print(f"{out.requests} requests in {elapsed:.1f}s, statuses {out.statuses}")


def test_same_key_at_once_places_once(db_url: str, server_factory) -> None:  # type: ignore[no-untyped-def]
    """16 clients send the same request with the same key at the same moment."""
    server = server_factory(db_url)
    token = admin_token(server.url, "team", "racers")
    body = {
        "accelerator": "H100",
        "count": 7,
        "start": "2026-02-01T00:00:00Z",
        "end": "2026-02-01T03:00:00Z",
    }
    barrier = threading.Barrier(16)
    answers: list[httpx.Response] = []

    def send() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            barrier.wait()
            answers.append(
                c.post(
                    "/v1/placements",
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "one-key"},
                )
            )

    threads = [threading.Thread(target=send) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.status_code for r in answers] == [201] * 16
    assert len({r.text for r in answers}) == 1
    assert sum(r.headers.get("Idempotency-Replayed") == "true" for r in answers) == 15
    listed = httpx.get(server.url + "/v1/placements", headers={"Authorization": f"Bearer {token}"})
    assert len(listed.json()) == 1
    server.stop()
    assert ledger_problems(db_url) == []
