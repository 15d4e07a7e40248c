"""Attacks on the Keycloak token store, the install callback's cleanup and the admin token check.

Everything runs in process against the real Keycloak and the in-process fake HubSpot. Each test uses
fresh portal ids and deletes what it created.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from jwcrypto import jwk, jws
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakConnectionError

from int_hubspot.config.oauth import OAuthSettings
from int_hubspot_service.fake_hubspot import FakeHubSpotServer
from int_hubspot_service.http import HttpRequest
from int_hubspot_service.hubspot.errors import HubSpotGrantError
from int_hubspot_service.keycloak.realm import TENANTS_GROUP
from int_hubspot_service.keycloak.tenant_store import username_for
from int_hubspot_service.oauth.metrics import OAuthMetrics
from int_hubspot_service.oauth.routes import OAuthRoutes
from int_hubspot_service.oauth.services import OAuthServices
from int_hubspot_service.telemetry.metrics import Metrics
from int_hubspot_service.tenants.auth import AdminTokenVerifier, AuthError
from int_hubspot_service.tenants.lifecycle import LifecyclePublisher, uninstall_tenant
from int_hubspot_service.tenants.routes import TenantRoutes

from .conftest import authorization_code, random_portal_id, run
from .test_token_store import BOOTSTRAP, install

pytestmark = pytest.mark.integration


class ReadyKeycloak:
    """Readiness stub that reports Keycloak as reachable."""

    def failures(self) -> dict[str, str]:
        return {}


async def delete_group_only(services: OAuthServices, portal_id: int) -> None:
    """Leave the tenant's user without its group, as a failed install or uninstall can."""
    group = await services.admin.a_get_group_by_path(f"/{TENANTS_GROUP}/{portal_id}")
    await services.admin.a_delete_group(group["id"])


async def callback_through_routes(
    routes: OAuthRoutes, fake: FakeHubSpotServer, portal_id: int, redirect_url: str
) -> int:
    """Run /oauth/install and /oauth/callback in process with a fresh code; return the callback status."""
    started = await routes.install(HttpRequest("GET", "/oauth/install", "", {}, b"", 0))
    headers = dict(started.headers)
    state = parse_qs(urlsplit(headers["location"]).query)["state"][0]
    cookie = headers["set-cookie"].split(";")[0]
    code = await asyncio.to_thread(authorization_code, fake, portal_id, redirect_url)
    query = urlencode({"code": code, "state": state})
    finished = await routes.callback(HttpRequest("GET", "/oauth/callback", query, {"cookie": cookie}, b"", 0))
    return finished.status


def test_reinstall_removes_orphan_user(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def scenario() -> None:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            await delete_group_only(services, portal_id)
            assert await services.store.get(str(portal_id)) is None

            await install(services, fake_hubspot, portal_id)

            tenant = await services.store.get(str(portal_id))
            assert tenant is not None
            assert tenant.user_id is not None
            assert services.store.decrypt_tokens(tenant) is not None
        finally:
            await services.aclose()

    run(scenario())


def test_failed_reinstall_keeps_working_token(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def scenario() -> None:
        services = OAuthServices.build(settings)
        routes = OAuthRoutes(services, ReadyKeycloak(), OAuthMetrics(Metrics()), None)  # type: ignore[arg-type]
        try:
            first = await callback_through_routes(routes, fake_hubspot, portal_id, settings.redirect_url)
            assert first == 200

            # Keycloak stores the reinstall's user update, then fails on the group update.
            async def group_update_fails(*_args: Any, **_kwargs: Any) -> None:
                raise KeycloakConnectionError("injected: connection reset")

            real_update_group = services.admin.a_update_group
            services.admin.a_update_group = group_update_fails  # type: ignore[method-assign]
            try:
                second = await callback_through_routes(routes, fake_hubspot, portal_id, settings.redirect_url)
            finally:
                services.admin.a_update_group = real_update_group  # type: ignore[method-assign]
            assert second == 503

            tenant = await services.store.get(str(portal_id))
            assert tenant is not None
            tokens = services.store.decrypt_tokens(tenant)
            assert tokens is not None
            try:
                await services.hubspot.refresh(tokens.refresh_token)
            except HubSpotGrantError as error:
                pytest.fail(f"the stored refresh token was revoked by the failed reinstall: {error}")
        finally:
            await services.aclose()

    run(scenario())


def tenants_topic() -> str:
    """Create a fresh tenants topic on the local broker and return its name."""
    topic = f"test.oauth.tenants.{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    for future in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values():
        future.result(timeout=30)
    return topic


def test_uninstall_removes_orphan_user(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def scenario() -> None:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            await delete_group_only(services, portal_id)

            publisher = LifecyclePublisher(BOOTSTRAP, tenants_topic())
            try:
                result = await uninstall_tenant(services, publisher, str(portal_id), reason="test")
            finally:
                publisher.close()

            assert result.found is True
            assert result.user_deleted is True
            assert await services.admin.a_get_user_id(username_for(str(portal_id))) is None
        finally:
            await services.aclose()

    run(scenario())


# --- admin bearer tokens -----------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(claims: dict[str, Any], header: dict[str, Any]) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}."


@pytest.fixture
def realm_keys(settings: OAuthSettings) -> list[dict[str, Any]]:
    url = f"{settings.keycloak_url}/realms/{settings.keycloak_realm}/protocol/openid-connect/certs"
    return list(httpx.get(url, timeout=10).json()["keys"])


def admin_claims(settings: OAuthSettings, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": f"{settings.keycloak_url}/realms/{settings.keycloak_realm}",
        "exp": now + 300,
        "iat": now,
        "azp": "attacker",
        "typ": "Bearer",
        "realm_access": {"roles": [settings.keycloak_admin_role]},
    }
    claims.update(changes)
    return claims


def forged_tokens(settings: OAuthSettings, realm_keys: list[dict[str, Any]]) -> dict[str, str]:
    """Tokens an attacker without the realm's private keys can make, each claiming the admin role."""
    rsa_key = next(key for key in realm_keys if key["kty"] == "RSA" and key.get("use") == "sig")
    public_pem = jwk.JWK(**rsa_key).export_to_pem()
    claims = json.dumps(admin_claims(settings))

    tokens = {"alg_none": unsigned_token(admin_claims(settings), {"alg": "none", "kid": rsa_key["kid"]})}

    # HS256 with the realm's public key as the HMAC secret (algorithm confusion).
    hmac_key = jwk.JWK(kty="oct", k=b64url(public_pem))
    signed = jws.JWS(claims.encode())
    signed.add_signature(hmac_key, "HS256", protected=json.dumps({"alg": "HS256", "kid": rsa_key["kid"]}))
    tokens["hs256_public_key"] = signed.serialize(compact=True)

    # RS256 with the attacker's own key under the realm key's id.
    own_key = jwk.JWK.generate(kty="RSA", size=2048)
    signed = jws.JWS(claims.encode())
    signed.add_signature(own_key, "RS256", protected=json.dumps({"alg": "RS256", "kid": rsa_key["kid"]}))
    tokens["foreign_key_same_kid"] = signed.serialize(compact=True)

    # RS256 with the attacker's key embedded in the header.
    signed = jws.JWS(claims.encode())
    embedded = json.dumps({"alg": "RS256", "jwk": json.loads(own_key.export_public())})
    signed.add_signature(own_key, "RS256", protected=embedded)
    tokens["embedded_jwk"] = signed.serialize(compact=True)
    return tokens


def test_forged_admin_tokens_rejected(settings: OAuthSettings, realm_keys: list[dict[str, Any]]) -> None:
    async def scenario() -> dict[str, str]:
        verifier = AdminTokenVerifier(settings)
        outcomes: dict[str, str] = {}
        try:
            for name, token in forged_tokens(settings, realm_keys).items():
                try:
                    await verifier.verify(f"Bearer {token}")
                except AuthError:
                    outcomes[name] = "rejected"
                else:
                    outcomes[name] = "accepted"
        finally:
            await verifier.aclose()
        return outcomes

    outcomes = run(scenario())

    for name, outcome in outcomes.items():
        assert outcome == "rejected", name


def test_master_realm_token_rejected(settings: OAuthSettings, keycloak_admin_password: str) -> None:
    master = KeycloakOpenID(server_url=settings.keycloak_url, realm_name="master", client_id="admin-cli")
    token = master.token("admin", keycloak_admin_password)["access_token"]

    async def scenario() -> None:
        verifier = AdminTokenVerifier(settings)
        try:
            with pytest.raises(AuthError):
                await verifier.verify(f"Bearer {token}")
        finally:
            await verifier.aclose()

    run(scenario())


@pytest.mark.parametrize(
    "path",
    [
        "/tenants/../admin",
        "/tenants/62515/../1",
        "/tenants/-1",
        "/tenants/123456789012345678901",
        "/tenants/%36%32",
        "/tenants/\u0661\u0662",  # Arabic-Indic digits pass str.isdigit()
        "/tenants/\u00b2",
    ],
)
def test_admin_path_rejected_before_auth(settings: OAuthSettings, path: str) -> None:
    async def scenario() -> int:
        services = OAuthServices.build(settings)
        verifier = AdminTokenVerifier(settings)
        routes = TenantRoutes(
            services,
            verifier,
            ReadyKeycloak(),  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            OAuthMetrics(Metrics()),
        )
        try:
            response = await routes.status(HttpRequest("GET", path, "", {}, b"", 0))
        finally:
            await verifier.aclose()
            await services.aclose()
        return response.status

    # 404 without a token means the path was rejected before the token check and any Keycloak call.
    assert run(scenario()) == 404
