"""`HubSpotApiClient` over real HTTP against the fake HubSpot, with tenants installed in the real Keycloak.

The fake enforces HubSpot's limits per portal (110 requests per rolling 10 s, 5 searches per second)
and records every CRM call, so the tests count 429s on the server side.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest

from int_hubspot.config.oauth import OAuthSettings
from int_hubspot_service.fake_hubspot import FakeHubSpotServer
from int_hubspot_service.hubspot.api_client import HubSpotApiClient
from int_hubspot_service.hubspot.errors import HubSpotAuthError
from int_hubspot_service.oauth.services import OAuthServices

from .conftest import fake_calls, random_portal_id, run
from .test_token_store import install

pytestmark = pytest.mark.integration

RATE_LIMIT_BODY = {
    "status": "error",
    "message": "injected rate limit",
    "errorType": "RATE_LIMIT",
    "correlationId": "injected-429",
    "policyName": "TEN_SECONDLY_ROLLING",
    "requestId": "injected",
}


def control(fake: FakeHubSpotServer, action: str, payload: dict[str, Any]) -> None:
    httpx.post(f"{fake.base_url}/_control/{action}", json=payload, timeout=5).raise_for_status()


def crm_calls(fake: FakeHubSpotServer, endpoint: str = "crm") -> list[dict[str, Any]]:
    return fake_calls(fake, endpoint)


@pytest.mark.timeout(180)
def test_portal_paced_other_unslowed(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    busy, quiet = random_portal_id(), random_portal_id()
    portal_ids.extend([busy, quiet])
    waits: list[float] = []

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        services = OAuthServices.build(settings, on_rate_limit_wait=waits.append)
        try:
            await install(services, fake_hubspot, busy)
            await install(services, fake_hubspot, quiet)
            busy_calls = [services.api.get_object(str(busy), "contacts", str(index)) for index in range(300)]
            quiet_calls = [services.api.get_object(str(quiet), "contacts", str(index)) for index in range(30)]
            busy_task = asyncio.gather(*busy_calls)
            quiet_results = await asyncio.gather(*quiet_calls)
            busy_results = await busy_task
            return busy_results, quiet_results
        finally:
            await services.aclose()

    busy_results, quiet_results = run(scenario())
    assert len(busy_results) == 300
    assert len(quiet_results) == 30
    assert {result["id"] for result in busy_results} == {str(index) for index in range(300)}

    calls = crm_calls(fake_hubspot)
    assert [call for call in calls if call["limited"]] == []
    busy_order = [index for index, call in enumerate(calls) if call["portal_id"] == busy]
    quiet_order = [index for index, call in enumerate(calls) if call["portal_id"] == quiet]
    assert len(busy_order) == 300
    assert len(quiet_order) == 30
    # The busy portal's 101st call waits for its window to roll; every quiet call came before it.
    assert max(quiet_order) < busy_order[100]
    assert waits


@pytest.mark.timeout(120)
def test_forced_429_retried(
    settings: OAuthSettings,
    fake_hubspot: FakeHubSpotServer,
    portal_ids: list[int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)
    # A 2 s window keeps the test short; the client learns it from the interval header.
    control(fake_hubspot, "configure", {"rate_limit_interval_ms": 2_000})
    waits: list[float] = []

    async def scenario() -> dict[str, Any]:
        services = OAuthServices.build(settings, on_rate_limit_wait=waits.append)
        try:
            await install(services, fake_hubspot, portal_id)
            await services.api.get_object(str(portal_id), "contacts", "1")
            control_body = {"endpoint": "crm", "status": 429, "count": 1, "body": RATE_LIMIT_BODY}
            await asyncio.to_thread(control, fake_hubspot, "fail", control_body)
            return await services.api.get_object(str(portal_id), "contacts", "2")
        finally:
            await services.aclose()

    with caplog.at_level(logging.WARNING, logger="int_hubspot_service.hubspot.api_client"):
        result = run(scenario())
    assert result["id"] == "2"
    calls = crm_calls(fake_hubspot)
    assert [call.get("injected_status") for call in calls] == [None, 429, None]
    assert "correlationId injected-429" in caplog.text
    # The 2 s window HubSpot reported plus the client's 0.5 s margin.
    assert "retrying in 2.50 s" in caplog.text
    assert len(waits) == 1


@pytest.mark.timeout(120)
def test_expired_token_refreshed_once(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def scenario() -> dict[str, Any]:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            await services.api.get_object(str(portal_id), "contacts", "1")
            await asyncio.to_thread(control, fake_hubspot, "expire", {"portal_id": portal_id})
            return await services.api.get_object(str(portal_id), "contacts", "2")
        finally:
            await services.aclose()

    assert run(scenario())["id"] == "2"
    refreshes = fake_calls(fake_hubspot, "token", grant_type="refresh_token", portal_id=portal_id)
    assert len(refreshes) == 1
    assert refreshes[0]["ok"] is True
    assert len(crm_calls(fake_hubspot)) == 2


@pytest.mark.timeout(120)
def test_revoked_token_not_refreshed(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def scenario() -> tuple[str, HubSpotAuthError]:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            token = await services.get_access_token(str(portal_id))
            await asyncio.to_thread(control, fake_hubspot, "revoke", {"portal_id": portal_id})
            with pytest.raises(HubSpotAuthError) as caught:
                await services.api.get_object(str(portal_id), "contacts", "1")
            return token, caught.value
        finally:
            await services.aclose()

    token, error = run(scenario())
    assert error.status == 401
    assert error.category == "INVALID_AUTHENTICATION"
    assert error.correlation_id
    assert token not in str(error)
    assert fake_calls(fake_hubspot, "token", grant_type="refresh_token") == []


@pytest.mark.timeout(120)
def test_search_and_batch_within_limits(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            searches = [
                services.api.search(str(portal_id), "contacts", query="example.com", limit=3)
                for _ in range(12)
            ]
            results = await asyncio.gather(*searches)
            ids = [str(index) for index in range(100)]
            batch = await services.api.batch_read(str(portal_id), "contacts", ids, properties=["email"])
            return results, batch
        finally:
            await services.aclose()

    results, batch = run(scenario())
    assert len(results) == 12
    assert all(result["total"] == 3 for result in results)
    assert batch["status"] == "COMPLETE"
    assert len(batch["results"]) == 100
    searches = fake_calls(fake_hubspot, "search", portal_id=portal_id)
    assert len(searches) == 12
    assert [call for call in searches if call["limited"]] == []


def test_client_built_from_settings(settings: OAuthSettings) -> None:
    services = OAuthServices.build(settings)
    try:
        assert isinstance(services.api, HubSpotApiClient)
        assert services.api.base_url == settings.hubspot_api_url
        assert services.api.limiter.limits.general_limit == 100
        assert services.api.limiter.limits.search_limit == 4
    finally:
        run(services.aclose())
