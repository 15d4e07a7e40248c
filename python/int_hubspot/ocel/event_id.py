"""Deterministic event ids derived from an event's content.

HubSpot's `eventId` is not unique, and a retried delivery differs only in `attemptNumber`. The id is
therefore `hs:<portalId>:event:<h>`, where `<h>` is the first 32 lowercase hex digits (128 bits) of a
SHA-256 digest. The digest covers the event's canonical JSON (see `json_text`) without the top-level
`attemptNumber`.
"""

from __future__ import annotations

import hashlib

from int_hubspot.ocel.fields import Fields
from int_hubspot.ocel.json_text import canonical_members

__all__ = ["EVENT_ID_HEX_DIGITS", "event_id", "hashed_text"]

# Number of hex digits of the SHA-256 digest kept in the event id.
EVENT_ID_HEX_DIGITS = 32


def hashed_text(fields: Fields) -> str:
    """Return the canonical JSON that the event id hashes."""
    return canonical_members([(name, value) for name, value in fields.members() if name != "attemptNumber"])


def event_id(portal_id: str, fields: Fields) -> str:
    """Return the event id of an event of portal `portal_id`."""
    digest = hashlib.sha256(hashed_text(fields).encode("utf-8")).hexdigest()
    return f"hs:{portal_id}:event:{digest[:EVENT_ID_HEX_DIGITS]}"
