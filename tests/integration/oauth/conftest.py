"""Fixtures for the OAuth tests: the real Keycloak (scripts/keycloak.sh) and an in-process fake HubSpot.

Each test uses fresh random portal ids, so tenants of earlier runs never interfere, and removes the
tenants it created.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import subprocess
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from int_hubspot.config.oauth import OAuthSettings, load_oauth_settings
from int_hubspot.config.settings import load_settings
from int_hubspot_service.fake_hubspot import FakeHubSpotServer, start_fake_hubspot
from int_hubspot_service.oauth.services import OAuthServices

ROOT = Path(__file__).resolve().parents[3]
HUBSPOT_CLIENT_ID = "fake-app-client-id"
APP_SECRET = "oauth-test-app-secret"
STATE_KEY = "oauth-test-state-key-0123456789abcdef"

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine on a fresh event loop (the tests need no pytest plugin)."""
    return asyncio.run(coroutine)


def new_token_key(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def random_portal_id() -> int:
    return 10_000_000 + secrets.randbelow(89_999_999)


@pytest.fixture(scope="session")
def keycloak_env() -> dict[str, str]:
    """Start (or reuse) the local Keycloak and return the gateway's Keycloak settings."""
    subprocess.run([str(ROOT / "scripts" / "keycloak.sh"), "start"], check=True, timeout=600)
    output = subprocess.run(
        [str(ROOT / "scripts" / "keycloak.sh"), "env"], check=True, capture_output=True, text=True, timeout=30
    ).stdout
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


@pytest.fixture(scope="session")
def keycloak_admin_password() -> str:
    return (ROOT / ".run" / "keycloak" / "admin-password").read_text().strip()


@pytest.fixture
def fake_hubspot() -> Iterator[FakeHubSpotServer]:
    server, thread = start_fake_hubspot(client_id=HUBSPOT_CLIENT_ID, client_secret=APP_SECRET)
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def oauth_environ(
    keycloak_env: dict[str, str],
    hubspot_url: str,
    public_url: str = "http://127.0.0.1:8080",
    **overrides: str,
) -> dict[str, str]:
    env = {
        "INT_HUBSPOT_CLIENT_SECRET": APP_SECRET,
        "INT_HUBSPOT_PUBLIC_URL": public_url,
        "INT_HUBSPOT_HUBSPOT_CLIENT_ID": HUBSPOT_CLIENT_ID,
        "INT_HUBSPOT_STATE_KEY": STATE_KEY,
        "INT_HUBSPOT_TOKEN_KEYS": new_token_key("k1"),
        "INT_HUBSPOT_HUBSPOT_API_URL": hubspot_url,
        "INT_HUBSPOT_HUBSPOT_APP_URL": hubspot_url,
        "INT_HUBSPOT_OAUTH_OPTIONAL_SCOPES": "crm.objects.deals.read",
        **keycloak_env,
    }
    env.update(overrides)
    return env


def oauth_settings(environ: dict[str, str]) -> OAuthSettings:
    settings = load_oauth_settings(environ, load_settings(environ))
    assert settings is not None
    return settings


@pytest.fixture
def settings(keycloak_env: dict[str, str], fake_hubspot: FakeHubSpotServer) -> OAuthSettings:
    """OAuth settings for the local Keycloak and this test's fake HubSpot."""
    return oauth_settings(oauth_environ(keycloak_env, fake_hubspot.base_url))


@pytest.fixture
def portal_ids(settings: OAuthSettings) -> Iterator[list[int]]:
    """Portal ids a test installs; their users and groups are deleted afterwards."""
    created: list[int] = []
    yield created

    async def cleanup() -> None:
        services = OAuthServices.build(settings)
        try:
            for portal_id in created:
                await services.store.delete(str(portal_id))
        finally:
            await services.aclose()

    run(cleanup())


def authorization_code(fake: FakeHubSpotServer, portal_id: int, redirect_uri: str) -> str:
    """Walk the fake's authorize page for `portal_id` and return the code it redirects with."""
    httpx.post(
        fake.base_url + "/_control/configure", json={"portal_id": portal_id}, timeout=5
    ).raise_for_status()
    response = httpx.get(
        fake.base_url + "/oauth/authorize",
        params={"client_id": HUBSPOT_CLIENT_ID, "redirect_uri": redirect_uri, "scope": "oauth", "state": "s"},
        timeout=5,
    )
    assert response.status_code == 302
    query = httpx.URL(response.headers["location"]).params
    return str(query["code"])


def fake_calls(fake: FakeHubSpotServer, endpoint: str, **match: Any) -> list[dict[str, Any]]:
    calls = httpx.get(fake.base_url + "/_control/calls", timeout=5).json()["calls"]
    return [
        call
        for call in calls
        if call["endpoint"] == endpoint and all(call.get(key) == value for key, value in match.items())
    ]


def environ_for_subprocess(environ: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **environ}
