"""Idempotent set-up of the gateway's realm on a running Keycloak, with admin credentials.

Every step reads what exists and adds or corrects only what is missing, so running it again is safe
and a production Keycloak can be brought up to date the same way (`int-hubspot keycloak-bootstrap`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakGetError

from int_hubspot_service.keycloak.realm import (
    GATEWAY_REALM_MANAGEMENT_ROLES,
    LEASES_GROUP,
    TENANTS_GROUP,
    RealmSpec,
    gateway_client_representation,
    merge_profile,
)

__all__ = ["AdminCredentials", "bootstrap_realm"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdminCredentials:
    """A Keycloak administrator: a user (password grant) or a client with a service account."""

    server_url: str
    user_realm: str = "master"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    client_id: str = "admin-cli"
    client_secret: str | None = field(default=None, repr=False)


def bootstrap_realm(
    credentials: AdminCredentials, spec: RealmSpec, gateway_client_secret: str | None
) -> list[str]:
    """Create or correct the realm, profile, groups, admin role and gateway client; return the changes made.

    With `gateway_client_secret` the gateway client gets that secret; without it Keycloak keeps or
    generates its own, which an operator reads in the admin console.
    """
    connection = KeycloakOpenIDConnection(
        server_url=credentials.server_url,
        username=credentials.username,
        password=credentials.password,
        client_id=credentials.client_id,
        client_secret_key=credentials.client_secret,
        realm_name=credentials.user_realm,
        user_realm_name=credentials.user_realm,
        timeout=30,
    )
    admin = KeycloakAdmin(connection=connection)
    changes: list[str] = []

    if spec.realm not in {realm["realm"] for realm in admin.get_realms()}:
        admin.create_realm({"realm": spec.realm, "enabled": True})
        changes.append(f"created realm {spec.realm}")
    admin.change_current_realm(spec.realm)

    profile, changed = merge_profile(admin.get_realm_users_profile())
    if changed:
        admin.update_realm_users_profile(profile)
        changes.append("declared the token attributes in the user profile")

    existing_groups = {group["name"] for group in admin.get_groups({"briefRepresentation": True})}
    for name in (TENANTS_GROUP, LEASES_GROUP):
        if name not in existing_groups:
            admin.create_group({"name": name})
            changes.append(f"created group /{name}")

    try:
        admin.get_realm_role(spec.admin_role)
    except KeycloakGetError:
        admin.create_realm_role(
            {"name": spec.admin_role, "description": "May read tenant status and uninstall tenants."}
        )
        changes.append(f"created realm role {spec.admin_role}")

    changes.extend(_ensure_gateway_client(admin, spec, gateway_client_secret))
    for change in changes:
        log.info("keycloak bootstrap: %s", change)
    return changes


def _ensure_gateway_client(admin: KeycloakAdmin, spec: RealmSpec, secret: str | None) -> list[str]:
    changes: list[str] = []
    wanted = gateway_client_representation(spec)
    client_uuid = admin.get_client_id(spec.gateway_client_id)
    if client_uuid is None:
        payload = {**wanted, "secret": secret} if secret else wanted
        client_uuid = admin.create_client(payload)
        changes.append(f"created client {spec.gateway_client_id}")
    else:
        current = admin.get_client(client_uuid)
        drift = {key: value for key, value in wanted.items() if current.get(key) != value}
        if secret and current.get("secret") != secret:
            drift["secret"] = secret
        if drift:
            admin.update_client(client_uuid, {**current, **drift})
            changes.append(f"updated client {spec.gateway_client_id}: {', '.join(sorted(drift))}")

    management_uuid = admin.get_client_id("realm-management")
    assert management_uuid is not None, "every realm has the realm-management client"
    roles = [admin.get_client_role(management_uuid, name) for name in GATEWAY_REALM_MANAGEMENT_ROLES]

    service_user = admin.get_client_service_account_user(client_uuid)
    granted = {role["name"] for role in admin.get_client_roles_of_user(service_user["id"], management_uuid)}
    missing = [role for role in roles if role["name"] not in granted]
    if missing:
        admin.assign_client_role(service_user["id"], management_uuid, missing)
        changes.append("granted realm-management roles " + ", ".join(role["name"] for role in missing))

    mapped = {role["name"] for role in admin.get_client_roles_of_client_scope(client_uuid, management_uuid)}
    unmapped = [role for role in roles if role["name"] not in mapped]
    if unmapped:
        admin.assign_client_roles_to_client_scope(client_uuid, management_uuid, unmapped)
        changes.append("added scope mappings for " + ", ".join(role["name"] for role in unmapped))
    return changes
