"""Attacks on the install routes without Keycloak or HubSpot: cookies, error pages, state claims.

The routes run in process against stub readiness and HubSpot clients. No test opens a connection:
the Keycloak client of `OAuthServices` connects only on first use, and no test reaches it.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from int_hubspot.config.oauth import load_oauth_settings
from int_hubspot.config.settings import load_settings
from int_hubspot.oauth import TokenResponse, TokenResponseError, parse_token_response
from int_hubspot_service.http import HttpRequest, HttpResponse
from int_hubspot_service.hubspot.errors import HubSpotUnavailableError
from int_hubspot_service.oauth.metrics import OAuthMetrics
from int_hubspot_service.oauth.routes import COOKIE_NAME, OAuthRoutes
from int_hubspot_service.oauth.services import OAuthServices
from int_hubspot_service.telemetry.metrics import Metrics

ENVIRON = {
    "INT_HUBSPOT_CLIENT_SECRET": "unit-test-app-secret",
    "INT_HUBSPOT_PUBLIC_URL": "http://127.0.0.1:8080",
    "INT_HUBSPOT_HUBSPOT_CLIENT_ID": "unit-test-client-id",
    "INT_HUBSPOT_STATE_KEY": "unit-test-state-key-0123456789abcdef",
    "INT_HUBSPOT_TOKEN_KEYS": "k1:" + base64.b64encode(b"t" * 32).decode(),
    "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET": "unit-test-keycloak-secret",
    "INT_HUBSPOT_HUBSPOT_API_URL": "http://127.0.0.1:9",
    "INT_HUBSPOT_HUBSPOT_APP_URL": "http://127.0.0.1:9",
    "INT_HUBSPOT_KEYCLOAK_URL": "http://127.0.0.1:9",
}


class StubReadiness:
    """Keycloak readiness that the test switches by hand."""

    def __init__(self) -> None:
        self.down = False

    def failures(self) -> dict[str, str]:
        return {"keycloak": "stub: down"} if self.down else {}


class UnreachableHubSpot:
    """A HubSpot client whose code exchange always fails as unreachable, and that records the calls."""

    def __init__(self) -> None:
        self.exchanges = 0

    async def exchange_code(self, code: str) -> TokenResponse:
        self.exchanges += 1
        raise HubSpotUnavailableError("stub: HubSpot unreachable")

    async def aclose(self) -> None:
        return None


@pytest.fixture
def routes() -> Iterator[tuple[OAuthRoutes, StubReadiness, UnreachableHubSpot]]:
    settings = load_oauth_settings(ENVIRON, load_settings(ENVIRON))
    assert settings is not None
    services = OAuthServices.build(settings)
    hubspot = UnreachableHubSpot()
    services.hubspot = hubspot  # type: ignore[assignment]
    readiness = StubReadiness()
    handler = OAuthRoutes(services, readiness, OAuthMetrics(Metrics()), None)  # type: ignore[arg-type]
    yield handler, readiness, hubspot
    asyncio.run(services.aclose())


def request(path: str, query: str = "", cookie: str | None = None) -> HttpRequest:
    headers = {} if cookie is None else {"cookie": cookie}
    return HttpRequest("GET", path, query, headers, b"", 0)


def start_install(handler: OAuthRoutes) -> tuple[str, str]:
    """Return the state and the install cookie's value of a fresh install."""
    response = asyncio.run(handler.install(request("/oauth/install")))
    assert response.status == 302
    location = dict(response.headers)["location"]
    state = parse_qs(urlsplit(location).query)["state"][0]
    cookie = dict(response.headers)["set-cookie"].split(";")[0]
    name, _, value = cookie.partition("=")
    assert name == COOKIE_NAME
    return state, value


def callback(handler: OAuthRoutes, params: dict[str, str], cookie: str | None) -> HttpResponse:
    return asyncio.run(handler.callback(request("/oauth/callback", urlencode(params), cookie)))


@pytest.mark.parametrize(
    "other_cookies",
    [
        'consent={"necessary":true}',  # JSON values, as consent banners store them
        "theme=dark mode",  # a space inside a value
        "name=Zoë",  # a non-ASCII value
        "beta",  # a cookie without "="
        'session="unterminated',  # an unbalanced quote
    ],
)
def test_install_cookie_beside_other_cookies(
    routes: tuple[OAuthRoutes, StubReadiness, UnreachableHubSpot], other_cookies: str
) -> None:
    handler, _, hubspot = routes
    state, browser_id = start_install(handler)

    response = callback(
        handler, {"code": "c", "state": state}, f"{other_cookies}; {COOKIE_NAME}={browser_id}"
    )

    # 502 comes from the stub HubSpot, so the state and the cookie were accepted.
    assert response.status == 502, response.body
    assert hubspot.exchanges == 1


def test_error_page_hides_unverified_text(
    routes: tuple[OAuthRoutes, StubReadiness, UnreachableHubSpot],
) -> None:
    handler, _, _ = routes
    spoof = "Your account is locked. Call +1 555 0100 and give your password"

    response = callback(handler, {"error": "access_denied", "error_description": spoof}, None)

    assert response.status == 400
    assert b"+1 555 0100" not in response.body
    assert b"access_denied" not in response.body


def test_error_page_shows_hubspot_text(
    routes: tuple[OAuthRoutes, StubReadiness, UnreachableHubSpot],
) -> None:
    handler, _, _ = routes
    state, browser_id = start_install(handler)

    response = callback(
        handler,
        {"error": "access_denied", "error_description": "the user declined", "state": state},
        f"{COOKIE_NAME}={browser_id}",
    )

    assert response.status == 400
    assert b"access_denied" in response.body
    assert b"the user declined" in response.body


def test_state_survives_keycloak_outage(
    routes: tuple[OAuthRoutes, StubReadiness, UnreachableHubSpot],
) -> None:
    handler, readiness, hubspot = routes
    state, browser_id = start_install(handler)
    cookie = f"{COOKIE_NAME}={browser_id}"

    readiness.down = True
    during = callback(handler, {"code": "c", "state": state}, cookie)
    readiness.down = False
    after = callback(handler, {"code": "c", "state": state}, cookie)
    replay = callback(handler, {"code": "c", "state": state}, cookie)

    assert during.status == 503
    # The code was never sent to HubSpot during the outage, so a reload afterwards may use it.
    assert after.status == 502, after.body
    assert hubspot.exchanges == 1
    assert replay.status == 400
    assert b"already used" in replay.body


@pytest.mark.parametrize("value", ["\u00b2", "\u0661\u0662", "\uff11\uff12"])
def test_token_response_unicode_digits(value: str) -> None:
    body = {"access_token": "a", "refresh_token": "r", "expires_in": 1800, "hub_id": value}

    with pytest.raises(TokenResponseError):
        parse_token_response(body)
