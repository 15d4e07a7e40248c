"""HubSpot's URI decode table, and the candidate URIs that signature versions v2 and v3 try.

HubSpot's v3 documentation lists twelve percent-escapes that the receiver decodes before it signs the
URI. Nothing else is decoded: `%20`, `%25`, `%26` and every other escape stay as received, because
HubSpot does not document what it does with them. Lowercase hex (`%3a`) is decoded too, since RFC 3986
section 2.1 makes the case of percent-encoding hex digits insignificant.

The native implementation (`rust/src/signature/uri.rs`) follows the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

__all__ = ["DECODE_TABLE", "candidate_uris", "decode_hubspot_escapes"]

# The twelve escapes that HubSpot decodes, keyed by their hex digits in uppercase.
DECODE_TABLE: Final[Mapping[str, str]] = {
    "3A": ":",
    "2F": "/",
    "3F": "?",
    "40": "@",
    "21": "!",
    "24": "$",
    "27": "'",
    "28": "(",
    "29": ")",
    "2A": "*",
    "2C": ",",
    "3B": ";",
}

_PERCENT_ESCAPE: Final = re.compile("%([0-9A-Fa-f]{2})")


def decode_hubspot_escapes(uri: str) -> str:
    """Decode HubSpot's twelve escapes in `uri` in one left-to-right pass.

    The output is never decoded again, so `%253A` stays `%253A` and does not become `:`.
    """
    return _PERCENT_ESCAPE.sub(_decode_escape, uri)


def _decode_escape(match: re.Match[str]) -> str:
    return DECODE_TABLE.get(match.group(1).upper(), match.group(0))


def candidate_uris(uri: str) -> list[str]:
    """Build the URIs to try, in order: the decoded URI, then the URI as received when it differs."""
    decoded = decode_hubspot_escapes(uri)
    if decoded == uri:
        return [decoded]
    return [decoded, uri]
