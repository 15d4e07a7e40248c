"""One writer per tenant at a time: an asyncio lock per tenant plus a lease held in Keycloak.

Within a process, coroutines of one tenant queue on an `asyncio.Lock`. Across processes and pods, the
holder owns a child group `/hubspot-tenant-leases/<portalId>`. Keycloak rejects a second child group of
the same name with 409, so creating it is an atomic test-and-set. The group carries its owner and an
expiry. A lease past its expiry is taken over by deleting it by id, which only one deleter can do
(204), and creating it again. Release deletes the lease by its id, so a writer never removes a lease
it lost.

NOTE: a holder paused for longer than the lease time (`LEASE_TTL_S`) loses the lease to the next
writer, and both may then write. Every operation done under the lease is bounded by HTTP timeouts
far below that time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
from collections.abc import AsyncIterator

from keycloak import KeycloakAdmin
from keycloak.exceptions import KeycloakError

from int_hubspot_service.keycloak.admin import (
    LeaseTimeoutError,
    TenantStoreError,
    status_of,
    store_error,
)
from int_hubspot_service.keycloak.realm import LEASES_GROUP

__all__ = ["TenantLocks"]

log = logging.getLogger(__name__)

# Longer than the worst case of a refresh under the lease: 4 attempts with 10 s timeouts and backoff.
LEASE_TTL_S = 120
POLL_INTERVAL_S = 0.2


class TenantLocks:
    """Grants exclusive write access to one tenant across coroutines, processes and pods."""

    def __init__(self, admin: KeycloakAdmin, wait_limit_s: float = 30.0) -> None:
        self._admin = admin
        self._wait_limit_s = wait_limit_s
        self._local: dict[str, asyncio.Lock] = {}
        self._leases_root_id: str | None = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    @contextlib.asynccontextmanager
    async def hold(self, portal_id: str) -> AsyncIterator[None]:
        """Hold the write lock of `portal_id` (local lock, then Keycloak lease) for the `async with` body."""
        async with self.local(portal_id), self.lease(portal_id):
            yield

    def local(self, portal_id: str) -> asyncio.Lock:
        """Return the in-process lock of `portal_id`; hold it before `lease()`."""
        return self._local.setdefault(portal_id, asyncio.Lock())

    @contextlib.asynccontextmanager
    async def lease(self, portal_id: str) -> AsyncIterator[None]:
        """Hold the Keycloak lease of `portal_id`; the caller already holds `local(portal_id)`."""
        lease_id = await self._acquire(portal_id)
        try:
            yield
        finally:
            await self._release(portal_id, lease_id)

    async def _acquire(self, portal_id: str) -> str:
        root_id = await self._root_id()
        deadline = time.monotonic() + self._wait_limit_s
        while True:
            now = time.time()
            payload = {
                "name": portal_id,
                "attributes": {"owner": [self.owner], "expires_at": [str(int(now + LEASE_TTL_S))]},
            }
            try:
                lease_id = await self._admin.a_create_group(payload, parent=root_id)
            except KeycloakError as error:
                if status_of(error) != 409:
                    raise store_error(error, f"creating the lease of tenant {portal_id}") from error
            else:
                if lease_id is None:
                    raise TenantStoreError(f"Keycloak created the lease of tenant {portal_id} without an id")
                return lease_id

            if await self._take_over_if_expired(portal_id, now):
                continue
            if time.monotonic() >= deadline:
                raise LeaseTimeoutError(
                    f"the write lease of tenant {portal_id} stayed held for {self._wait_limit_s:g} s; "
                    "another gateway process is writing this tenant"
                )
            await asyncio.sleep(POLL_INTERVAL_S * (1.0 + random.random()))  # noqa: S311 - jitter only

    async def _take_over_if_expired(self, portal_id: str, now: float) -> bool:
        """Delete the current lease when it has expired; return True when the caller should retry at once."""
        try:
            lease = await self._admin.a_get_group_by_path(f"/{LEASES_GROUP}/{portal_id}")
        except KeycloakError as error:
            if status_of(error) == 404:
                return True  # released between our create and this read
            raise store_error(error, f"reading the lease of tenant {portal_id}") from error
        attributes = lease.get("attributes") or {}
        try:
            expires_at = int((attributes.get("expires_at") or ["0"])[0])
        except ValueError:
            expires_at = 0
        if expires_at > now:
            return False
        try:
            await self._admin.a_delete_group(lease["id"])
        except KeycloakError as error:
            if status_of(error) == 404:
                return True  # another writer took it over first
            raise store_error(error, f"deleting the expired lease of tenant {portal_id}") from error
        owner = (attributes.get("owner") or ["unknown"])[0]
        log.warning("took over the expired write lease of tenant %s from %s", portal_id, owner)
        return True

    async def _release(self, portal_id: str, lease_id: str) -> None:
        try:
            await self._admin.a_delete_group(lease_id)
        except KeycloakError as error:
            if status_of(error) != 404:
                # The lease expires on its own after LEASE_TTL_S, so the next writer waits at most that long.
                log.warning("could not release the write lease of tenant %s: %s", portal_id, error)

    async def _root_id(self) -> str:
        if self._leases_root_id is None:
            try:
                root = await self._admin.a_get_group_by_path(f"/{LEASES_GROUP}")
            except KeycloakError as error:
                if status_of(error) == 404:
                    raise TenantStoreError(
                        f"group /{LEASES_GROUP} is missing; run int-hubspot keycloak-bootstrap"
                    ) from error
                raise store_error(error, f"reading group /{LEASES_GROUP}") from error
            self._leases_root_id = str(root["id"])
        return self._leases_root_id
