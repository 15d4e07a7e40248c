"""Tenant lifecycle records on Kafka (`hubspot.tenants`, key = portal id) and the uninstall procedure.

Downstream stores consume the topic and purge a portal's data when they read an `uninstalled` record.
A record is a JSON object: `type` (`installed` or `uninstalled`), `portal_id`, `occurred_at` (ISO 8601
UTC) and details without secrets.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from confluent_kafka import KafkaError, Producer

from int_hubspot.oauth import EnvelopeError
from int_hubspot_service.hubspot.errors import HubSpotError
from int_hubspot_service.oauth.services import OAuthServices

__all__ = ["LifecyclePublisher", "PublishError", "UninstallResult", "uninstall_tenant"]

log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    """Kafka did not acknowledge a lifecycle record."""


class LifecyclePublisher:
    """Produces lifecycle records and waits for Kafka's acknowledgement."""

    def __init__(self, bootstrap: str, topic: str, producer: Any | None = None) -> None:
        self.topic = topic
        self._producer = producer or Producer(
            {
                "bootstrap.servers": bootstrap,
                "client.id": "int-hubspot-lifecycle",
                "acks": "all",
                "enable.idempotence": True,
                "partitioner": "murmur2_random",
                "message.timeout.ms": 15_000,
            }
        )

    async def publish(self, record_type: str, portal_id: str, details: dict[str, Any]) -> None:
        """Produce one record keyed by `portal_id`; raise `PublishError` unless Kafka acknowledges it."""
        value = {
            "type": record_type,
            "portal_id": portal_id,
            "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            **details,
        }
        errors: list[KafkaError] = []

        def on_delivery(error: KafkaError | None, _message: Any) -> None:
            if error is not None:
                errors.append(error)

        self._producer.produce(
            self.topic,
            orjson.dumps(value),
            portal_id.encode(),
            headers=[("type", record_type.encode()), ("portal_id", portal_id.encode())],
            on_delivery=on_delivery,
        )
        remaining = await asyncio.get_running_loop().run_in_executor(None, self._producer.flush, 20.0)
        if remaining or errors:
            reason = errors[0].str() if errors else "not acknowledged within 20 s"
            raise PublishError(
                f"lifecycle record {record_type} of portal {portal_id} to {self.topic}: {reason}"
            )
        log.info(
            "published tenant lifecycle record %s for portal %s to %s", record_type, portal_id, self.topic
        )

    def close(self) -> None:
        self._producer.flush(5.0)


@dataclass(frozen=True)
class UninstallResult:
    """Outcome of an uninstall; `found` is False when the portal had no tenant."""

    portal_id: str
    found: bool
    revoked: bool = False
    user_deleted: bool = False
    group_deleted: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "portal_id": self.portal_id,
            "found": self.found,
            "revoked": self.revoked,
            "user_deleted": self.user_deleted,
            "group_deleted": self.group_deleted,
        }


async def uninstall_tenant(
    services: OAuthServices,
    publisher: LifecyclePublisher,
    portal_id: str,
    *,
    reason: str,
    force: bool = False,
) -> UninstallResult:
    """Revoke the refresh token at HubSpot, publish the `uninstalled` record, delete the user and group.

    The record is published before anything is deleted, so a failure leaves the tenant in place and the
    uninstall can be repeated. A failed revocation raises `HubSpotError` unless `force` is set. Raises
    `PublishError` or a `TenantStoreError` when Kafka or Keycloak fail.
    """
    async with services.locks.hold(portal_id):
        tenant = await services.store.get(portal_id)
        if tenant is None:
            # A user left without its group still has tokens, so revoke them and delete it too.
            tenant = await services.store.get_orphan(portal_id)
        if tenant is None:
            return UninstallResult(portal_id, found=False)

        revoked = False
        try:
            tokens = services.store.decrypt_tokens(tenant)
        except EnvelopeError as error:
            if not force:
                raise
            log.error(
                "uninstall of tenant %s: tokens do not decrypt, skipping revocation: %s", portal_id, error
            )
            tokens = None
        if tokens is not None:
            try:
                await services.hubspot.revoke(tokens.refresh_token)
                revoked = True
            except HubSpotError as error:
                if not force:
                    raise
                log.error(
                    "uninstall of tenant %s: revocation failed, continuing (force): %s", portal_id, error
                )

        await publisher.publish(
            "uninstalled",
            portal_id,
            {"reason": reason, "refresh_token_revoked": revoked},
        )
        user_deleted, group_deleted = await services.store.delete(portal_id)
    services.tokens.forget(portal_id)
    log.info(
        "uninstalled tenant %s (reason %s): revoked=%s user_deleted=%s group_deleted=%s",
        portal_id,
        reason,
        revoked,
        user_deleted,
        group_deleted,
    )
    return UninstallResult(portal_id, True, revoked, user_deleted, group_deleted)
