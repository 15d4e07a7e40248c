"""The fake HubSpot's state: issued codes and tokens, rate-limit windows, injected faults and recorded calls.

Every method takes the lock, because the HTTP server handles each request on its own thread. Bodies and
status codes follow HubSpot's 2026-03 OAuth API and its documented error and rate-limit bodies; the
message texts are the fake's own.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Behaviour", "FakeState", "Fault", "Reply", "token_fingerprint"]

# HubSpot's limits for OAuth apps per portal: 110 requests per rolling 10 s, and 5 searches per second
# outside that budget. Tests may change them through `Behaviour`.
RATE_LIMIT_MAX = 110
RATE_LIMIT_INTERVAL_MS = 10_000
SEARCH_RATE_PER_S = 5
MAX_BATCH_INPUTS = 100


def token_fingerprint(token: str) -> str:
    """Return a short SHA-256 fingerprint, so recorded calls can be matched without keeping tokens."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass
class Reply:
    """A response the HTTP layer writes: status, JSON body (or raw HTML) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None


@dataclass
class Fault:
    """An injected failure: the next `count` calls of an endpoint return `status` with `body`."""

    status: int
    count: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Behaviour:
    """Settings a test can change through `POST /_control/configure`."""

    portal_id: int = 62515
    hub_domain: str = "fake-portal.hubspot.com"
    user: str = "admin@example.com"
    app_id: int = 424242
    expires_in: int = 1800
    rotate_refresh_tokens: bool = False
    authorize_error: str | None = None
    granted_optional_scopes: bool = True
    rate_limit_max: int = RATE_LIMIT_MAX
    rate_limit_interval_ms: int = RATE_LIMIT_INTERVAL_MS
    search_rate_per_s: int = SEARCH_RATE_PER_S


@dataclass
class _Token:
    kind: str  # "access" or "refresh"
    portal_id: int
    scopes: tuple[str, ...]
    expires_at: float | None
    revoked: bool = False


class FakeState:
    """Codes, tokens, rate-limit windows, faults, delays and the call log of one fake HubSpot."""

    def __init__(self, client_id: str | None = None, client_secret: str | None = None) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every code, token, fault and recorded call, and restore the default behaviour."""
        with self._lock:
            self.behaviour = Behaviour()
            self._codes: dict[str, dict[str, Any]] = {}
            self._tokens: dict[str, _Token] = {}
            self._windows: dict[int, deque[float]] = {}
            self._search_windows: dict[int, deque[float]] = {}
            self._faults: dict[str, Fault] = {}
            self._delays: dict[str, float] = {}
            self.calls: list[dict[str, Any]] = []

    # --- control ---------------------------------------------------------------------------------

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            for key, value in changes.items():
                if not hasattr(self.behaviour, key):
                    raise ValueError(f"unknown behaviour {key!r}")
                setattr(self.behaviour, key, value)
            return dict(self.behaviour.__dict__)

    def add_fault(self, endpoint: str, fault: Fault) -> None:
        with self._lock:
            self._faults[endpoint] = fault

    def set_delay(self, endpoint: str, delay_s: float) -> None:
        with self._lock:
            self._delays[endpoint] = delay_s

    def revoke_portal(self, portal_id: int) -> int:
        """Revoke every token of a portal (as an uninstall at HubSpot does); return how many."""
        with self._lock:
            count = 0
            for token in self._tokens.values():
                if token.portal_id == portal_id and not token.revoked:
                    token.revoked = True
                    count += 1
            return count

    def expire_access_tokens(self, portal_id: int) -> int:
        with self._lock:
            count = 0
            for token in self._tokens.values():
                if token.portal_id == portal_id and token.kind == "access":
                    token.expires_at = time.time() - 1
                    count += 1
            return count

    def take_fault(self, endpoint: str) -> Reply | None:
        """Return the injected failure for `endpoint` and count it down, or None."""
        with self._lock:
            fault = self._faults.get(endpoint)
            if fault is None:
                return None
            fault.count -= 1
            if fault.count <= 0:
                del self._faults[endpoint]
        body = fault.body if fault.body is not None else _error_body("INTERNAL_ERROR", "injected failure")
        return Reply(fault.status, body, dict(fault.headers))

    def delay_of(self, endpoint: str) -> float:
        with self._lock:
            return self._delays.get(endpoint, 0.0)

    def record(self, endpoint: str, **details: Any) -> None:
        with self._lock:
            self.calls.append({"endpoint": endpoint, "at": time.time(), **details})

    def recorded_calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.calls)

    # --- OAuth -------------------------------------------------------------------------------------

    def authorize(self, params: dict[str, str]) -> Reply:
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            return Reply(400, html="<p>redirect_uri is missing or not an http(s) URL</p>")
        if self.client_id is not None and params.get("client_id") != self.client_id:
            return Reply(400, html="<p>client_id does not belong to an app</p>")
        state = params.get("state")
        behaviour = self.behaviour
        if behaviour.authorize_error:
            query = {"error": behaviour.authorize_error, "error_description": "the user declined the install"}
        else:
            scopes = tuple(params.get("scope", "").split())
            if behaviour.granted_optional_scopes:
                scopes += tuple(params.get("optional_scope", "").split())
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = {
                    "portal_id": behaviour.portal_id,
                    "scopes": scopes,
                    "redirect_uri": redirect_uri,
                    "client_id": params.get("client_id"),
                }
            query = {"code": code}
        if state is not None:
            query["state"] = state
        self.record("authorize", portal_id=behaviour.portal_id, error=behaviour.authorize_error)
        return Reply(302, headers={"Location": _with_query(redirect_uri, query)})

    def token(self, form: dict[str, str]) -> Reply:
        client_error = self._check_client(form)
        if client_error is not None:
            return client_error
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            return self._refresh(form)
        return Reply(
            400, _oauth_error("unsupported_grant_type", "BAD_GRANT_TYPE", "grant_type is not supported")
        )

    def introspect(self, form: dict[str, str]) -> Reply:
        client_error = self._check_client(form)
        if client_error is not None:
            return client_error
        value = form.get("token") or form.get("access_token") or form.get("refresh_token") or ""
        with self._lock:
            token = self._tokens.get(value)
            active = token is not None and not token.revoked and not _expired(token)
        self.record("introspect", token=token_fingerprint(value), active=active)
        if token is None or not active:
            return Reply(200, {"active": False})
        body: dict[str, Any] = {
            "active": True,
            "token_use": token.kind,
            "client_id": form.get("client_id"),
            "app_id": self.behaviour.app_id,
            "hub_id": token.portal_id,
            "hub_domain": self.behaviour.hub_domain,
            "user": self.behaviour.user,
            "user_id": 1001,
            "scopes": list(token.scopes),
            "is_private_distribution": False,
        }
        if token.kind == "access" and token.expires_at is not None:
            body["expires_in"] = max(0, int(token.expires_at - time.time()))
        return Reply(200, body)

    def revoke(self, form: dict[str, str]) -> Reply:
        client_error = self._check_client(form)
        if client_error is not None:
            return client_error
        value = form.get("token") or form.get("refresh_token") or ""
        with self._lock:
            token = self._tokens.get(value)
            if token is not None:
                token.revoked = True
        self.record(
            "revoke",
            token=token_fingerprint(value),
            known=token is not None,
            portal_id=None if token is None else token.portal_id,
            token_use=None if token is None else token.kind,
        )
        return Reply(200, {})

    # --- CRM -----------------------------------------------------------------------------------------

    def crm_object(self, authorization: str | None, object_type: str, object_id: str) -> Reply:
        token, rejected = self._authenticate(authorization)
        if rejected is not None:
            return rejected
        assert token is not None
        limited, headers = self._take_rate_limit(token.portal_id)
        self.record("crm", portal_id=token.portal_id, object_type=object_type, limited=limited)
        if limited:
            return Reply(429, self._ten_secondly_body(), headers)
        return Reply(200, _crm_object(object_id), headers)

    def crm_batch_read(self, authorization: str | None, object_type: str, body: Any) -> Reply:
        token, rejected = self._authenticate(authorization)
        if rejected is not None:
            return rejected
        assert token is not None
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not all(
            isinstance(item, dict) and "id" in item for item in inputs
        ):
            return Reply(400, _error_body("VALIDATION_ERROR", "inputs must be a list of objects with an id"))
        if len(inputs) > MAX_BATCH_INPUTS:
            return Reply(400, _error_body("VALIDATION_ERROR", f"at most {MAX_BATCH_INPUTS} inputs per batch"))
        limited, headers = self._take_rate_limit(token.portal_id)
        self.record(
            "crm", portal_id=token.portal_id, object_type=object_type, limited=limited, batch=len(inputs)
        )
        if limited:
            return Reply(429, self._ten_secondly_body(), headers)
        results = [_crm_object(str(item["id"])) for item in inputs]
        now = "2026-01-01T00:00:00Z"
        return Reply(
            200, {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}, headers
        )

    def crm_search(self, authorization: str | None, object_type: str, body: Any) -> Reply:
        """Return a page of results; searches count apart from the 10 s budget and get no limit headers."""
        token, rejected = self._authenticate(authorization)
        if rejected is not None:
            return rejected
        assert token is not None
        limit = body.get("limit", 10) if isinstance(body, dict) else 10
        if not isinstance(limit, int) or not 1 <= limit <= 200:
            return Reply(400, _error_body("VALIDATION_ERROR", "limit must be an integer from 1 to 200"))
        limited = self._take_search_limit(token.portal_id)
        self.record("search", portal_id=token.portal_id, object_type=object_type, limited=limited)
        if limited:
            body_429 = {
                "status": "error",
                "message": "You have reached your secondly limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": str(uuid.uuid4()),
                "policyName": "SECONDLY",
                "requestId": str(uuid.uuid4()),
            }
            return Reply(429, body_429)
        results = [_crm_object(str(index + 1)) for index in range(min(limit, 3))]
        return Reply(200, {"total": len(results), "results": results})

    def _authenticate(self, authorization: str | None) -> tuple[_Token | None, Reply | None]:
        value = (authorization or "").removeprefix("Bearer ").strip()
        with self._lock:
            token = self._tokens.get(value)
        if token is None or token.kind != "access" or token.revoked:
            return None, Reply(401, _error_body("INVALID_AUTHENTICATION", "the access token is not valid"))
        if _expired(token):
            ago = int(time.time() - (token.expires_at or 0))
            body = _error_body("EXPIRED_AUTHENTICATION", f"the OAuth access token expired {ago} s ago")
            return None, Reply(401, body)
        return token, None

    def _ten_secondly_body(self) -> dict[str, Any]:
        behaviour = self.behaviour
        return {
            "status": "error",
            "message": (
                f"rate limit of {behaviour.rate_limit_max} requests per "
                f"{behaviour.rate_limit_interval_ms} ms reached for this portal"
            ),
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": "TEN_SECONDLY_ROLLING",
            "requestId": str(uuid.uuid4()),
        }

    # --- helpers -------------------------------------------------------------------------------------

    def _check_client(self, form: dict[str, str]) -> Reply | None:
        if not form.get("client_id") or not form.get("client_secret"):
            return Reply(
                400, _oauth_error("invalid_client", "BAD_CLIENT_ID", "client credentials are missing")
            )
        if self.client_id is not None and form["client_id"] != self.client_id:
            return Reply(400, _oauth_error("invalid_client", "BAD_CLIENT_ID", "client_id is not known"))
        if self.client_secret is not None and form["client_secret"] != self.client_secret:
            return Reply(400, _oauth_error("invalid_client", "BAD_CLIENT_ID", "client_secret does not match"))
        return None

    def _exchange_code(self, form: dict[str, str]) -> Reply:
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)
        if grant is None:
            self.record("token", grant_type="authorization_code", ok=False)
            return Reply(
                400,
                _oauth_error("invalid_grant", "BAD_AUTH_CODE", "authorization code is not valid or was used"),
            )
        if grant["redirect_uri"] != form.get("redirect_uri"):
            self.record("token", grant_type="authorization_code", ok=False)
            return Reply(
                400, _oauth_error("invalid_grant", "BAD_REDIRECT_URI", "redirect_uri does not match")
            )
        refresh_token = self._issue("refresh", grant["portal_id"], grant["scopes"])
        access_token = self._issue("access", grant["portal_id"], grant["scopes"])
        self.record("token", grant_type="authorization_code", ok=True, portal_id=grant["portal_id"])
        return Reply(200, self._token_body(access_token, refresh_token, grant["portal_id"], grant["scopes"]))

    def _refresh(self, form: dict[str, str]) -> Reply:
        value = form.get("refresh_token", "")
        with self._lock:
            token = self._tokens.get(value)
            valid = token is not None and token.kind == "refresh" and not token.revoked
        if token is None or not valid:
            self.record("token", grant_type="refresh_token", ok=False, token=token_fingerprint(value))
            body = _oauth_error(
                "invalid_grant", "BAD_REFRESH_TOKEN", "refresh token is not valid, has expired or was revoked"
            )
            return Reply(400, body)
        access_token = self._issue("access", token.portal_id, token.scopes)
        refresh_token = value
        if self.behaviour.rotate_refresh_tokens:
            refresh_token = self._issue("refresh", token.portal_id, token.scopes)
            with self._lock:
                token.revoked = True
        self.record(
            "token",
            grant_type="refresh_token",
            ok=True,
            portal_id=token.portal_id,
            token=token_fingerprint(value),
        )
        return Reply(200, self._token_body(access_token, refresh_token, token.portal_id, token.scopes))

    def _issue(self, kind: str, portal_id: int, scopes: tuple[str, ...]) -> str:
        if kind == "access":
            # Real access tokens run to several hundred characters; HubSpot recommends allowing 512.
            value = "fake-at-" + secrets.token_urlsafe(300)
            expires_at: float | None = time.time() + self.behaviour.expires_in
        else:
            value = "na1-" + str(uuid.uuid4())
            expires_at = None
        with self._lock:
            self._tokens[value] = _Token(kind, portal_id, scopes, expires_at)
        return value

    def _token_body(
        self, access_token: str, refresh_token: str, portal_id: int, scopes: tuple[str, ...]
    ) -> dict[str, Any]:
        return {
            "token_type": "bearer",
            "token_use": "access",
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_in": self.behaviour.expires_in,
            "hub_id": portal_id,
            "user_id": 1001,
            "scopes": list(scopes),
        }

    def _take_rate_limit(self, portal_id: int) -> tuple[bool, dict[str, str]]:
        maximum = self.behaviour.rate_limit_max
        interval_ms = self.behaviour.rate_limit_interval_ms
        with self._lock:
            window = self._windows.setdefault(portal_id, deque())
            limited = _take(window, maximum, interval_ms / 1000)
            remaining = maximum - len(window)
        headers = {
            "X-HubSpot-RateLimit-Max": str(maximum),
            "X-HubSpot-RateLimit-Remaining": str(max(0, remaining)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(interval_ms),
        }
        return limited, headers

    def _take_search_limit(self, portal_id: int) -> bool:
        with self._lock:
            window = self._search_windows.setdefault(portal_id, deque())
            return _take(window, self.behaviour.search_rate_per_s, 1.0)


def _take(window: deque[float], maximum: int, interval_s: float) -> bool:
    """Count one request in a rolling window; return True (limited) when `maximum` are already in it."""
    now = time.monotonic()
    while window and now - window[0] >= interval_s:
        window.popleft()
    if len(window) >= maximum:
        return True
    window.append(now)
    return False


def _crm_object(object_id: str) -> dict[str, Any]:
    return {
        "id": object_id,
        "properties": {"hs_object_id": object_id, "email": f"contact-{object_id}@example.com"},
        "createdAt": "2026-01-01T00:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z",
        "archived": False,
    }


def _expired(token: _Token) -> bool:
    return token.expires_at is not None and time.time() >= token.expires_at


def _oauth_error(error: str, status: str, description: str) -> dict[str, Any]:
    # RFC 6749 fields plus HubSpot's legacy status/message pair and a correlation id.
    return {
        "error": error,
        "error_description": description,
        "status": status,
        "message": description,
        "correlationId": str(uuid.uuid4()),
    }


def _error_body(category: str, message: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}


def _with_query(url: str, params: dict[str, str]) -> str:
    from urllib.parse import urlencode  # noqa: PLC0415

    separator = "&" if "?" in url else "?"
    return url + separator + urlencode(params)
