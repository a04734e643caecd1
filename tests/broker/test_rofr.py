"""The right-of-first-refusal workflow end to end: offer, accept, decline, expiry, roles."""

from __future__ import annotations

import time

import pytest
from broker_support import START, Api

pytestmark = pytest.mark.service

FRONTIER = {"accelerator": "GB200", "count": 10, "tags": ["frontier"]}
HOUR1 = "2026-01-01T01:00:00Z"


def _booked(api: Api, site: str, headers: dict[str, str]) -> int:
    rows = api.c.get(
        "/v1/capacity", params={"site": site, "start": START, "end": HOUR1}, headers=headers
    ).json()
    return sum(r["booked"] for r in rows if r["accelerator"] == "GB200")


def _offered(api: Api) -> tuple[dict[str, str], dict[str, str], dict]:  # type: ignore[type-arg]
    team = api.token("team", "frontier-team")
    azure = api.token("provider", "azure-ops", "azure")
    r = api.place(team, **FRONTIER)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "offered" and p["offered_site"] == "azure-east"
    assert p["clause"] == "microsoft[1] right_of_first_refusal" and p["offer_id"]
    assert p["site"] is None and p["offer_deadline"]
    # Both the counterparty's site and the fallback hold the capacity meanwhile.
    assert _booked(api, "azure-east", team) == 10 and _booked(api, "abilene", team) == 10
    assert api.ledger_problems() == []
    return team, azure, p


def test_accept_moves_the_placement_to_the_counterparty(api: Api) -> None:
    team, azure, p = _offered(api)
    offers = api.c.get("/v1/offers", params={"status": "pending"}, headers=azure).json()
    assert [o["id"] for o in offers] == [p["offer_id"]]
    r = api.c.post(f"/v1/offers/{p['offer_id']}/accept", headers=azure)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    got = api.c.get(f"/v1/placements/{p['id']}", headers=team).json()
    assert (got["status"], got["site"], got["provider"]) == ("placed", "azure-east", "azure")
    assert _booked(api, "azure-east", team) == 10 and _booked(api, "abilene", team) == 0
    again = api.c.post(f"/v1/offers/{p['offer_id']}/decline", headers=azure)
    assert again.status_code == 409 and again.json()["error"]["code"] == "offer_not_pending"
    audit = api.c.get("/v1/audit", headers=api.admin).json()
    assert audit[-1]["action"] == "offer_accepted"
    assert audit[-1]["clause"] == "microsoft[1] right_of_first_refusal"
    assert api.ledger_problems() == []


def test_decline_sends_it_to_the_best_other_site(api: Api) -> None:
    team, azure, p = _offered(api)
    r = api.c.post(f"/v1/offers/{p['offer_id']}/decline", headers=azure)
    assert r.status_code == 200 and r.json()["status"] == "declined"
    got = api.c.get(f"/v1/placements/{p['id']}", headers=team).json()
    assert (got["status"], got["site"]) == ("placed", "abilene")
    assert _booked(api, "azure-east", team) == 0 and _booked(api, "abilene", team) == 10
    assert api.ledger_problems() == []


def test_only_the_counterparty_answers(api: Api) -> None:
    team, _azure, p = _offered(api)
    oci = api.token("provider", "oci-ops", "oci")
    r = api.c.post(f"/v1/offers/{p['offer_id']}/accept", headers=oci)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_offer"
    assert api.c.post(f"/v1/offers/{p['offer_id']}/accept", headers=team).status_code == 403
    assert api.c.get("/v1/offers", headers=oci).json() == []
    assert [o["id"] for o in api.c.get("/v1/offers", headers=team).json()] == [p["offer_id"]]
    assert api.c.post("/v1/offers/999/accept", headers=oci).status_code == 404


def test_unanswered_offer_expires_to_the_fallback(api_factory) -> None:  # type: ignore[no-untyped-def]
    api = api_factory(offer_deadline_seconds=0.5, expiry_poll_seconds=0.1)
    team, azure, p = _offered(api)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        got = api.c.get(f"/v1/placements/{p['id']}", headers=team).json()
        if got["status"] != "offered":
            break
        time.sleep(0.1)
    assert (got["status"], got["site"]) == ("placed", "abilene")
    offer = api.c.get("/v1/offers", headers=azure).json()[0]
    assert (offer["status"], offer["answered_by"]) == ("expired", "system")
    late = api.c.post(f"/v1/offers/{p['offer_id']}/accept", headers=azure)
    assert late.status_code == 409
    assert _booked(api, "azure-east", team) == 0 and _booked(api, "abilene", team) == 10
    assert api.ledger_problems() == []


def test_late_answer_expires_the_offer(api_factory) -> None:  # type: ignore[no-untyped-def]
    api = api_factory(offer_deadline_seconds=0.3, expiry_poll_seconds=3600)
    _team, azure, p = _offered(api)
    time.sleep(0.5)
    r = api.c.post(f"/v1/offers/{p['offer_id']}/accept", headers=azure)
    assert r.status_code == 409 and "expired" in r.json()["error"]["message"]
    assert api.ledger_problems() == []


def test_counterparty_full_goes_elsewhere_citing_the_clause(api: Api) -> None:
    team = api.token("team", "frontier-team")
    assert (
        api.place(team, accelerator="GB200", count=40, tags=["api"]).json()["site"] == "azure-east"
    )
    p = api.place(team, **FRONTIER).json()
    assert (p["status"], p["site"]) == ("placed", "abilene")
    assert p["clause"] == "microsoft[1] right_of_first_refusal" and "no room" in p["reason"]


def test_counterparty_cheapest_is_placed_directly(api: Api) -> None:
    team = api.token("team", "frontier-team")
    api.place(team, accelerator="GB200", count=100)  # abilene full
    api.place(team, accelerator="GB200", count=50)  # oci full
    p = api.place(team, **FRONTIER).json()
    assert (p["status"], p["site"], p["offer_id"]) == ("placed", "azure-east", None)


def test_release_while_offered_withdraws_the_offer(api: Api) -> None:
    team, azure, p = _offered(api)
    r = api.c.delete(f"/v1/placements/{p['id']}", headers=team)
    assert r.status_code == 200 and r.json()["status"] == "released"
    assert api.c.get("/v1/offers", headers=azure).json()[0]["status"] == "withdrawn"
    assert api.c.post(f"/v1/offers/{p['offer_id']}/accept", headers=azure).status_code == 409
    assert _booked(api, "azure-east", team) == 0 and _booked(api, "abilene", team) == 0
    assert api.ledger_problems() == []


def test_drain_of_the_counterparty_site_cancels_the_offer(api: Api) -> None:
    _team, azure, p = _offered(api)
    out = api.c.post("/v1/sites/azure-east/drain", headers=api.admin).json()
    assert [(x["id"], x["status"], x["site"]) for x in out["replaced"]] == [
        (p["id"], "placed", "abilene")
    ]
    assert api.c.get("/v1/offers", headers=azure).json()[0]["status"] == "cancelled"
    assert api.ledger_problems() == []
