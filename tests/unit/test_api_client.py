"""`HubSpotApiClient` against an in-memory HubSpot (httpx.MockTransport) on a fake clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from int_hubspot.ratelimit import GENERAL, RollingWindow
from int_hubspot_service.hubspot.api_client import HubSpotApiClient
from int_hubspot_service.hubspot.errors import (
    HubSpotApiError,
    HubSpotApiUnavailableError,
    HubSpotAuthError,
    HubSpotNotFoundError,
    HubSpotRateLimitError,
)

BASE_URL = "http://127.0.0.1:1"
FIRST_TOKEN = "first-access-token-abcdef"
SECOND_TOKEN = "second-access-token-uvwxyz"
RATE_LIMIT_BODY = {
    "status": "error",
    "message": "rate limit reached",
    "errorType": "RATE_LIMIT",
    "correlationId": "corr-429",
    "policyName": "TEN_SECONDLY_ROLLING",
    "requestId": "req-1",
}


class FakeClock:
    """Time that moves only when a test sleeps; one sleeper at a time keeps it meaningful."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class StubTokens:
    """Hands out FIRST_TOKEN, and SECOND_TOKEN after a refresh."""

    def __init__(self) -> None:
        self.token = FIRST_TOKEN
        self.refreshes: list[tuple[str, str]] = []

    async def get_access_token(self, portal_id: str) -> str:
        return self.token

    async def refresh_rejected(self, portal_id: str, rejected_token: str) -> str:
        self.refreshes.append((portal_id, rejected_token))
        self.token = SECOND_TOKEN
        return self.token


class FakeHubSpot:
    """Returns CRM objects with HubSpot's rate-limit headers; `script` replaces the next responses."""

    def __init__(self, clock: FakeClock, max_per_window: int = 110) -> None:
        self.clock = clock
        self.window = RollingWindow(max_per_window, 10.0)
        self.script: list[httpx.Response] = []
        self.requests: list[httpx.Request] = []
        self.limited = 0
        self.extra_used = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            return self.script.pop(0)
        wait = self.window.take(self.clock.now)
        remaining = max(self.window.remaining(self.clock.now) - self.extra_used, 0)
        headers = {
            "X-HubSpot-RateLimit-Max": str(self.window.limit),
            "X-HubSpot-RateLimit-Remaining": str(remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        }
        if wait > 0:
            self.limited += 1
            return httpx.Response(429, json=RATE_LIMIT_BODY, headers=headers)
        return httpx.Response(200, json={"id": request.url.path.rsplit("/", 1)[-1]}, headers=headers)


def make_client(
    clock: FakeClock, hubspot: FakeHubSpot, tokens: StubTokens, waits: list[float] | None = None
) -> HubSpotApiClient:
    http = httpx.AsyncClient(base_url=BASE_URL, transport=httpx.MockTransport(hubspot.handle))
    record: Callable[[float], None] = waits.append if waits is not None else lambda _s: None
    return HubSpotApiClient(
        BASE_URL,
        tokens,
        http=http,
        clock=clock,
        sleep=clock.sleep,
        random_unit=lambda: 0.0,
        on_rate_limit_wait=record,
    )


def run_client(
    scenario: Callable[[HubSpotApiClient], Any],
    clock: FakeClock,
    hubspot: FakeHubSpot,
    tokens: StubTokens,
    waits: list[float] | None = None,
) -> Any:
    async def main() -> Any:
        client = make_client(clock, hubspot, tokens, waits)
        try:
            return await scenario(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def error_response(status: int, category: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"status": "error", "message": f"{category} happened", "correlationId": f"corr-{status}"}
    body["category"] = category
    return httpx.Response(status, json=body, headers=headers or {})


def test_burst_paced_without_429() -> None:
    clock, tokens, waits = FakeClock(), StubTokens(), []
    hubspot = FakeHubSpot(clock)

    async def scenario(client: HubSpotApiClient) -> list[dict[str, Any]]:
        calls = [client.get_object("62515", "contacts", str(index)) for index in range(250)]
        return await asyncio.gather(*calls)

    results = run_client(scenario, clock, hubspot, tokens, waits)
    assert len(results) == 250
    assert hubspot.limited == 0
    assert len(hubspot.requests) == 250
    # 100 at once, 100 after 10.5 s (10 s window plus 0.5 s margin), 50 after 21 s.
    assert clock.now == 21.0
    assert waits
    assert sum(clock.sleeps) == 21.0


def test_token_sent_as_bearer() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)

    async def scenario(client: HubSpotApiClient) -> dict[str, Any]:
        return await client.get_object("62515", "contacts", "7", properties=["email", "firstname"])

    body = run_client(scenario, clock, hubspot, tokens)
    assert body == {"id": "7"}
    request = hubspot.requests[0]
    assert request.headers["Authorization"] == f"Bearer {FIRST_TOKEN}"
    assert request.url.path == "/crm/v3/objects/contacts/7"
    assert request.url.params["properties"] == "email,firstname"


def test_429_blocks_for_window() -> None:
    clock, tokens, waits = FakeClock(), StubTokens(), []
    hubspot = FakeHubSpot(clock)
    hubspot.script.append(httpx.Response(429, json=RATE_LIMIT_BODY))

    async def scenario(client: HubSpotApiClient) -> dict[str, Any]:
        return await client.get_object("62515", "contacts", "1")

    assert run_client(scenario, clock, hubspot, tokens, waits) == {"id": "1"}
    assert len(hubspot.requests) == 2
    assert clock.sleeps == [10.5]
    assert waits == [10.5]


def test_429_respects_retry_after() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    hubspot.script.append(httpx.Response(429, json=RATE_LIMIT_BODY, headers={"Retry-After": "3"}))

    async def scenario(client: HubSpotApiClient) -> dict[str, Any]:
        return await client.get_object("62515", "contacts", "1")

    run_client(scenario, clock, hubspot, tokens)
    assert clock.sleeps == [3.0]


def test_429_blocks_whole_portal() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    hubspot.script.append(httpx.Response(429, json=RATE_LIMIT_BODY))

    async def scenario(client: HubSpotApiClient) -> float:
        await client.get_object("62515", "contacts", "1")
        # The block has ended; a later call of the same portal needs no wait.
        await client.get_object("62515", "contacts", "2")
        return client.limiter.remaining("62515", GENERAL, clock.now)

    remaining = run_client(scenario, clock, hubspot, tokens)
    assert clock.sleeps == [10.5]
    assert remaining == 98


def test_daily_429_raises() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    hubspot.script.append(httpx.Response(429, json={**RATE_LIMIT_BODY, "policyName": "DAILY"}))

    async def scenario(client: HubSpotApiClient) -> None:
        await client.get_object("62515", "contacts", "1")

    with pytest.raises(HubSpotRateLimitError) as caught:
        run_client(scenario, clock, hubspot, tokens)
    assert caught.value.status == 429
    assert caught.value.policy_name == "DAILY"
    assert caught.value.correlation_id == "corr-429"
    assert len(hubspot.requests) == 1


def test_expired_token_refreshed_once() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    hubspot.script.append(error_response(401, "EXPIRED_AUTHENTICATION"))

    async def scenario(client: HubSpotApiClient) -> dict[str, Any]:
        return await client.get_object("62515", "contacts", "1")

    assert run_client(scenario, clock, hubspot, tokens) == {"id": "1"}
    assert tokens.refreshes == [("62515", FIRST_TOKEN)]
    assert hubspot.requests[1].headers["Authorization"] == f"Bearer {SECOND_TOKEN}"
    assert clock.sleeps == []


def test_expired_twice_raises() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    hubspot.script.extend([error_response(401, "EXPIRED_AUTHENTICATION")] * 2)

    async def scenario(client: HubSpotApiClient) -> None:
        await client.get_object("62515", "contacts", "1")

    with pytest.raises(HubSpotAuthError, match="still expired after a refresh"):
        run_client(scenario, clock, hubspot, tokens)
    assert len(tokens.refreshes) == 1


def test_invalid_token_not_refreshed() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    hubspot.script.append(error_response(401, "INVALID_AUTHENTICATION"))

    async def scenario(client: HubSpotApiClient) -> None:
        await client.get_object("62515", "contacts", "1")

    with pytest.raises(HubSpotAuthError) as caught:
        run_client(scenario, clock, hubspot, tokens)
    error = caught.value
    assert tokens.refreshes == []
    assert error.category == "INVALID_AUTHENTICATION"
    assert error.correlation_id == "corr-401"
    assert error.portal_id == "62515"
    for text in (str(error), repr(error), repr(error.__dict__)):
        assert FIRST_TOKEN not in text


def test_not_found_typed() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    hubspot.script.append(error_response(404, "OBJECT_NOT_FOUND"))

    async def scenario(client: HubSpotApiClient) -> None:
        await client.get_object("62515", "contacts", "404")

    with pytest.raises(HubSpotNotFoundError, match="status 404: OBJECT_NOT_FOUND"):
        run_client(scenario, clock, hubspot, tokens)


def test_server_errors_back_off() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    hubspot.script.extend([error_response(502, "BAD_GATEWAY"), error_response(504, "TIMEOUT")])

    async def scenario(client: HubSpotApiClient) -> dict[str, Any]:
        return await client.get_object("62515", "contacts", "1")

    assert run_client(scenario, clock, hubspot, tokens) == {"id": "1"}
    # Equal jitter with a draw of 0: half of 0.5 s, then half of 1 s.
    assert clock.sleeps == [0.25, 0.5]


def test_server_errors_give_up() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    hubspot.script.extend([error_response(503, "UNAVAILABLE")] * 4)

    async def scenario(client: HubSpotApiClient) -> None:
        await client.get_object("62515", "contacts", "1")

    with pytest.raises(HubSpotApiUnavailableError, match="gave up after 4 attempts") as caught:
        run_client(scenario, clock, hubspot, tokens)
    assert caught.value.attempts == 4
    assert len(hubspot.requests) == 4


def test_post_not_retried_after_500() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    hubspot.script.append(error_response(500, "INTERNAL_ERROR"))

    async def scenario(client: HubSpotApiClient) -> None:
        await client.request("62515", "POST", "/crm/v3/objects/contacts", json={"properties": {}})

    with pytest.raises(HubSpotApiUnavailableError, match="not idempotent"):
        run_client(scenario, clock, hubspot, tokens)
    assert len(hubspot.requests) == 1


def test_connect_error_retried() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    failures = [httpx.ConnectError("connection refused")]

    def handle(request: httpx.Request) -> httpx.Response:
        if failures:
            raise failures.pop()
        return hubspot.handle(request)

    async def main() -> httpx.Response:
        http = httpx.AsyncClient(base_url=BASE_URL, transport=httpx.MockTransport(handle))
        client = HubSpotApiClient(BASE_URL, tokens, http=http, clock=clock, sleep=clock.sleep)
        try:
            return await client.request("62515", "POST", "/crm/v3/objects/contacts", json={})
        finally:
            await client.aclose()

    assert asyncio.run(main()).status_code == 200
    assert len(clock.sleeps) == 1


def test_remaining_header_drains_window() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)
    # Another client of the portal has used 100 of HubSpot's 110 requests.
    hubspot.extra_used = 100

    async def scenario(client: HubSpotApiClient) -> int:
        await client.get_object("62515", "contacts", "1")
        return client.limiter.remaining("62515", GENERAL, clock.now)

    assert run_client(scenario, clock, hubspot, tokens) == 9


def test_search_uses_search_window() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)

    async def scenario(client: HubSpotApiClient) -> None:
        for _ in range(5):
            await client.search("62515", "contacts", query="example.com", limit=10)

    run_client(scenario, clock, hubspot, tokens)
    assert clock.sleeps == [0.25, 0.25, 0.25, 0.25]
    body = json.loads(hubspot.requests[0].content)
    assert body["query"] == "example.com"
    assert body["limit"] == 10
    assert hubspot.requests[0].url.path == "/crm/v3/objects/contacts/search"


def test_batch_read_body() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)

    async def scenario(client: HubSpotApiClient) -> None:
        await client.batch_read("62515", "contacts", ["1", "2"], properties=["email"])

    run_client(scenario, clock, hubspot, tokens)
    body = json.loads(hubspot.requests[0].content)
    assert body == {"inputs": [{"id": "1"}, {"id": "2"}], "properties": ["email"]}


def test_batch_read_rejects_over_100() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)

    async def scenario(client: HubSpotApiClient) -> None:
        await client.batch_read("62515", "contacts", [str(index) for index in range(101)])

    with pytest.raises(ValueError, match="1 to 100 ids, got 101"):
        run_client(scenario, clock, hubspot, tokens)


@pytest.mark.parametrize("path", ["http://example.com/crm/v3/objects/contacts", "//example.com/x", "crm/v3"])
def test_absolute_path_rejected(path: str) -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)

    async def scenario(client: HubSpotApiClient) -> None:
        await client.request("62515", "GET", path)

    with pytest.raises(ValueError, match="must be relative"):
        run_client(scenario, clock, hubspot, tokens)
    assert hubspot.requests == []


def test_object_id_encoded() -> None:
    clock, tokens = FakeClock(), StubTokens()
    hubspot = FakeHubSpot(clock)

    async def scenario(client: HubSpotApiClient) -> None:
        await client.get_object("62515", "contacts", "1/../../x?y=1")

    run_client(scenario, clock, hubspot, tokens)
    assert hubspot.requests[0].url.raw_path == b"/crm/v3/objects/contacts/1%2F..%2F..%2Fx%3Fy%3D1"


def test_client_repr_has_no_token() -> None:
    client = HubSpotApiClient(BASE_URL, StubTokens())
    assert FIRST_TOKEN not in repr(client)
    assert "127.0.0.1" in repr(client)
    asyncio.run(client.aclose())


def test_error_is_api_error() -> None:
    assert issubclass(HubSpotRateLimitError, HubSpotApiUnavailableError)
    assert issubclass(HubSpotAuthError, HubSpotApiError)
