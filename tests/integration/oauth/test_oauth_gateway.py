"""The install flow, tenant admin API and Keycloak outage through a running gateway, on both front ends."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from keycloak import KeycloakAdmin, KeycloakOpenID, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakGetError

from int_hubspot_service.fake_hubspot import FakeHubSpotServer, start_fake_hubspot
from int_hubspot_service.keycloak.realm import TENANTS_GROUP
from int_hubspot_service.keycloak.tenant_store import username_for

from ..conftest import BOOTSTRAP, SECRET, Gateway, create_topics, free_port, start_gateway, stop_gateway
from .conftest import HUBSPOT_CLIENT_ID, STATE_KEY, fake_calls, new_token_key, random_portal_id
from .test_token_store import read_topic

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "hubspot" / "samples"
ADMIN_ROLE = "hubspot-tenant-admin"


@pytest.fixture(scope="module")
def gateway_fake() -> Iterator[FakeHubSpotServer]:
    # The gateway sends the first INT_HUBSPOT_CLIENT_SECRET of the test gateways to the token endpoint.
    server, thread = start_fake_hubspot(client_id=HUBSPOT_CLIENT_ID, client_secret=SECRET)
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def tenants_topic(kafka_bootstrap: str) -> str:
    topic = f"test.oauth.tenants.{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for future in admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)]).values():
        future.result(timeout=30)
    return topic


def oauth_overrides(
    keycloak_env: dict[str, str], fake: FakeHubSpotServer, tenants_topic: str
) -> dict[str, str]:
    return {
        **keycloak_env,
        "INT_HUBSPOT_HUBSPOT_CLIENT_ID": HUBSPOT_CLIENT_ID,
        "INT_HUBSPOT_STATE_KEY": STATE_KEY,
        "INT_HUBSPOT_TOKEN_KEYS": new_token_key("k1"),
        "INT_HUBSPOT_HUBSPOT_API_URL": fake.base_url,
        "INT_HUBSPOT_HUBSPOT_APP_URL": fake.base_url,
        "INT_HUBSPOT_OAUTH_SCOPES": "oauth crm.objects.contacts.read",
        "INT_HUBSPOT_OAUTH_OPTIONAL_SCOPES": "crm.objects.deals.read",
        "INT_HUBSPOT_TENANTS_TOPIC": tenants_topic,
    }


@pytest.fixture(scope="module", params=["granian", "robyn"])
def oauth_gateway(
    request: pytest.FixtureRequest,
    kafka_bootstrap: str,
    keycloak_env: dict[str, str],
    gateway_fake: FakeHubSpotServer,
    tenants_topic: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gateway]:
    server = str(request.param)
    topics = create_topics(kafka_bootstrap, f"test.oauth.{server}")
    overrides = oauth_overrides(keycloak_env, gateway_fake, tenants_topic)
    running = start_gateway(server, topics, tmp_path_factory.mktemp(f"oauth-{server}"), **overrides)
    yield running
    stop_gateway(running)


@pytest.fixture(scope="module")
def admin_tokens(keycloak_env: dict[str, str], keycloak_admin_password: str) -> dict[str, str]:
    """Bearer tokens of two service-account clients: one with the tenant admin role, one without."""
    url, realm = keycloak_env["INT_HUBSPOT_KEYCLOAK_URL"], keycloak_env["INT_HUBSPOT_KEYCLOAK_REALM"]
    connection = KeycloakOpenIDConnection(
        server_url=url,
        username="admin",
        password=keycloak_admin_password,
        realm_name="master",
        user_realm_name="master",
    )
    admin = KeycloakAdmin(connection=connection)
    admin.change_current_realm(realm)
    tokens: dict[str, str] = {}
    for name, with_role in (("int-hubspot-test-admin", True), ("int-hubspot-test-viewer", False)):
        client_uuid = admin.get_client_id(name)
        if client_uuid is None:
            client_uuid = admin.create_client(
                {
                    "clientId": name,
                    "publicClient": False,
                    "serviceAccountsEnabled": True,
                    "standardFlowEnabled": False,
                    "fullScopeAllowed": False,
                    "secret": secrets.token_urlsafe(24),
                }
            )
            if with_role:
                role = admin.get_realm_role(ADMIN_ROLE)
                service_user = admin.get_client_service_account_user(client_uuid)
                admin.assign_realm_roles(service_user["id"], [role])
                admin.assign_realm_roles_to_client_scope(client_uuid, [role])
        secret = admin.get_client(client_uuid)["secret"]
        openid = KeycloakOpenID(server_url=url, realm_name=realm, client_id=name, client_secret_key=secret)
        tokens[name] = openid.token(grant_type="client_credentials")["access_token"]
    return {"admin": tokens["int-hubspot-test-admin"], "viewer": tokens["int-hubspot-test-viewer"]}


def walk_install(
    gateway: Gateway, fake: FakeHubSpotServer, portal_id: int
) -> tuple[httpx.Response, str, str]:
    """Run /oauth/install and the fake's authorize page; return the callback response, its URL and cookie."""
    httpx.post(
        fake.base_url + "/_control/configure", json={"portal_id": portal_id}, timeout=5
    ).raise_for_status()
    install = httpx.get(gateway.base_url + "/oauth/install", timeout=10)
    assert install.status_code == 302, install.text
    cookie = install.headers["set-cookie"].split(";")[0]
    authorize = httpx.get(install.headers["location"], timeout=10)
    assert authorize.status_code == 302
    callback_url = authorize.headers["location"]
    callback = httpx.get(callback_url, headers={"cookie": cookie}, timeout=30)
    return callback, callback_url, cookie


def keycloak_tenant(keycloak_env: dict[str, str], admin_password: str, portal_id: int) -> dict[str, Any]:
    connection = KeycloakOpenIDConnection(
        server_url=keycloak_env["INT_HUBSPOT_KEYCLOAK_URL"],
        username="admin",
        password=admin_password,
        realm_name="master",
        user_realm_name="master",
    )
    admin = KeycloakAdmin(connection=connection)
    admin.change_current_realm(keycloak_env["INT_HUBSPOT_KEYCLOAK_REALM"])
    user_id = admin.get_user_id(username_for(str(portal_id)))
    try:
        group: dict[str, Any] | None = admin.get_group_by_path(f"/{TENANTS_GROUP}/{portal_id}")
    except KeycloakGetError:
        group = None
    return {"user": None if user_id is None else admin.get_user(user_id), "group": group}


def test_install_flow_creates_tenant(
    oauth_gateway: Gateway,
    gateway_fake: FakeHubSpotServer,
    keycloak_env: dict[str, str],
    keycloak_admin_password: str,
    admin_tokens: dict[str, str],
) -> None:
    portal_id = random_portal_id()
    install = httpx.get(oauth_gateway.base_url + "/oauth/install", timeout=10)
    location = httpx.URL(install.headers["location"])
    assert location.path == "/oauth/authorize"
    assert location.params["client_id"] == HUBSPOT_CLIENT_ID
    assert location.params["redirect_uri"] == oauth_gateway.base_url + "/oauth/callback"
    assert location.params["scope"] == "oauth crm.objects.contacts.read"
    assert location.params["optional_scope"] == "crm.objects.deals.read"
    assert "%20" in str(location.query, "ascii")
    assert "HttpOnly" in install.headers["set-cookie"]

    callback, _, _ = walk_install(oauth_gateway, gateway_fake, portal_id)
    assert callback.status_code == 200, callback.text
    assert str(portal_id) in callback.text

    stored = keycloak_tenant(keycloak_env, keycloak_admin_password, portal_id)
    assert stored["user"] is not None
    assert stored["user"]["attributes"]["hubspot_refresh_token"][0].startswith("hsenc:v1:k1:")
    assert stored["group"] is not None

    status = httpx.get(
        f"{oauth_gateway.base_url}/tenants/{portal_id}",
        headers={"authorization": f"Bearer {admin_tokens['admin']}"},
        timeout=10,
    )
    assert status.status_code == 200, status.text
    body = status.json()
    assert body["portal_id"] == str(portal_id)
    assert body["needs_reauth"] is False
    assert "crm.objects.deals.read" in body["scopes"]
    assert body["access_token_expires_at"] is not None
    assert "fake-at-" not in status.text
    assert "hsenc" not in status.text

    removed = httpx.delete(
        f"{oauth_gateway.base_url}/tenants/{portal_id}",
        headers={"authorization": f"Bearer {admin_tokens['admin']}"},
        timeout=30,
    )
    assert removed.status_code == 200


def test_admin_api_needs_role(oauth_gateway: Gateway, admin_tokens: dict[str, str]) -> None:
    url = f"{oauth_gateway.base_url}/tenants/{random_portal_id()}"
    assert httpx.get(url, timeout=10).status_code == 401
    assert httpx.get(url, headers={"authorization": "Bearer not-a-jwt"}, timeout=10).status_code == 401
    forbidden = httpx.get(url, headers={"authorization": f"Bearer {admin_tokens['viewer']}"}, timeout=10)
    assert forbidden.status_code == 403
    missing = httpx.get(url, headers={"authorization": f"Bearer {admin_tokens['admin']}"}, timeout=10)
    assert missing.status_code == 404


def test_replayed_state_rejected(
    oauth_gateway: Gateway, gateway_fake: FakeHubSpotServer, admin_tokens: dict[str, str]
) -> None:
    portal_id = random_portal_id()
    first, callback_url, cookie = walk_install(oauth_gateway, gateway_fake, portal_id)
    assert first.status_code == 200
    replay = httpx.get(callback_url, headers={"cookie": cookie}, timeout=10)
    assert replay.status_code == 400
    assert "already used" in replay.text
    cleanup = httpx.delete(
        f"{oauth_gateway.base_url}/tenants/{portal_id}",
        headers={"authorization": f"Bearer {admin_tokens['admin']}"},
        timeout=30,
    )
    assert cleanup.status_code == 200


def test_bad_state_rejected(oauth_gateway: Gateway, gateway_fake: FakeHubSpotServer) -> None:
    install = httpx.get(oauth_gateway.base_url + "/oauth/install", timeout=10)
    cookie = install.headers["set-cookie"].split(";")[0]
    authorize = httpx.get(install.headers["location"], timeout=10)
    callback_url = httpx.URL(authorize.headers["location"])
    state = callback_url.params["state"]

    tampered = callback_url.copy_set_param("state", state[:-2] + ("AA" if not state.endswith("AA") else "BB"))
    assert httpx.get(tampered, headers={"cookie": cookie}, timeout=10).status_code == 400
    no_cookie = httpx.get(callback_url, timeout=10)
    assert no_cookie.status_code == 400
    assert "cookie" in no_cookie.text
    other_browser = httpx.get(callback_url, headers={"cookie": "int_hubspot_oauth=someone-else"}, timeout=10)
    assert other_browser.status_code == 400
    assert fake_calls(gateway_fake, "token", grant_type="authorization_code", ok=False) == []


def test_hubspot_error_and_unreachable(oauth_gateway: Gateway, gateway_fake: FakeHubSpotServer) -> None:
    httpx.post(
        gateway_fake.base_url + "/_control/configure", json={"authorize_error": "access_denied"}
    ).raise_for_status()
    try:
        install = httpx.get(oauth_gateway.base_url + "/oauth/install", timeout=10)
        cookie = install.headers["set-cookie"].split(";")[0]
        denied = httpx.get(
            httpx.get(install.headers["location"]).headers["location"], headers={"cookie": cookie}
        )
        assert denied.status_code == 400
        assert "access_denied" in denied.text
    finally:
        httpx.post(
            gateway_fake.base_url + "/_control/configure", json={"authorize_error": None}
        ).raise_for_status()

    fault = {"endpoint": "token", "status": 503, "count": 1}
    httpx.post(gateway_fake.base_url + "/_control/fail", json=fault).raise_for_status()
    portal_id = random_portal_id()
    failed, _, _ = walk_install(oauth_gateway, gateway_fake, portal_id)
    assert failed.status_code == 502


def test_uninstall_through_gateway(
    oauth_gateway: Gateway,
    gateway_fake: FakeHubSpotServer,
    keycloak_env: dict[str, str],
    keycloak_admin_password: str,
    admin_tokens: dict[str, str],
    tenants_topic: str,
) -> None:
    portal_id = random_portal_id()
    callback, _, _ = walk_install(oauth_gateway, gateway_fake, portal_id)
    assert callback.status_code == 200
    response = httpx.delete(
        f"{oauth_gateway.base_url}/tenants/{portal_id}",
        headers={"authorization": f"Bearer {admin_tokens['admin']}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["revoked"] is True

    stored = keycloak_tenant(keycloak_env, keycloak_admin_password, portal_id)
    assert stored["user"] is None
    assert stored["group"] is None
    revokes = fake_calls(gateway_fake, "revoke", portal_id=portal_id)
    assert len(revokes) == 1
    assert revokes[0]["known"] is True

    records = [
        orjson.loads(value) for key, value in read_topic(tenants_topic) if key == str(portal_id).encode()
    ]
    assert [record["type"] for record in records] == ["installed", "uninstalled"]


def test_keycloak_down_keeps_webhooks(
    kafka_bootstrap: str,
    keycloak_env: dict[str, str],
    gateway_fake: FakeHubSpotServer,
    tenants_topic: str,
    tmp_path: Path,
) -> None:
    unreachable = {**keycloak_env, "INT_HUBSPOT_KEYCLOAK_URL": f"http://127.0.0.1:{free_port()}"}
    overrides = oauth_overrides(unreachable, gateway_fake, tenants_topic)
    topics = create_topics(kafka_bootstrap, "test.oauth.kcdown")
    gateway = start_gateway("granian", topics, tmp_path, **overrides)
    try:
        install = httpx.get(gateway.base_url + "/oauth/install", timeout=10)
        assert install.status_code == 503
        assert install.headers["retry-after"] == "30"
        callback = httpx.get(gateway.base_url + "/oauth/callback?code=x&state=y", timeout=10)
        assert callback.status_code == 400  # the state is checked before Keycloak is needed

        webhook = gateway.post((SAMPLES / "batch-005-0.json").read_bytes())
        assert webhook.status_code == 204

        ready = httpx.get(gateway.base_url + "/ready", timeout=10)
        assert ready.status_code == 200
        assert "keycloak" in ready.json()["degraded"]
    finally:
        stop_gateway(gateway)
    assert BOOTSTRAP
