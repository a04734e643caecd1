"""A bounded mixed load of many httpx clients against a live broker (tests only)."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

BASE_HOUR = 490_896  # 2026-01-01T00:00:00Z as a slot number
ACCELERATORS = ("H100", "GB200")
TAGS: tuple[list[str], ...] = ([], ["api"], ["frontier"], ["x"])


def iso(hour: int) -> str:
    from gigawatt.broker.hours import iso_hour

    return iso_hour(hour)


@dataclass
class Outcome:
    """What the clients saw."""

    acknowledged: dict[int, dict[str, Any]] = field(default_factory=dict)
    released: set[int] = field(default_factory=set)
    # releases sent whose answer may have been lost (the server may have applied them)
    release_sent: set[int] = field(default_factory=set)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    replay_mismatches: list[str] = field(default_factory=list)
    transport_errors: int = 0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.requests += 1


def _team_loop(
    url: str, token: str, n: int, seed: int, out: Outcome, stop: threading.Event, hours: int
) -> None:
    rng = random.Random(seed)
    mine: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as c:
        for _ in range(n):
            if stop.is_set():
                return
            roll = rng.random()
            try:
                if roll < 0.70 or not mine:
                    start = BASE_HOUR + rng.randrange(hours)
                    body = {
                        "accelerator": rng.choice(ACCELERATORS),
                        "count": rng.randint(1, 30),
                        "tags": rng.choice(TAGS),
                        "start": iso(start),
                        "end": iso(start + rng.randint(1, 6)),
                    }
                    key = uuid.uuid4().hex
                    r = c.post("/v1/placements", json=body, headers={"Idempotency-Key": key})
                    out.count(r.status_code)
                    if r.status_code == 201:
                        p = r.json()
                        with out.lock:
                            out.acknowledged[p["id"]] = p
                        mine.append((key, body, p))
                elif roll < 0.80:
                    key, body, first = rng.choice(mine)
                    r = c.post("/v1/placements", json=body, headers={"Idempotency-Key": key})
                    out.count(r.status_code)
                    if r.status_code == 201 and r.json() != first:
                        out.replay_mismatches.append(f"{first} != {r.json()}")
                elif roll < 0.90:
                    _key, _body, p = mine.pop(rng.randrange(len(mine)))
                    with out.lock:
                        out.release_sent.add(p["id"])
                    r = c.delete(f"/v1/placements/{p['id']}")
                    out.count(r.status_code)
                    if r.status_code == 200:
                        with out.lock:
                            out.released.add(p["id"])
                else:
                    r = c.get("/v1/placements", params={"status": "placed", "limit": 50})
                    out.count(r.status_code)
                if r.status_code >= 500:
                    out.server_errors.append(f"{r.request.method} {r.request.url}: {r.text}")
            except httpx.TransportError:
                with out.lock:
                    out.transport_errors += 1
                if stop.is_set():
                    return


def _provider_loop(url: str, token: str, out: Outcome, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        while not stop.is_set():
            try:
                r = c.get("/v1/offers", params={"status": "pending", "limit": 20})
                out.count(r.status_code)
                for offer in r.json() if r.status_code == 200 else []:
                    verb = rng.choice(["accept", "decline"])
                    a = c.post(f"/v1/offers/{offer['id']}/{verb}")
                    out.count(a.status_code)
                    if a.status_code >= 500:
                        out.server_errors.append(a.text)
            except httpx.TransportError:
                with out.lock:
                    out.transport_errors += 1
            time.sleep(0.02)


def run_load(
    url: str,
    team_tokens: list[str],
    provider_token: str | None,
    *,
    requests_per_client: int,
    hours: int = 48,
    seed: int = 1,
    during: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
    time_limit_s: float = 120,
) -> Outcome:
    """Run one thread per team token (plus a provider answering offers) and wait."""
    out = Outcome()
    stop = stop or threading.Event()
    threads = [
        threading.Thread(
            target=_team_loop,
            args=(url, tok, requests_per_client, seed * 1000 + i, out, stop, hours),
        )
        for i, tok in enumerate(team_tokens)
    ]
    prov = None
    if provider_token:
        prov = threading.Thread(target=_provider_loop, args=(url, provider_token, out, stop, seed))
        prov.start()
    for t in threads:
        t.start()
    if during is not None:
        during()
    deadline = time.monotonic() + time_limit_s
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    stop.set()
    for t in threads:
        t.join(30)
    if prov is not None:
        prov.join(30)
    return out
