"""Type stub of the native extension built from `rust/` by maturin.

Import the public names from `int_hubspot.webhook` instead of this private module.
"""

from collections.abc import Sequence

# (key, value, headers, event_id): key is the portalId in decimal ASCII, value a one-event OCEL 2.0 JSON
# document, headers the Kafka record headers.
OcelRecord = tuple[bytes, bytes, list[tuple[str, bytes]], str]

# (index, reason, detail, raw, portal_id): index is the event's position in the batch, or -1 when the
# whole body is poison; raw is the exact bytes of that event (or of the whole body).
PoisonItem = tuple[int, str, str, bytes, int | None]

def verify_signature(
    *,
    version: str,
    secrets: Sequence[bytes],
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now_ms: int,
    max_age_ms: int = 300_000,
) -> int:
    """Verify one HubSpot request signature and return the index of the secret that matched.

    `uri` is the full URI as received (scheme, host, path and query). Versions v2 and v3 try the URI
    with HubSpot's twelve escapes decoded, then as received. Raises a subclass of
    `int_hubspot.webhook.errors.SignatureError` (a `ValueError`) on failure. A configuration bug
    raises a plain `ValueError` (no secrets, an empty secret, a negative `max_age_ms`) or a
    `TypeError` (one bytes value passed as `secrets`).
    """

def normalize_batch(body: bytes, received_at_ms: int) -> tuple[list[OcelRecord], list[PoisonItem]]:
    """Normalize a HubSpot webhook batch (a JSON array) into one OCEL 2.0 record per event.

    Events that cannot be normalized come back as poison items; the other events are unaffected.
    """
