"""What a request says, read once for both code paths (issue #15).

Each case runs on the application alone and on the application behind its placement
shortcut (``fast``), with a warm token cache so that the shortcut is the one reading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from broker_support import ADMIN, START, Api

END = "2026-01-01T04:00:00Z"
BODY = {"accelerator": "H100", "count": 1, "start": START, "end": END}


@pytest.fixture(params=["fast", "app"])
def both(request: pytest.FixtureRequest, api_factory: Callable[..., Api]) -> Callable[..., Api]:
    """An api factory whose apps have the shortcut (``fast``) or not (``app``)."""

    def make(**options: Any) -> Api:
        return api_factory(fast_path=request.param == "fast", **options)

    return make


def _team(api: Api, name: str = "research") -> dict[str, str]:
    team = api.token("team", name)
    assert api.c.get("/v1/placements", headers=team).status_code == 200  # cache the token
    return team


def _post(api: Api, headers: Any, body: Any = None, content: bytes | None = None) -> Any:
    if content is not None:
        return api.c.post("/v1/placements", content=content, headers=headers)
    return api.c.post("/v1/placements", json=body, headers=headers)


def _count(api: Api) -> int:
    return len(api.c.get("/v1/placements", headers=api.admin).json())


@pytest.mark.parametrize("name", ["Idempotency-Key", "Authorization", "Content-Type"])
def test_a_repeated_singleton_header_is_a_400(both: Callable[..., Api], name: str) -> None:
    api = both()
    team = _team(api)
    headers = {**team, "Idempotency-Key": "k-first", "Content-Type": "application/json"}
    second = {
        "Idempotency-Key": "k-last",
        "Authorization": f"Bearer {ADMIN}",
        "Content-Type": "application/json",
    }[name]
    sent = [*headers.items(), (name, second)]
    r = _post(api, sent, BODY)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == {
        "code": "repeated_header",
        "message": f"send one {name} header, not several",
        "field": name,
    }
    assert _count(api) == 0  # nothing booked (the shortcut used to take the last key)
    # the application refuses them on every route, not only placements
    r = api.c.get("/v1/placements", headers=[*team.items(), ("Authorization", "Bearer x")])
    assert r.status_code == 400 and r.json()["error"]["field"] == "Authorization"


@pytest.mark.parametrize(
    "path", ["/v1/audit?limit=5&limit=500", "/v1/placements?status=placed&status=released"]
)
def test_a_repeated_query_parameter_is_a_400(both: Callable[..., Api], path: str) -> None:
    # The framework would keep one of the values silently (schemathesis found it).
    api = both()
    r = api.c.get(path, headers=api.admin)
    name = path.split("?")[1].split("=")[0]
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "repeated_parameter"
    assert r.json()["error"]["field"] == name
    assert api.c.get(path.split("&")[0], headers=api.admin).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"count": "5"}, "count"),
        ({"count": True}, "count"),
        ({"count": 5.0}, "count"),
        ({"single_site": "yes"}, "single_site"),
        ({"single_site": 1}, "single_site"),
        ({"utilization": "0.5", "count": None, "flops": 1e15}, "utilization"),
        ({"flops": "1e16", "count": None}, "flops"),
        ({"count": None, "flops": 1e15, "accelerator": None, "tags": "api"}, "tags"),
        ({"start": 1767225600}, "start"),
    ],
)
def test_no_coercion(both: Callable[..., Api], change: dict[str, Any], field: str) -> None:
    api = both()
    body = {k: v for k, v in {**BODY, **change}.items() if v is not None}
    r = _post(api, {**_team(api), "Idempotency-Key": "k"}, body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid" and err["field"] == field, err
    assert _count(api) == 0


def test_explicit_null_is_refused(both: Callable[..., Api]) -> None:
    api = both()
    r = _post(api, {**_team(api), "Idempotency-Key": "k"}, {**BODY, "flops": None})
    assert r.status_code == 422 and r.json()["error"]["field"] == "flops", r.text


@pytest.mark.parametrize(
    ("content", "field", "code"),
    [
        # the issue's body: 1e30 / (1e15 x 1e-300) overflowed to infinity in math.ceil
        (b'"flops":1e30,"utilization":1e-300', "utilization", "invalid"),
        (b'"flops":1e30,"utilization":0.01', "flops", "too_large"),
        (b'"flops":1e400', "flops", "invalid"),
        (b'"flops":-1e400', "flops", "invalid"),
        (b'"flops":NaN', "flops", "invalid"),
        (b'"flops":Infinity', "flops", "invalid"),
        (b'"flops":1e31', "flops", "invalid"),
        (b'"flops":5e-324', None, None),  # tiny but positive: one accelerator
        (b'"count":1' + b"0" * 5000 + b',"accelerator":"H100"', None, "invalid_json"),
        (b'"count":100000001,"accelerator":"H100"', "count", "invalid"),
    ],
)
def test_numbers_are_bounded(
    both: Callable[..., Api], content: bytes, field: str | None, code: str | None
) -> None:
    """Every number is bounded by the schema before it reaches arithmetic (no 500)."""
    api = both()
    raw = b'{"start":"%s","end":"%s",%s}' % (START.encode(), END.encode(), content)
    r = _post(api, {**_team(api), "Idempotency-Key": "k"}, content=raw)
    if code is None and field is None:
        assert r.status_code == 201 and r.json()["count"] == 1, r.text
        return
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert (err["code"], err["field"]) == (code, field), err


@pytest.mark.parametrize(
    ("start", "ok"),
    [
        ("2026-01-01T00:00:00Z", True),
        ("2026-01-01t00:00:00z", True),
        ("2026-01-01T00:00:00+00:00", True),
        ("2026-01-01T00:00:00.000Z", True),
        ("2026-01-01 00:00:00Z", False),
        ("2026-01-01T00:00Z", False),
        ("2026-01-01T00:00:00", False),
        ("2026-01-01", False),
        ("20260101T000000Z", False),
        ("2026-01-01T00:00:00.5Z", False),
        ("2026-01-01T01:00:00+01:00", False),
        ("2026-02-30T00:00:00Z", False),
        ("2026-01-01T24:00:00Z", False),
        ("\uff12026-01-01T00:00:00Z", False),
    ],
)
def test_rfc3339_whole_hours(both: Callable[..., Api], start: str, ok: bool) -> None:
    api = both()
    r = _post(api, {**_team(api), "Idempotency-Key": "k"}, {**BODY, "start": start})
    if ok:
        assert r.status_code == 201 and r.json()["start"] == START, r.text
    else:
        assert r.status_code == 422 and r.json()["error"]["field"] == "start", r.text


def test_past_start(both: Callable[..., Api]) -> None:
    """Start at or after the current hour; an admin may back-fill; a retry still replays."""
    early = both(now="2026-01-01T00:00:00Z")
    team = _team(early)
    first = _post(early, {**team, "Idempotency-Key": "made-in-time"}, BODY)
    assert first.status_code == 201
    early.c.__exit__(None, None, None)

    api = both(now="2026-01-01T02:00:00Z")  # two hours later, the same database
    team = {"Authorization": team["Authorization"]}
    assert api.c.get("/v1/placements", headers=team).status_code == 200
    r = _post(api, {**team, "Idempotency-Key": "late"}, BODY)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert (err["code"], err["field"]) == ("past_start", "start")
    assert "2026-01-01T02:00:00Z" in err["message"] and "backfill" in err["message"]
    # the current hour itself is fine
    now = {**BODY, "start": "2026-01-01T02:00:00Z"}
    assert _post(api, {**team, "Idempotency-Key": "now"}, now).status_code == 201
    # a team may not back-fill; an admin may
    r = _post(api, {**team, "Idempotency-Key": "bf"}, {**BODY, "backfill": True})
    assert r.status_code == 403, r.text
    r = _post(api, {**api.admin, "Idempotency-Key": "bf"}, {**BODY, "backfill": True})
    assert r.status_code == 201 and r.json()["start"] == START, r.text
    # the retry of the request made in time replays its first answer
    again = _post(api, {**team, "Idempotency-Key": "made-in-time"}, BODY)
    assert again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["Idempotency-Replayed"] == "true"
    # ... and a different request under that key is still a conflict
    other = {**BODY, "count": 2}
    assert _post(api, {**team, "Idempotency-Key": "made-in-time"}, other).status_code == 409


@pytest.mark.parametrize("path", ["/v1/placements", "/v1/tokens"])
def test_bad_json_is_the_same_422_everywhere(both: Callable[..., Api], path: str) -> None:
    api = both()
    headers = {**api.admin, "Idempotency-Key": "k", "Content-Type": "application/json"}
    r = api.c.post(path, content=b"{not json", headers=headers)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_json" and err["field"] is None
    assert err["message"].startswith("the body is not valid JSON")


def test_unknown_query_parameters_are_refused(both: Callable[..., Api]) -> None:
    api = both()
    team = _team(api)
    r = api.c.get("/v1/placements", params={"limit": 5, "colour": "red"}, headers=team)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "unknown_parameter"
    assert r.json()["error"]["field"] == "colour" and "limit" in r.json()["error"]["message"]
    r = api.c.post("/v1/placements?dry=1", json=BODY, headers={**team, "Idempotency-Key": "k"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "dry", r.text
    assert _count(api) == 0
