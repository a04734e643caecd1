"""schemathesis against the published OpenAPI schema, with every check it has.

Every operation of the schema gets a bounded number of generated cases, valid
(positive) and invalid (negative), sent with an admin token to the application on SQLite
and on PostgreSQL; every answer is checked by all of schemathesis's checks (no server
error, statuses, content types, headers and bodies as documented, invalid data refused,
valid data accepted, authentication not ignored, ...) and every error has the broker's
error body.
"""

from __future__ import annotations

import os
from typing import Any

import jsonschema
import pytest
import schemathesis
from broker_support import ADMIN, make_app
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import FailureGroup
from schemathesis.config import SchemathesisConfig

pytestmark = [pytest.mark.service, pytest.mark.slow]

AUTH = {"Authorization": f"Bearer {ADMIN}"}
# A request the schema allows may still name what the scenario lacks (an accelerator, a
# provider), lie outside its horizon or before the present, or end before it starts
# across two fields: the broker refuses those with 422 (docs/decisions.md, Broker), so
# 422 is an expected answer to schema-valid data besides schemathesis's defaults.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)
EXAMPLES_PER_OPERATION = int(os.environ.get("GIGAWATT_SCHEMATHESIS_EXAMPLES", "40"))


def _string_parameters(spec: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(METHOD, path, name) -> the string schema of each query or path parameter."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            for param in op.get("parameters", []):
                if param["in"] not in ("query", "path"):
                    continue
                schema = param["schema"]
                for branch in schema.get("anyOf", [schema]):
                    if branch.get("type") == "string":
                        found[(method.upper(), path, param["name"])] = branch
    return found


def erased_on_the_wire(case: Any, strings: dict[tuple[str, str, str], dict[str, Any]]) -> bool:
    """Whether a "negative" case only typed a string parameter as a number that, sent as
    text, is a valid string (``site=0.0``): the server receives valid data, so accepting
    it is right. Such cases are left out rather than reported."""
    given = {**(case.query or {}), **(case.path_parameters or {})}
    for name, value in given.items():
        schema = strings.get((case.method.upper(), case.operation.path, name))
        if schema is None:
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            number = isinstance(v, (int, float)) and not isinstance(v, bool)
            if number and jsonschema.Draft202012Validator(schema).is_valid(str(v)):
                return True
    return False


def test_no_server_error(db_url: str) -> None:
    app = make_app(db_url)
    failures: list[str] = []
    with TestClient(app):  # the lifespan (offer expiry) runs as in a server
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 11

        strings = _string_parameters(app.openapi())
        calls = 0
        for operation, mode in [(op, m) for op in operations for m in GenerationMode]:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                # A query parameter with an empty list of values is not sent at all, so
                # the request is not the invalid one schemathesis meant: skip it.
                assume(not any(v == [] for v in (case.query or {}).values()))
                # (check runs within this iteration, so the loop's mode is the case's)
                negative = mode is GenerationMode.NEGATIVE  # noqa: B023
                assume(not (negative and erased_on_the_wire(case, strings)))
                nonlocal calls
                calls += 1
                response = case.call(headers=AUTH)
                where = f"{case.method} {case.formatted_path} {case.query} {case.body!r}"
                try:
                    case.validate_response(response, headers=AUTH)  # every check there is
                except FailureGroup as exc:  # one line per failure
                    found = exc.exceptions
                    failures.extend(
                        f"{where} -> {response.status_code} {response.text[:200]}: "
                        f"{type(f).__name__}: {str(f).splitlines()[0][:200]}"
                        for f in found
                    )
                if response.status_code >= 400:
                    body = response.json()
                    if set(body.get("error", {})) != {"code", "message", "field"}:
                        failures.append(f"{where}: bad error body {body}")

            try:
                check()
            except Unsatisfiable:  # nothing invalid to send (e.g. no parameters at all)
                assert mode is GenerationMode.NEGATIVE
    for line in failures:
        print(line)
    assert failures == []
    assert calls >= 400


def test_a_number_sent_as_a_valid_name_is_erased_on_the_wire(db_url: str) -> None:
    """The filter above leaves out exactly the cases it should (found by CI: site=0.0)."""

    class Case:
        method = "GET"
        path_parameters = None

        class operation:  # noqa: N801 - stands for schemathesis's operation
            path = "/v1/placements"

        def __init__(self, query: dict[str, Any]) -> None:
            self.query = query

    strings = _string_parameters(make_app(db_url).openapi())
    assert erased_on_the_wire(Case({"site": [0.0], "limit": 2}), strings)
    assert erased_on_the_wire(Case({"site": 7}), strings)
    assert not erased_on_the_wire(Case({"site": "-bad name-!"}), strings)
    assert not erased_on_the_wire(Case({"limit": 0}), strings)  # an integer parameter
    assert not erased_on_the_wire(Case({"status": 1}), strings)  # "1" is not a status
