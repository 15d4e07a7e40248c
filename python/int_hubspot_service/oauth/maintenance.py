"""Operator tasks run from the command line: re-encryption, listing, status and uninstall of tenants."""

from __future__ import annotations

import logging
from typing import Any

from int_hubspot.config.oauth import OAuthSettings
from int_hubspot.oauth import EnvelopeError
from int_hubspot_service.keycloak.admin import TenantStoreError
from int_hubspot_service.oauth.services import OAuthServices
from int_hubspot_service.tenants.lifecycle import LifecyclePublisher, uninstall_tenant

__all__ = ["list_tenants", "reencrypt_all", "tenant_status", "uninstall"]

log = logging.getLogger(__name__)


async def reencrypt_all(settings: OAuthSettings, portal_ids: list[str] | None = None) -> tuple[int, int, int]:
    """Re-encrypt every tenant (or only `portal_ids`) under the current key, each under its write lock.

    Returns (re-encrypted, already current, failed). A tenant that fails is logged and skipped.
    """
    services = OAuthServices.build(settings)
    rewritten = unchanged = failed = 0
    try:
        for portal_id in portal_ids or await services.store.list_portal_ids():
            try:
                async with services.locks.hold(portal_id):
                    changed = await services.store.reencrypt(portal_id)
            except (TenantStoreError, EnvelopeError) as error:
                failed += 1
                log.error("re-encryption of tenant %s failed: %s", portal_id, error)
                continue
            rewritten += int(changed)
            unchanged += int(not changed)
    finally:
        await services.aclose()
    return rewritten, unchanged, failed


async def list_tenants(settings: OAuthSettings) -> list[str]:
    services = OAuthServices.build(settings)
    try:
        return await services.store.list_portal_ids()
    finally:
        await services.aclose()


async def tenant_status(settings: OAuthSettings, portal_id: str) -> dict[str, Any] | None:
    services = OAuthServices.build(settings)
    try:
        tenant = await services.store.get(portal_id)
        return None if tenant is None else tenant.status()
    finally:
        await services.aclose()


async def uninstall(settings: OAuthSettings, bootstrap: str, portal_id: str, force: bool) -> dict[str, Any]:
    services = OAuthServices.build(settings)
    publisher = LifecyclePublisher(bootstrap, settings.tenants_topic)
    try:
        result = await uninstall_tenant(services, publisher, portal_id, reason="cli_uninstall", force=force)
    finally:
        publisher.close()
        await services.aclose()
    return result.as_dict()
