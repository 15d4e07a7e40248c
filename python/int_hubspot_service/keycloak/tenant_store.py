"""Tenants in Keycloak: one group per HubSpot portal and one technical user holding its encrypted tokens.

Layout in the realm:
- group `/hubspot-tenants/<portalId>` with metadata attributes (`portal_id`, `hub_domain`, `scopes`,
  `app_id`, `installed_at`, `updated_at`, `needs_reauth`, `needs_reauth_reason`);
- user `hubspot-tenant-<portalId>` (disabled, no credentials, member of that group) with the user-profile
  attributes `hubspot_portal_id`, `hubspot_access_token`, `hubspot_refresh_token` (both encrypted with
  `TokenCipher`, bound to the portal id and attribute name) and `hubspot_access_token_expires_at`.

Keycloak 24.0.4 and later replace the whole user on update, so every write reads the user, merges and
writes it back. Callers hold `TenantLocks.hold(portal_id)` around writes so no two writers overlap.
After each user write the store reads the user again and fails if a token attribute was dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from keycloak import KeycloakAdmin
from keycloak.exceptions import KeycloakError

from int_hubspot.oauth import TokenCipher, TokenResponse
from int_hubspot_service.keycloak.admin import AttributeDroppedError, TenantStoreError, status_of, store_error
from int_hubspot_service.keycloak.realm import TENANTS_GROUP

__all__ = ["Tenant", "TenantStore", "TenantTokens", "username_for"]

log = logging.getLogger(__name__)

ACCESS_TOKEN = "hubspot_access_token"  # noqa: S105 - attribute names, not secrets
REFRESH_TOKEN = "hubspot_refresh_token"  # noqa: S105
EXPIRES_AT = "hubspot_access_token_expires_at"
PORTAL_ID = "hubspot_portal_id"
ENCRYPTED_ATTRIBUTES = (ACCESS_TOKEN, REFRESH_TOKEN)


def username_for(portal_id: str) -> str:
    """Return the username of the technical user of `portal_id`."""
    return f"hubspot-tenant-{portal_id}"


@dataclass(frozen=True)
class TenantTokens:
    """Decrypted tokens of one tenant; `expires_at` is the access token's expiry in Unix seconds."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: int


@dataclass(frozen=True)
class Tenant:
    """One installed portal as stored in Keycloak; the token attributes stay encrypted."""

    portal_id: str
    group_id: str
    user_id: str | None
    hub_domain: str | None
    scopes: tuple[str, ...]
    installed_at: str | None
    updated_at: str | None
    needs_reauth: bool
    access_token_expires_at: int | None
    encrypted: dict[str, str] = field(repr=False, default_factory=dict)

    def status(self) -> dict[str, Any]:
        """Return the tenant's status without any token value."""
        return {
            "portal_id": self.portal_id,
            "hub_domain": self.hub_domain,
            "scopes": list(self.scopes),
            "installed_at": self.installed_at,
            "updated_at": self.updated_at,
            "needs_reauth": self.needs_reauth,
            "access_token_expires_at": _iso(self.access_token_expires_at),
            "has_refresh_token": REFRESH_TOKEN in self.encrypted,
        }


class TenantStore:
    """Reads and writes tenants through the gateway's Keycloak admin client."""

    def __init__(self, admin: KeycloakAdmin, cipher: TokenCipher) -> None:
        self._admin = admin
        self.cipher = cipher
        self._root_id: str | None = None

    def __repr__(self) -> str:
        return f"TenantStore(realm={self._admin.connection.realm_name!r}, cipher={self.cipher!r})"

    # --- reads -------------------------------------------------------------------------------------

    async def get(self, portal_id: str) -> Tenant | None:
        """Return the tenant of `portal_id`, or None when it is not installed."""
        group = await self._group(portal_id)
        if group is None:
            return None
        user = await self._user(portal_id)
        return _tenant_from(portal_id, group, user)

    async def get_orphan(self, portal_id: str) -> Tenant | None:
        """Return a tenant whose group is gone but whose technical user remains, or None.

        A failed install or a group deleted by hand can leave such a user, still holding encrypted
        tokens; uninstall uses this to revoke them and delete the user. Only a user that the store
        created (its `hubspot_portal_id` names this portal) counts.
        """
        if await self._group(portal_id) is not None:
            return None
        user = await self._user(portal_id)
        if user is None or _first((user.get("attributes") or {}).get(PORTAL_ID)) != portal_id:
            return None
        return _tenant_from(portal_id, {}, user)

    async def list_portal_ids(self) -> list[str]:
        """Return the portal ids of every installed tenant."""
        root_id = await self._tenants_root_id()
        try:
            children = await self._admin.a_get_group_children(root_id, {"briefRepresentation": True})
        except KeycloakError as error:
            raise store_error(error, f"listing the children of /{TENANTS_GROUP}") from error
        return sorted(str(child["name"]) for child in children)

    def decrypt_tokens(self, tenant: Tenant) -> TenantTokens | None:
        """Return the tenant's decrypted tokens, or None when it has none.

        Raises `EnvelopeError` when a value does not decrypt for this tenant (wrong key or copied value).
        """
        access = tenant.encrypted.get(ACCESS_TOKEN)
        refresh = tenant.encrypted.get(REFRESH_TOKEN)
        if access is None or refresh is None or tenant.access_token_expires_at is None:
            return None
        return TenantTokens(
            access_token=self.cipher.decrypt(access, tenant.portal_id, ACCESS_TOKEN),
            refresh_token=self.cipher.decrypt(refresh, tenant.portal_id, REFRESH_TOKEN),
            expires_at=tenant.access_token_expires_at,
        )

    # --- writes (callers hold TenantLocks.hold(portal_id)) -----------------------------------------

    async def save_install(
        self,
        portal_id: str,
        tokens: TokenResponse,
        *,
        hub_domain: str | None,
        scopes: tuple[str, ...],
        app_id: int | None,
        now_s: int,
    ) -> Tenant:
        """Create the tenant, or update it on a reinstall; a failed creation leaves nothing behind."""
        if tokens.refresh_token is None:
            raise TenantStoreError(f"the token response for portal {portal_id} carries no refresh_token")
        metadata = {
            "portal_id": portal_id,
            "hub_domain": hub_domain or "",
            "scopes": " ".join(scopes),
            "app_id": "" if app_id is None else str(app_id),
            "updated_at": _iso(now_s) or "",
            "needs_reauth": "false",
            "needs_reauth_reason": "",
        }
        token_attributes = self._token_attributes(portal_id, tokens, now_s)

        group = await self._group(portal_id)
        if group is None:
            return await self._create_tenant(
                portal_id, {**metadata, "installed_at": _iso(now_s) or ""}, token_attributes
            )

        user = await self._user(portal_id)
        if user is None:
            user = await self._create_user(portal_id, token_attributes)
        else:
            user = await self._merge_user(portal_id, user, token_attributes)
        group = await self._merge_group(portal_id, group, metadata)
        log.info("updated tenant %s on reinstall", portal_id)
        return _tenant_from(portal_id, group, user)

    async def save_tokens(self, portal_id: str, tokens: TokenResponse, now_s: int) -> Tenant:
        """Store refreshed tokens; the stored refresh token is kept when the response carries none."""
        group = await self._group(portal_id)
        user = await self._user(portal_id)
        if group is None or user is None:
            raise TenantStoreError(f"tenant {portal_id} is not installed; cannot store refreshed tokens")
        user = await self._merge_user(portal_id, user, self._token_attributes(portal_id, tokens, now_s))
        return _tenant_from(portal_id, group, user)

    async def mark_needs_reauth(self, portal_id: str, reason: str, now_s: int) -> None:
        """Flag the tenant as needing a new install; its refresh token no longer works."""
        group = await self._group(portal_id)
        if group is None:
            return
        await self._merge_group(
            portal_id,
            group,
            {"needs_reauth": "true", "needs_reauth_reason": reason[:200], "updated_at": _iso(now_s) or ""},
        )

    async def delete(self, portal_id: str) -> tuple[bool, bool]:
        """Delete the technical user and the tenant group; return whether each existed."""
        user_deleted = False
        user_id = await self._user_id(portal_id)
        if user_id is not None:
            user_deleted = await self._delete("user", user_id, portal_id)
        group_deleted = False
        group = await self._group(portal_id)
        if group is not None:
            group_deleted = await self._delete("group", str(group["id"]), portal_id)
        return user_deleted, group_deleted

    async def reencrypt(self, portal_id: str) -> bool:
        """Re-encrypt the tenant's tokens under the current key; return True when anything was rewritten."""
        user = await self._user(portal_id)
        if user is None:
            return False
        attributes = user.get("attributes") or {}
        rewritten: dict[str, str] = {}
        for name in ENCRYPTED_ATTRIBUTES:
            stored = _first(attributes.get(name))
            if stored is not None and self.cipher.needs_reencryption(stored):
                plaintext = self.cipher.decrypt(stored, portal_id, name)
                rewritten[name] = self.cipher.encrypt(plaintext, portal_id, name)
        if rewritten:
            await self._merge_user(portal_id, user, rewritten)
        return bool(rewritten)

    # --- helpers -----------------------------------------------------------------------------------

    def _token_attributes(self, portal_id: str, tokens: TokenResponse, now_s: int) -> dict[str, str]:
        attributes = {
            PORTAL_ID: portal_id,
            ACCESS_TOKEN: self.cipher.encrypt(tokens.access_token, portal_id, ACCESS_TOKEN),
            EXPIRES_AT: str(now_s + tokens.expires_in),
        }
        if tokens.refresh_token is not None:
            attributes[REFRESH_TOKEN] = self.cipher.encrypt(tokens.refresh_token, portal_id, REFRESH_TOKEN)
        return attributes

    async def _create_tenant(
        self, portal_id: str, metadata: dict[str, str], token_attributes: dict[str, str]
    ) -> Tenant:
        await self._remove_orphan_user(portal_id)
        root_id = await self._tenants_root_id()
        payload = {"name": portal_id, "attributes": {key: [value] for key, value in metadata.items()}}
        try:
            group_id = await self._admin.a_create_group(payload, parent=root_id)
        except KeycloakError as error:
            raise store_error(error, f"creating the group of tenant {portal_id}") from error
        if group_id is None:
            raise TenantStoreError(
                f"Keycloak created the group of tenant {portal_id} without returning its id"
            )
        try:
            user = await self._create_user(portal_id, token_attributes)
        except BaseException:
            # Remove the group again so that a failed install leaves nothing half-written.
            await self._delete_quietly("group", group_id, portal_id)
            raise
        group = await self._group(portal_id)
        log.info("created tenant %s", portal_id)
        return _tenant_from(portal_id, group or payload | {"id": group_id}, user)

    async def _remove_orphan_user(self, portal_id: str) -> None:
        """Delete a technical user of `portal_id` left without its group, which would block the install.

        A failed install can leave one behind: a user creation that timed out in the gateway but
        succeeded in Keycloak, or a failed cleanup delete. Only a user that the store created (its
        `hubspot_portal_id` names this portal) is deleted. Any other user with the name stops the install.
        """
        user = await self._user(portal_id)
        if user is None:
            return
        if _first((user.get("attributes") or {}).get(PORTAL_ID)) != portal_id:
            raise TenantStoreError(
                f"user {username_for(portal_id)} exists but was not created for tenant {portal_id}, which "
                f"blocks creating the user of tenant {portal_id}; remove or rename that user"
            )
        log.warning("deleting the user of tenant %s, left without its group by a failed install", portal_id)
        await self._delete("user", str(user["id"]), portal_id)

    async def _create_user(self, portal_id: str, token_attributes: dict[str, str]) -> dict[str, Any]:
        payload = {
            "username": username_for(portal_id),
            "enabled": False,
            "attributes": {key: [value] for key, value in token_attributes.items()},
            "groups": [f"/{TENANTS_GROUP}/{portal_id}"],
        }
        try:
            user_id = await self._admin.a_create_user(payload)
        except KeycloakError as error:
            raise store_error(error, f"creating the user of tenant {portal_id}") from error
        try:
            return await self._read_back(portal_id, user_id, token_attributes)
        except BaseException:
            await self._delete_quietly("user", user_id, portal_id)
            raise

    async def _merge_user(
        self, portal_id: str, user: dict[str, Any], changes: dict[str, str]
    ) -> dict[str, Any]:
        attributes = dict(user.get("attributes") or {})
        attributes.update({key: [value] for key, value in changes.items()})
        payload = {**user, "attributes": attributes}
        try:
            await self._admin.a_update_user(str(user["id"]), payload)
        except KeycloakError as error:
            raise store_error(error, f"updating the user of tenant {portal_id}") from error
        return await self._read_back(portal_id, str(user["id"]), changes)

    async def _merge_group(
        self, portal_id: str, group: dict[str, Any], changes: dict[str, str]
    ) -> dict[str, Any]:
        attributes = dict(group.get("attributes") or {})
        attributes.update({key: [value] for key, value in changes.items()})
        payload = {key: value for key, value in group.items() if key not in ("subGroups", "subGroupCount")}
        payload["attributes"] = attributes
        try:
            await self._admin.a_update_group(str(group["id"]), payload)
        except KeycloakError as error:
            raise store_error(error, f"updating the group of tenant {portal_id}") from error
        return payload

    async def _read_back(self, portal_id: str, user_id: str, expected: dict[str, str]) -> dict[str, Any]:
        try:
            user = await self._admin.a_get_user(user_id)
        except KeycloakError as error:
            raise store_error(error, f"reading back the user of tenant {portal_id}") from error
        stored = user.get("attributes") or {}
        dropped = sorted(name for name, value in expected.items() if _first(stored.get(name)) != value)
        if dropped:
            raise AttributeDroppedError(
                f"Keycloak did not store {', '.join(dropped)} for tenant {portal_id}; declare them in the "
                "realm's user profile with int-hubspot keycloak-bootstrap"
            )
        return user

    async def _group(self, portal_id: str) -> dict[str, Any] | None:
        try:
            return await self._admin.a_get_group_by_path(f"/{TENANTS_GROUP}/{portal_id}")
        except KeycloakError as error:
            if status_of(error) == 404:
                return None
            raise store_error(error, f"reading the group of tenant {portal_id}") from error

    async def _user_id(self, portal_id: str) -> str | None:
        try:
            return await self._admin.a_get_user_id(username_for(portal_id))
        except KeycloakError as error:
            raise store_error(error, f"looking up the user of tenant {portal_id}") from error

    async def _user(self, portal_id: str) -> dict[str, Any] | None:
        user_id = await self._user_id(portal_id)
        if user_id is None:
            return None
        try:
            return await self._admin.a_get_user(user_id)
        except KeycloakError as error:
            if status_of(error) == 404:
                return None
            raise store_error(error, f"reading the user of tenant {portal_id}") from error

    async def _tenants_root_id(self) -> str:
        if self._root_id is None:
            try:
                root = await self._admin.a_get_group_by_path(f"/{TENANTS_GROUP}")
            except KeycloakError as error:
                if status_of(error) == 404:
                    raise TenantStoreError(
                        f"group /{TENANTS_GROUP} is missing; run int-hubspot keycloak-bootstrap"
                    ) from error
                raise store_error(error, f"reading group /{TENANTS_GROUP}") from error
            self._root_id = str(root["id"])
        return self._root_id

    async def _delete(self, kind: str, object_id: str, portal_id: str) -> bool:
        try:
            if kind == "user":
                await self._admin.a_delete_user(object_id)
            else:
                await self._admin.a_delete_group(object_id)
        except KeycloakError as error:
            if status_of(error) == 404:
                return False
            raise store_error(error, f"deleting the {kind} of tenant {portal_id}") from error
        return True

    async def _delete_quietly(self, kind: str, object_id: str, portal_id: str) -> None:
        try:
            await self._delete(kind, object_id, portal_id)
        except TenantStoreError as error:
            log.error("could not remove the %s of a failed install of tenant %s: %s", kind, portal_id, error)


def _tenant_from(portal_id: str, group: dict[str, Any], user: dict[str, Any] | None) -> Tenant:
    metadata = group.get("attributes") or {}
    attributes = (user or {}).get("attributes") or {}
    expires_at = _first(attributes.get(EXPIRES_AT))
    encrypted = {
        name: value for name in ENCRYPTED_ATTRIBUTES if (value := _first(attributes.get(name))) is not None
    }
    return Tenant(
        portal_id=portal_id,
        group_id=str(group.get("id", "")),
        user_id=None if user is None else str(user["id"]),
        hub_domain=_first(metadata.get("hub_domain")) or None,
        scopes=tuple((_first(metadata.get("scopes")) or "").split()),
        installed_at=_first(metadata.get("installed_at")) or None,
        updated_at=_first(metadata.get("updated_at")) or None,
        needs_reauth=_first(metadata.get("needs_reauth")) == "true",
        access_token_expires_at=int(expires_at) if expires_at and expires_at.isdigit() else None,
        encrypted=encrypted,
    )


def _first(values: Any) -> str | None:
    if isinstance(values, list) and values:
        return str(values[0])
    return None


def _iso(epoch_s: int | None) -> str | None:
    if epoch_s is None:
        return None
    return datetime.fromtimestamp(epoch_s, UTC).isoformat().replace("+00:00", "Z")
