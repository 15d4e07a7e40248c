"""Outbound calls to HubSpot's API on behalf of installed portals, within HubSpot's per-portal limits.

`HubSpotApiClient.request(portal_id, method, path, ...)` takes the portal's access token from the
token manager and waits for room in the portal's rate-limit window. It then sends the request and
retries it as `int_hubspot.hubspot_api.retry` decides. Each attempt:

1. takes one of the portal's concurrency slots (`max_concurrent_per_portal`);
2. waits, in arrival order, for the portal's general or search window (`PortalLimiter`) and reports
   the wait through `on_rate_limit_wait(seconds)`;
3. sends the request and corrects the general window from the `X-HubSpot-RateLimit-*` headers.

A 429 blocks the portal's window for the retry wait, so every task of that portal waits, not only the
one that got the 429. A 401 `EXPIRED_AUTHENTICATION` makes the token manager refresh the token once.
Failures raise a `HubSpotApiError` subclass, and token errors (`TenantNotInstalledError`,
`NeedsReauthError`) pass through from the token manager.

One client (one limiter) serves every task of an event loop. Build one per process, because the
limits hold per limiter: processes that call HubSpot for the same portals must split the budget.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from int_hubspot.config.oauth import OAuthSettings
from int_hubspot.hubspot_api import (
    ApiErrorBody,
    ApiRetryPolicy,
    AttemptOutcome,
    RetryAction,
    RetryDecision,
    decide_retry,
    parse_api_error,
    parse_retry_after,
)
from int_hubspot.ratelimit import GENERAL, SEARCH, LimitKind, PortalLimiter, PortalLimits, RateLimitHeaders
from int_hubspot_service.hubspot.errors import (
    HubSpotApiError,
    HubSpotApiUnavailableError,
    HubSpotAuthError,
    HubSpotNotFoundError,
    HubSpotRateLimitError,
)

__all__ = ["AccessTokenSource", "HubSpotApiClient"]

log = logging.getLogger(__name__)

# HubSpot's CRM batch endpoints accept at most 100 inputs, and search returns at most 200 per page.
MAX_BATCH_INPUTS = 100
MAX_SEARCH_LIMIT = 200

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_SEARCH_PATH = re.compile(r"^/crm/[^?]*/search$")
# Failures that happen before the request leaves this process, so HubSpot cannot have applied it.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class AccessTokenSource(Protocol):
    """Access tokens per portal, as `TokenManager` provides them."""

    async def get_access_token(self, portal_id: str) -> str: ...

    async def refresh_rejected(self, portal_id: str, rejected_token: str) -> str: ...


@dataclass(frozen=True)
class _Call:
    """One `request` call: what is sent and which window it counts against."""

    portal_id: str
    method: str
    path: str
    kind: LimitKind
    idempotent: bool
    params: Mapping[str, str] | None
    json: Any


class _PortalGate:
    """Concurrency slots and per-window queues of one portal, kept while any task uses the portal."""

    __slots__ = ("in_flight", "queues", "slots", "users")

    def __init__(self, max_concurrent: int) -> None:
        self.slots = asyncio.Semaphore(max_concurrent)
        self.queues: dict[LimitKind, asyncio.Lock] = {GENERAL: asyncio.Lock(), SEARCH: asyncio.Lock()}
        self.users = 0
        self.in_flight = 0


class HubSpotApiClient:
    """Calls HubSpot's API for installed portals within each portal's rate limits (one per process)."""

    def __init__(
        self,
        base_url: str,
        tokens: AccessTokenSource,
        *,
        limits: PortalLimits | None = None,
        max_concurrent_per_portal: int = 8,
        retry: ApiRetryPolicy | None = None,
        timeout_s: float = 10.0,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random_unit: Callable[[], float] = random.random,
        on_rate_limit_wait: Callable[[float], None] | None = None,
    ) -> None:
        if max_concurrent_per_portal < 1:
            raise ValueError(f"max_concurrent_per_portal {max_concurrent_per_portal} must be at least 1")
        self.base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._limiter = PortalLimiter(limits or PortalLimits())
        self._max_concurrent = max_concurrent_per_portal
        self._retry = retry or ApiRetryPolicy()
        # Redirects are not followed, so the bearer token is only ever sent to `base_url`.
        self._http = http or httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout_s, follow_redirects=False
        )
        self._clock = clock
        self._sleep = sleep
        self._random = random_unit
        self._on_rate_limit_wait = on_rate_limit_wait or (lambda _seconds: None)
        self._gates: dict[str, _PortalGate] = {}

    @classmethod
    def from_settings(
        cls,
        settings: OAuthSettings,
        tokens: AccessTokenSource,
        on_rate_limit_wait: Callable[[float], None] | None = None,
    ) -> HubSpotApiClient:
        """Build the client from `INT_HUBSPOT_HUBSPOT_API_URL` and the API budget settings."""
        limits = PortalLimits(
            general_limit=settings.api_rate_limit_per_10s, search_limit=settings.api_search_rate_per_s
        )
        return cls(
            settings.hubspot_api_url,
            tokens,
            limits=limits,
            max_concurrent_per_portal=settings.api_max_concurrent_per_portal,
            timeout_s=settings.http_timeout_s,
            on_rate_limit_wait=on_rate_limit_wait,
        )

    def __repr__(self) -> str:
        return f"HubSpotApiClient(base_url={self.base_url!r}, limits={self._limiter.limits!r})"

    @property
    def limiter(self) -> PortalLimiter:
        """The per-portal windows of this client, for inspection."""
        return self._limiter

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- CRM helpers ----------------------------------------------------------------------------------

    async def get_object(
        self,
        portal_id: str,
        object_type: str,
        object_id: str,
        *,
        properties: Sequence[str] = (),
        associations: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Return one CRM object (`GET /crm/v3/objects/{type}/{id}`); raise `HubSpotNotFoundError` if none."""
        params: dict[str, str] = {}
        if properties:
            params["properties"] = ",".join(properties)
        if associations:
            params["associations"] = ",".join(associations)
        path = f"/crm/v3/objects/{_segment(object_type)}/{_segment(object_id)}"
        response = await self.request(portal_id, "GET", path, params=params)
        return _json_object(response, portal_id, "GET", path)

    async def batch_read(
        self,
        portal_id: str,
        object_type: str,
        ids: Sequence[str],
        *,
        properties: Sequence[str] = (),
        id_property: str | None = None,
    ) -> dict[str, Any]:
        """Return up to 100 CRM objects by id (`POST /crm/v3/objects/{type}/batch/read`).

        HubSpot returns 207 with an `errors` list when some ids fail; the body is returned as is.
        """
        if not 1 <= len(ids) <= MAX_BATCH_INPUTS:
            raise ValueError(f"batch_read takes 1 to {MAX_BATCH_INPUTS} ids, got {len(ids)}")
        body: dict[str, Any] = {"inputs": [{"id": str(item)} for item in ids], "properties": list(properties)}
        if id_property is not None:
            body["idProperty"] = id_property
        path = f"/crm/v3/objects/{_segment(object_type)}/batch/read"
        response = await self.request(portal_id, "POST", path, json=body, idempotent=True)
        return _json_object(response, portal_id, "POST", path)

    async def search(
        self,
        portal_id: str,
        object_type: str,
        *,
        filter_groups: Sequence[Mapping[str, Any]] = (),
        properties: Sequence[str] = (),
        sorts: Sequence[Any] = (),
        query: str | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> dict[str, Any]:
        """Return one page of a CRM search (`POST /crm/v3/objects/{type}/search`), within the search limit."""
        if not 1 <= limit <= MAX_SEARCH_LIMIT:
            raise ValueError(f"search limit must be 1 to {MAX_SEARCH_LIMIT}, got {limit}")
        body: dict[str, Any] = {
            "filterGroups": list(filter_groups),
            "properties": list(properties),
            "sorts": list(sorts),
            "limit": limit,
        }
        if query is not None:
            body["query"] = query
        if after is not None:
            body["after"] = after
        path = f"/crm/v3/objects/{_segment(object_type)}/search"
        response = await self.request(portal_id, "POST", path, json=body, search=True, idempotent=True)
        return _json_object(response, portal_id, "POST", path)

    # --- generic request ------------------------------------------------------------------------------

    async def request(
        self,
        portal_id: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        search: bool | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one API request for `portal_id` and return HubSpot's 2xx response.

        `path` is relative to the API base URL and starts with `/`. `search` picks the search window
        and defaults to True for `/crm/.../search` paths. `idempotent` allows retries after 5xx and
        network errors, and defaults to True for GET, HEAD, OPTIONS, PUT and DELETE.
        Raises a `HubSpotApiError` subclass, `TenantNotInstalledError` or `NeedsReauthError`.
        """
        method = method.upper()
        if not path.startswith("/") or path.startswith("//"):
            # An absolute URL would make httpx send the bearer token to another host.
            raise ValueError(f"path {path!r} must be relative to the API base URL and start with one '/'")
        if search is None:
            search = bool(_SEARCH_PATH.match(path))
        call = _Call(
            portal_id,
            method,
            path,
            SEARCH if search else GENERAL,
            method in IDEMPOTENT_METHODS if idempotent is None else idempotent,
            params,
            json,
        )

        token = await self._tokens.get_access_token(portal_id)
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            failure: str
            try:
                response = await self._attempt(call, token)
            except httpx.TransportError as error:
                # httpx names the URL in its messages, never the request headers with the token.
                failure = f"{type(error).__name__}: {error}"
                outcome = AttemptOutcome(None, request_sent=not isinstance(error, _NOT_SENT_ERRORS))
            else:
                if response.status_code < 300:
                    return response
                error_body = parse_api_error(_json_or_none(response))
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                failure = f"status {response.status_code}: {error_body.describe()}"
                outcome = AttemptOutcome(response.status_code, error_body, retry_after)

            decision = decide_retry(
                self._retry,
                outcome,
                attempt=attempt,
                refreshed=refreshed,
                idempotent=call.idempotent,
                window_interval_s=self._limiter.interval_s(portal_id, call.kind),
                random_unit=self._random(),
            )
            if decision.action is RetryAction.FAIL:
                raise _api_error(call, outcome, decision, attempt, failure)

            if decision.action is RetryAction.REFRESH_TOKEN:
                log.info(
                    "HubSpot %s %s for portal %s: access token expired, refreshing it once "
                    "(correlationId %s)",
                    method,
                    path,
                    portal_id,
                    outcome.error.correlation_id,
                )
                token = await self._tokens.refresh_rejected(portal_id, token)
                refreshed = True
                continue

            log.warning(
                "HubSpot %s %s for portal %s failed (attempt %d of %d, %s, correlationId %s); "
                "retrying in %.2f s",
                method,
                path,
                portal_id,
                attempt,
                self._retry.max_attempts,
                failure,
                outcome.error.correlation_id,
                decision.delay_s,
            )
            if decision.portal_wide:
                # The next attempt of every task of this portal waits in the window until then.
                self._limiter.block(portal_id, call.kind, self._clock() + decision.delay_s)
            else:
                await self._sleep(decision.delay_s)

    async def _attempt(self, call: _Call, token: str) -> httpx.Response:
        portal_id = call.portal_id
        gate = self._enter(portal_id)
        try:
            async with gate.slots:
                await self._wait_for_window(portal_id, call.kind, gate)
                gate.in_flight += 1
                try:
                    response = await self._http.request(
                        call.method,
                        call.path,
                        params=call.params,
                        json=call.json,
                        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    )
                finally:
                    gate.in_flight -= 1
                self._observe(portal_id, call.kind, response, gate.in_flight)
                return response
        finally:
            self._leave(portal_id, gate)

    async def _wait_for_window(self, portal_id: str, kind: LimitKind, gate: _PortalGate) -> None:
        """Wait until the portal's window admits this request; tasks queue in arrival order."""
        queue = gate.queues[kind]
        queued = queue.locked()
        started = self._clock()
        slept = False
        async with queue:
            while (delay := self._limiter.take(portal_id, kind, self._clock())) > 0:
                slept = True
                await self._sleep(delay)
        if queued or slept:
            waited = max(self._clock() - started, 0.0)
            self._on_rate_limit_wait(waited)
            log.debug("portal %s waited %.3f s for its %s rate-limit window", portal_id, waited, kind)

    def _observe(self, portal_id: str, kind: LimitKind, response: httpx.Response, in_flight: int) -> None:
        if kind != GENERAL:
            return
        headers = RateLimitHeaders.parse(response.headers)
        if headers is None:
            return
        drained = self._limiter.observe(portal_id, headers, in_flight, self._clock())
        if drained:
            log.debug(
                "portal %s: HubSpot reports %s requests remaining, drained %d from the local window",
                portal_id,
                headers.remaining,
                drained,
            )

    def _enter(self, portal_id: str) -> _PortalGate:
        gate = self._gates.get(portal_id)
        if gate is None:
            gate = _PortalGate(self._max_concurrent)
            self._gates[portal_id] = gate
        gate.users += 1
        return gate

    def _leave(self, portal_id: str, gate: _PortalGate) -> None:
        gate.users -= 1
        if gate.users == 0:
            del self._gates[portal_id]


def _api_error(
    call: _Call, outcome: AttemptOutcome, decision: RetryDecision, attempts: int, failure: str
) -> HubSpotApiError:
    status = outcome.status
    error: ApiErrorBody = outcome.error
    message = (
        f"HubSpot {call.method} {call.path} for portal {call.portal_id} failed with {failure} "
        f"({decision.reason})"
    )
    if error.correlation_id:
        message += f", correlationId {error.correlation_id}"
    error_class: type[HubSpotApiError]
    if status is None or status in (423, 477) or status >= 500:
        error_class = HubSpotApiUnavailableError
    elif status == 429:
        error_class = HubSpotRateLimitError
    elif status in (401, 403):
        error_class = HubSpotAuthError
    elif status == 404:
        error_class = HubSpotNotFoundError
    else:
        error_class = HubSpotApiError
    return error_class(
        message,
        status=status,
        error=error,
        portal_id=call.portal_id,
        method=call.method,
        path=call.path,
        attempts=attempts,
        retry_after_s=outcome.retry_after_s,
    )


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json_object(response: httpx.Response, portal_id: str, method: str, path: str) -> dict[str, Any]:
    body = _json_or_none(response)
    if isinstance(body, dict):
        return body
    raise HubSpotApiError(
        f"HubSpot {method} {path} for portal {portal_id} returned {response.status_code} "
        "without a JSON object",
        status=response.status_code,
        error=ApiErrorBody(),
        portal_id=portal_id,
        method=method,
        path=path,
        attempts=1,
    )


def _segment(value: str) -> str:
    """Encode one path segment, so an id cannot add path segments or a query."""
    if not value:
        raise ValueError("a CRM object type or id must not be empty")
    return quote(value, safe="")
