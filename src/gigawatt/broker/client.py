"""A small HTTP client of the broker API (used by ``gigawatt broker ...``)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from gigawatt.errors import GigawattError

__all__ = ["BrokerClient", "BrokerClientError"]


class BrokerClientError(GigawattError):
    """The broker refused a request, or could not be reached.

    The exit code follows ``docs/decisions.md``: a request the broker refused as bad
    input (a 4xx answer) is the user's to fix (2); a broker that cannot be reached or
    failed itself (a 5xx answer) is a failure of the run (1).

    Attributes:
        status: HTTP status (0 when the broker was not reached).
        code: The broker's error code.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"broker said {status} {code}: {message}" if status else message)
        self.status = status
        self.code = code
        self.exit_code = 2 if 400 <= status < 500 else 1


class BrokerClient:
    """Talks to one broker with one token.

    Args:
        url: Base URL, e.g. ``http://127.0.0.1:8000``.
        token: Bearer token.
        timeout_s: Per-request timeout in seconds.
    """

    def __init__(self, url: str, token: str | None, timeout_s: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout_s)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> BrokerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise BrokerClientError(0, "unreachable", f"cannot reach the broker: {exc}") from None
        if response.status_code >= 400:
            try:
                err = response.json()["error"]
                code, message = str(err["code"]), str(err["message"])
                if err.get("field"):
                    message += f" (field {err['field']})"
            except (ValueError, KeyError, TypeError):
                code, message = "error", response.text[:500]
            raise BrokerClientError(response.status_code, code, message)
        return response.json()

    def place(
        self,
        *,
        start: str,
        end: str,
        accelerator: str | None = None,
        count: int | None = None,
        flops: float | None = None,
        tags: list[str] | None = None,
        single_site: bool = True,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Request a placement (a fresh idempotency key unless one is given)."""
        body: dict[str, Any] = {
            "tags": tags or [],
            "start": start,
            "end": end,
            "single_site": single_site,
        }
        for key, value in (("accelerator", accelerator), ("count", count), ("flops", flops)):
            if value is not None:
                body[key] = value
        key = idempotency_key or uuid.uuid4().hex
        result: dict[str, Any] = self._call(
            "POST", "/v1/placements", json=body, headers={"Idempotency-Key": key}
        )
        return result

    def placements(
        self, *, status: str | None = None, site: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Placements this token may see."""
        params = {k: v for k, v in (("status", status), ("site", site)) if v is not None}
        result: list[dict[str, Any]] = self._call(
            "GET", "/v1/placements", params={**params, "limit": limit}
        )
        return result

    def placement(self, placement_id: int) -> dict[str, Any]:
        """One placement by id."""
        result: dict[str, Any] = self._call("GET", f"/v1/placements/{placement_id}")
        return result

    def release(self, placement_id: int) -> dict[str, Any]:
        """Release a placement."""
        result: dict[str, Any] = self._call("DELETE", f"/v1/placements/{placement_id}")
        return result

    def offers(self, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Offers this token may see."""
        params: dict[str, Any] = {"limit": limit}
        if status is not None:
            params["status"] = status
        result: list[dict[str, Any]] = self._call("GET", "/v1/offers", params=params)
        return result

    def answer(self, offer_id: int, accept: bool) -> dict[str, Any]:
        """Accept or decline an offer."""
        verb = "accept" if accept else "decline"
        result: dict[str, Any] = self._call("POST", f"/v1/offers/{offer_id}/{verb}")
        return result

    def create_token(
        self,
        role: str,
        name: str,
        provider: str | None = None,
        *,
        ttl_seconds: int | None = None,
        expires_at: str | None = None,
    ) -> dict[str, Any]:
        """Create a token (admin): its id, principal and the secret (shown only here)."""
        body: dict[str, Any] = {"role": role, "name": name}
        for key, value in (
            ("provider", provider),
            ("ttl_seconds", ttl_seconds),
            ("expires_at", expires_at),
        ):
            if value is not None:
                body[key] = value
        result: dict[str, Any] = self._call("POST", "/v1/tokens", json=body)
        return result

    def tokens(self, *, limit: int = 1000) -> list[dict[str, Any]]:
        """Tokens without secrets (an admin sees all, others their own principal's)."""
        result: list[dict[str, Any]] = self._call("GET", "/v1/tokens", params={"limit": limit})
        return result

    def revoke_token(self, token_id: int) -> dict[str, Any]:
        """Revoke a token by id."""
        result: dict[str, Any] = self._call("DELETE", f"/v1/tokens/{token_id}")
        return result
