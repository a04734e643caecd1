"""Identity: principals by id, reserved names, expiry, revocation, the audit's token ids."""

from __future__ import annotations

import time
from typing import Any

import pytest
from broker_support import ADMIN, Api

from gigawatt.broker.context import Principal
from gigawatt.broker.tokencache import MAX_STALE_S, TokenCache

pytestmark = pytest.mark.service


def _mint(api: Api, **body: Any) -> Any:
    return api.c.post("/v1/tokens", json=body, headers=api.admin)


def _bearer(made: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {made.json()['token']}"}


@pytest.mark.parametrize("name", ["admin", "system", "Admin", "SYSTEM"])
@pytest.mark.parametrize("role", ["team", "provider", "admin"])
def test_reserved_names_are_refused(api: Api, role: str, name: str) -> None:
    body = {"role": role, "name": name, **({"provider": "azure"} if role == "provider" else {})}
    r = _mint(api, **body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert (err["code"], err["field"]) == ("reserved_name", "name")
    assert "reserved" in err["message"] and "choose another name" in err["message"]


def test_the_attack_from_the_issue_fails(api: Api) -> None:
    """A team named like the admin could release the admin's placement: not any more."""
    assert _mint(api, role="team", name="admin").status_code == 422
    mine = api.place(api.admin, accelerator="H100", count=1)
    assert mine.status_code == 201
    # Same display name, two principals: an admin "ops" and a team "ops".
    ops_admin = _bearer(_mint(api, role="admin", name="ops"))
    ops_team = _bearer(_mint(api, role="team", name="ops"))
    theirs = api.place(ops_admin, accelerator="H100", count=1).json()
    for pid in (mine.json()["id"], theirs["id"]):
        r = api.c.delete(f"/v1/placements/{pid}", headers=ops_team)
        assert r.status_code == 404 and r.json()["error"]["code"] == "no_placement"
        assert api.c.get(f"/v1/placements/{pid}", headers=ops_team).status_code == 404
    assert api.c.get("/v1/placements", headers=ops_team).json() == []
    assert api.c.get("/v1/recent/placements", headers=ops_team).json() == []
    # The same idempotency key under each principal makes two placements.
    a = api.place(ops_team, key="same", accelerator="H100", count=1).json()
    b = api.place(ops_admin, key="same", accelerator="H100", count=1).json()
    assert a["id"] != b["id"]
    assert api.c.delete(f"/v1/placements/{theirs['id']}", headers=ops_admin).status_code == 200
    assert api.ledger_problems() == []


def test_tokens_of_one_principal_share_its_placements(api: Api) -> None:
    first = _mint(api, role="team", name="lab")
    second = _mint(api, role="team", name="lab")
    assert first.json()["principal_id"] == second.json()["principal_id"]
    assert first.json()["id"] != second.json()["id"]
    placed = api.place(_bearer(first), key="k1", accelerator="H100", count=1).json()
    again = api.place(_bearer(second), key="k1", accelerator="H100", count=1)
    assert again.status_code == 201 and again.json()["id"] == placed["id"]  # a replay
    assert again.headers.get("Idempotency-Replayed") == "true"
    r = api.c.delete(f"/v1/placements/{placed['id']}", headers=_bearer(second))
    assert r.status_code == 200 and r.json()["status"] == "released"


def test_a_provider_principal_speaks_for_one_provider(api: Api) -> None:
    assert _mint(api, role="provider", name="ops", provider="azure").status_code == 201
    r = _mint(api, role="provider", name="ops", provider="oci")
    assert r.status_code == 409 and r.json()["error"]["code"] == "provider_mismatch"
    assert "azure" in r.json()["error"]["message"]


def test_the_audit_names_token_and_principal(api: Api) -> None:
    made = _mint(api, role="team", name="lab").json()
    placed = api.place({"Authorization": f"Bearer {made['token']}"}, accelerator="H100", count=1)
    root_placed = api.place(api.admin, accelerator="H100", count=1)
    entries = {e["placement_id"]: e for e in api.c.get("/v1/audit", headers=api.admin).json()}
    mine = entries[placed.json()["id"]]
    assert (mine["actor"], mine["actor_id"], mine["token_id"]) == (
        "lab",
        made["principal_id"],
        made["id"],
    )
    root = entries[root_placed.json()["id"]]
    assert (root["actor"], root["actor_id"], root["token_id"]) == ("admin", 1, None)
    minted = [
        e for e in api.c.get("/v1/audit/search", headers=api.admin).json() if e["action"] == "token"
    ]
    assert minted[0]["detail"]["created_token_id"] == made["id"] and minted[0]["actor_id"] == 1


def test_revocation_is_immediate_in_this_process(api: Api) -> None:
    made = _mint(api, role="team", name="lab")
    team = _bearer(made)
    assert api.place(team, accelerator="H100", count=1).status_code == 201  # now cached
    assert api.c.get("/v1/placements", headers=team).status_code == 200
    r = api.c.delete(f"/v1/tokens/{made.json()['id']}", headers=api.admin)
    assert r.status_code == 200 and r.json()["state"] == "revoked" and r.json()["revoked_at"]
    for attempt in (
        api.place(team, accelerator="H100", count=1),  # the placement fast path
        api.c.get("/v1/placements", headers=team),
    ):
        assert attempt.status_code == 401
        err = attempt.json()["error"]
        assert err["code"] == "token_revoked" and "revoked at" in err["message"], err
    again = api.c.delete(f"/v1/tokens/{made.json()['id']}", headers=api.admin)
    assert again.status_code == 200 and again.json()["revoked_at"] == r.json()["revoked_at"]
    audit = api.c.get("/v1/audit", headers=api.admin).json()
    assert [e["detail"]["revoked_token_id"] for e in audit if e["action"] == "token_revoke"] == [
        made.json()["id"]
    ]


def test_a_team_lists_and_revokes_only_its_own_tokens(api: Api) -> None:
    one = _mint(api, role="team", name="lab")
    two = _mint(api, role="team", name="lab")
    rival = _mint(api, role="team", name="rival")
    listed = api.c.get("/v1/tokens", headers=_bearer(one)).json()
    assert [t["id"] for t in listed] == [one.json()["id"], two.json()["id"]]
    assert all("token" not in t and t["state"] == "active" for t in listed)
    everything = api.c.get("/v1/tokens", headers=api.admin).json()
    assert {t["id"] for t in everything} == {x.json()["id"] for x in (one, two, rival)}
    assert all(ADMIN not in str(t) and "gw_" not in str(t) for t in everything)
    r = api.c.delete(f"/v1/tokens/{rival.json()['id']}", headers=_bearer(one))
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_token"
    assert api.c.delete(f"/v1/tokens/{two.json()['id']}", headers=_bearer(one)).status_code == 200
    assert api.c.get("/v1/me", headers=_bearer(two)).status_code == 401
    assert api.c.get("/v1/me", headers=_bearer(one)).status_code == 200
    assert api.c.get("/v1/me", headers=_bearer(rival)).status_code == 200
    assert api.c.delete("/v1/tokens/999999", headers=api.admin).status_code == 404


def test_expired_tokens_are_refused_saying_so(api: Api) -> None:
    made = _mint(api, role="team", name="lab", ttl_seconds=1)
    assert made.status_code == 201 and made.json()["expires_at"] is not None
    team = _bearer(made)
    assert api.c.get("/v1/me", headers=team).status_code == 200
    while time.time() < _epoch(made.json()["expires_at"]) + 0.05:
        time.sleep(0.05)
    for attempt in (
        api.place(team, accelerator="H100", count=1),
        api.c.get("/v1/me", headers=team),
    ):
        assert attempt.status_code == 401
        err = attempt.json()["error"]
        assert err["code"] == "token_expired" and "expired at" in err["message"], err
    listed = api.c.get("/v1/tokens", headers=api.admin).json()
    assert [t["state"] for t in listed] == ["expired"]


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ttl_seconds": 0}, "ttl_seconds"),
        ({"ttl_seconds": 10, "expires_at": "2030-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "2030-01-01T00:00:00"}, "expires_at"),
        ({"expires_at": "2999-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_bad_expiries_are_refused(api: Api, body: dict[str, Any], field: str) -> None:
    r = _mint(api, role="team", name="lab", **body)
    assert r.status_code == 422 and r.json()["error"]["field"] == field, r.text


def test_an_expiry_at_an_instant_is_kept(api: Api) -> None:
    r = _mint(api, role="team", name="lab", expires_at="2030-06-30T13:00:00+02:00")
    assert r.status_code == 201 and r.json()["expires_at"].startswith("2030-06-30T11:00:00")
    assert r.json()["state"] == "active"


def test_the_cache_serves_only_current_entries() -> None:
    """Entries die with a newer revocation version, an expiry or a stale version check."""
    cache = TokenCache()
    who = Principal(7, "team", "lab", None, 3)
    cache.observe(4, time.monotonic())
    cache.put("d", who, None, 4)
    assert cache.get("d", time.time()) == who
    cache.put("old", who, None, 3)  # read before the newest revocation: not kept
    assert cache.get("old", time.time()) is None
    cache.checked_at = time.monotonic() - MAX_STALE_S - 0.01  # the poller fell behind
    assert cache.get("d", time.time()) is None
    cache.observe(4, time.monotonic())
    assert cache.get("d", time.time()) == who
    cache.observe(5, time.monotonic())  # a revocation somewhere
    assert cache.get("d", time.time()) is None and len(cache) == 0
    cache.put("e", who, 100.0, 5)
    assert cache.get("e", 99.0) == who and cache.get("e", 100.0) is None
