"""The committed realm JSON matches the generator, and importing it gives what the bootstrap sets up."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

from int_hubspot_service.keycloak.realm import (
    GATEWAY_REALM_MANAGEMENT_ROLES,
    RealmSpec,
    default_profile_attributes,
    realm_representation,
    render_realm_json,
    token_profile_attributes,
)

pytestmark = pytest.mark.integration

REALM_FILE = Path(__file__).resolve().parents[3] / "deploy" / "keycloak" / "ameide-realm.json"


def test_realm_file_matches_generator() -> None:
    assert REALM_FILE.read_text() == render_realm_json(RealmSpec()), (
        "deploy/keycloak/ameide-realm.json is stale; run: int-hubspot keycloak-realm-json "
        "--output deploy/keycloak/ameide-realm.json"
    )


def master_admin(url: str, password: str) -> KeycloakAdmin:
    connection = KeycloakOpenIDConnection(
        server_url=url, username="admin", password=password, realm_name="master", user_realm_name="master"
    )
    return KeycloakAdmin(connection=connection)


def profile_by_name(profile: dict[str, object]) -> dict[str, dict[str, object]]:
    attributes = profile["attributes"]
    assert isinstance(attributes, list)
    return {attribute["name"]: attribute for attribute in attributes}


def test_default_profile_matches_keycloak(keycloak_env: dict[str, str], keycloak_admin_password: str) -> None:
    admin = master_admin(keycloak_env["INT_HUBSPOT_KEYCLOAK_URL"], keycloak_admin_password)
    realm = f"test-default-{secrets.token_hex(4)}"
    admin.create_realm({"realm": realm, "enabled": True})
    try:
        admin.change_current_realm(realm)
        live = profile_by_name(admin.get_realm_users_profile())
        assert live == {attribute["name"]: attribute for attribute in default_profile_attributes()}
    finally:
        admin.change_current_realm("master")
        admin.delete_realm(realm)


def test_imported_realm_agrees_with_bootstrap(
    keycloak_env: dict[str, str], keycloak_admin_password: str
) -> None:
    url = keycloak_env["INT_HUBSPOT_KEYCLOAK_URL"]
    admin = master_admin(url, keycloak_admin_password)
    bootstrapped_realm = keycloak_env["INT_HUBSPOT_KEYCLOAK_REALM"]
    imported_realm = f"test-import-{secrets.token_hex(4)}"
    spec = RealmSpec(realm=imported_realm)
    admin.create_realm(realm_representation(spec, secrets.token_urlsafe(24)))
    try:
        views = {}
        for realm in (bootstrapped_realm, imported_realm):
            admin.change_current_realm(realm)
            client_uuid = admin.get_client_id(spec.gateway_client_id)
            management_uuid = admin.get_client_id("realm-management")
            assert client_uuid is not None and management_uuid is not None
            service_user = admin.get_client_service_account_user(client_uuid)
            client = admin.get_client(client_uuid)
            profile = profile_by_name(admin.get_realm_users_profile())
            views[realm] = {
                "token_attributes": {
                    name: profile.get(name) for name in (a["name"] for a in token_profile_attributes())
                },
                "groups": sorted(group["name"] for group in admin.get_groups()),
                "admin_role": admin.get_realm_role(spec.admin_role)["name"],
                "service_roles": sorted(
                    role["name"]
                    for role in admin.get_client_roles_of_user(service_user["id"], management_uuid)
                ),
                "scope_roles": sorted(
                    role["name"]
                    for role in admin.get_client_roles_of_client_scope(client_uuid, management_uuid)
                ),
                "client": {
                    key: client.get(key)
                    for key in ("serviceAccountsEnabled", "publicClient", "fullScopeAllowed")
                },
            }
        assert views[bootstrapped_realm] == views[imported_realm]
        assert views[imported_realm]["service_roles"] == sorted(GATEWAY_REALM_MANAGEMENT_ROLES)
        assert all(views[imported_realm]["token_attributes"].values())
    finally:
        admin.change_current_realm("master")
        admin.delete_realm(imported_realm)


def test_realm_json_is_valid_json() -> None:
    document = json.loads(REALM_FILE.read_text())
    assert document["clients"][0]["secret"] == "${INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET}"
