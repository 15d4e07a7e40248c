"""Pure-Python reference implementation of HubSpot request signature verification.

`verify_signature` here and the native `int_hubspot._native.verify_signature` take the same arguments
and return the same index. They also raise the same classes with the same messages, which the parity
tests check. The service calls the native one, while this one states the rules in plain Python and
cross-checks the native code.

- v1: lowercase hex of SHA-256(client secret + body), in `X-HubSpot-Signature`.
- v2: lowercase hex of SHA-256(client secret + method + URI + body), in `X-HubSpot-Signature`.
- v3: base64 of HMAC-SHA256(key = client secret, message = method + URI + body + timestamp), in
  `X-HubSpot-Signature-v3`, with the timestamp taken verbatim from `X-HubSpot-Request-Timestamp`.

Strings enter the digests as UTF-8 and the body as the raw bytes received, with no separators.

Checks run in this order, and no digest is computed before steps 1 to 4 have passed:

1. configuration: `secrets` is a non-empty sequence of non-empty secrets and `max_age_ms` is not
   negative, else `TypeError` or `ValueError`, because these are bugs in the caller's configuration;
2. the version is exactly `v1`, `v2` or `v3`;
3. the signature header is present and not empty;
4. v3 only: the timestamp header is present, ASCII digits at most `2**63 - 1`, and within
   `max_age_ms` of `now_ms` in both directions (a difference of exactly `max_age_ms` passes);
5. each secret in order, and for v2 and v3 each candidate URI from `candidate_uris`: the URI with
   HubSpot's twelve escapes decoded, then the URI as received. HubSpot documents the decode table for
   v3 only, but both spellings name the same resource, so trying both for v2 accepts no request that
   the client secret did not sign.

v1 and v2 carry no timestamp, so they give no replay protection and ignore `timestamp`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterator, Sequence
from typing import Final

from int_hubspot.webhook.errors import (
    MalformedTimestampError,
    MissingSignatureError,
    SignatureMismatchError,
    TimestampInFutureError,
    TimestampTooOldError,
    UnsupportedVersionError,
)
from int_hubspot.webhook.uri import candidate_uris

__all__ = ["DEFAULT_MAX_AGE_MS", "sign_v1", "sign_v2", "sign_v3", "verify_signature"]

# HubSpot's documented freshness window for v3: 5 minutes, in milliseconds.
DEFAULT_MAX_AGE_MS: Final = 300_000

SIGNATURE_HEADER: Final = "X-HubSpot-Signature"
SIGNATURE_V3_HEADER: Final = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER: Final = "X-HubSpot-Request-Timestamp"

_SIGNATURE_HEADERS: Final = {"v1": SIGNATURE_HEADER, "v2": SIGNATURE_HEADER, "v3": SIGNATURE_V3_HEADER}

# Largest accepted timestamp, the maximum of the native implementation's signed 64-bit integer.
_MAX_TIMESTAMP: Final = 2**63 - 1

# Number of characters of a header value that a message shows before it truncates the value: enough for
# a whole v1 or v2 signature (64 hex digits) and a whole v3 signature (44 base64 characters).
SHOWN_VALUE_CHARS: Final = 64

_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")


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
    max_age_ms: int = DEFAULT_MAX_AGE_MS,
) -> int:
    """Verify one HubSpot request signature and return the index of the secret that matched.

    `uri` is the full URI as received (scheme, host, path and query), and `now_ms` the receiver's
    clock in milliseconds since the Unix epoch. Raises a subclass of
    `int_hubspot.webhook.errors.SignatureError` when the request fails verification.
    """
    _check_configuration(secrets, max_age_ms)

    header = _SIGNATURE_HEADERS.get(version)
    if header is None:
        raise UnsupportedVersionError(
            f"signature version {quote_value(version)} is not supported; use v1, v2 or v3"
        )
    if not signature:
        raise MissingSignatureError(_missing_header_message(header))

    if version == "v3":
        if not timestamp:
            raise MissingSignatureError(_missing_header_message(TIMESTAMP_HEADER))
        _check_window(_parse_timestamp(timestamp), now_ms, max_age_ms)

    provided = _decode_signature(version, signature)
    if provided is not None:
        for index, secret in enumerate(secrets):
            digests = _digests(version, secret, method=method, uri=uri, body=body, timestamp=timestamp or "")
            if any(hmac.compare_digest(digest, provided) for digest in digests):
                return index

    raise SignatureMismatchError(
        f"{header} {quote_value(signature)} matches none of the {len(secrets)} configured client "
        f"secrets; {_mismatch_hint(version)}"
    )


def sign_v1(secret: bytes, body: bytes) -> str:
    """Compute the v1 `X-HubSpot-Signature` value."""
    return hashlib.sha256(secret + body).hexdigest()


def sign_v2(secret: bytes, method: str, uri: str, body: bytes) -> str:
    """Compute the v2 `X-HubSpot-Signature` value. `uri` is signed exactly as given."""
    return hashlib.sha256(secret + method.encode() + uri.encode() + body).hexdigest()


def sign_v3(secret: bytes, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """Compute the `X-HubSpot-Signature-v3` value. `uri` and `timestamp` are signed exactly as given."""
    return base64.b64encode(_digest_v3(secret, method, uri, body, timestamp)).decode("ascii")


def _digest_v3(secret: bytes, method: str, uri: str, body: bytes, timestamp: str) -> bytes:
    message = method.encode() + uri.encode() + body + timestamp.encode()
    return hmac.digest(secret, message, "sha256")


def _digests(
    version: str, secret: bytes, *, method: str, uri: str, body: bytes, timestamp: str
) -> Iterator[bytes]:
    """Yield the digests to compare for one secret, computing each only when the previous failed."""
    if version == "v1":
        yield hashlib.sha256(secret + body).digest()
        return
    for candidate in candidate_uris(uri):
        if version == "v2":
            yield hashlib.sha256(secret + method.encode() + candidate.encode() + body).digest()
        else:
            yield _digest_v3(secret, method, candidate, body, timestamp)


def _check_configuration(secrets: Sequence[bytes], max_age_ms: int) -> None:
    # Without this check, a bare bytes secret would be read as a sequence of integers.
    if isinstance(secrets, bytes | bytearray | str):
        raise TypeError(
            f"secrets must be a sequence of bytes values, not {type(secrets).__name__}; "
            "wrap one secret in a list"
        )
    if len(secrets) == 0:
        raise ValueError("no client secret is configured; configure at least one HubSpot app client secret")
    # An empty secret would let anyone compute v1 and v2 signatures, which are plain SHA-256.
    for index, secret in enumerate(secrets):
        if len(secret) == 0:
            raise ValueError(
                f"client secret {index} is empty; set it to the app's client secret or remove it"
            )
    if max_age_ms < 0:
        raise ValueError(f"max_age_ms is {max_age_ms}; it must be 0 or more")


def _parse_timestamp(value: str) -> int:
    """Parse the header as ASCII digits only: no sign, no spaces, no decimal point, no `_`."""
    if value.isascii() and value.isdigit():
        timestamp = int(value)
        if timestamp <= _MAX_TIMESTAMP:
            return timestamp
    raise MalformedTimestampError(
        f"{TIMESTAMP_HEADER} {quote_value(value)} is not a valid timestamp; expected milliseconds "
        f"since the Unix epoch as ASCII digits, at most {_MAX_TIMESTAMP}"
    )


def _check_window(timestamp: int, now_ms: int, max_age_ms: int) -> None:
    age_ms = now_ms - timestamp
    limit = format_seconds(max_age_ms)
    if age_ms > max_age_ms:
        raise TimestampTooOldError(
            f"{TIMESTAMP_HEADER} {timestamp} is {format_seconds(age_ms)} s old; the limit is {limit} s. "
            "Reject the request as stale, and check this host's clock if fresh requests fail too"
        )
    if -age_ms > max_age_ms:
        raise TimestampInFutureError(
            f"{TIMESTAMP_HEADER} {timestamp} is {format_seconds(-age_ms)} s in the future; the limit is "
            f"{limit} s. Reject the request, and check this host's clock if fresh requests fail too"
        )


def _decode_signature(version: str, signature: str) -> bytes | None:
    """Decode the header into digest bytes, or return None when it is not valid encoding.

    v1 and v2 take hex in either case. v3 takes standard base64 (RFC 4648 section 4) with padding and
    zero trailing bits, which gives every digest exactly one accepted spelling.
    """
    if version != "v3":
        # bytes.fromhex alone would also accept spaces between the digit pairs.
        if len(signature) % 2 != 0 or not _HEX_DIGITS.issuperset(signature):
            return None
        return bytes.fromhex(signature)

    try:
        decoded = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return None
    # b64decode ignores non-zero trailing bits, so only a canonical input survives re-encoding unchanged.
    if base64.b64encode(decoded).decode("ascii") != signature:
        return None
    return decoded


def _missing_header_message(header: str) -> str:
    return (
        f"{header} header is missing or empty; reject the request, or verify the signature version "
        "that the sender uses"
    )


def _mismatch_hint(version: str) -> str:
    """Return the inputs to check after a mismatch, which differ because v1 signs no method or URI."""
    if version == "v1":
        return "check the app's client secret and that the body is passed unmodified"
    return (
        "check the app's client secret, that the body is passed unmodified, and that the URI is the "
        "public URL that HubSpot called"
    )


def quote_value(value: str) -> str:
    """Quote a header value for a message.

    Printable ASCII stays as is and any other character becomes `\\u{hex}`. A value longer than
    `SHOWN_VALUE_CHARS` characters is cut there, and its full length follows the closing quote.
    """
    characters = []
    for character in value[:SHOWN_VALUE_CHARS]:
        if character in '"\\':
            characters.append("\\" + character)
        elif " " <= character <= "~":
            characters.append(character)
        else:
            characters.append(f"\\u{{{ord(character):x}}}")

    quoted = '"' + "".join(characters) + '"'
    if len(value) > SHOWN_VALUE_CHARS:
        quoted += f"... ({len(value)} characters)"
    return quoted


def format_seconds(milliseconds: int) -> str:
    """Format non-negative milliseconds as seconds without trailing zeros: 300001 as "300.001"."""
    seconds, remainder = divmod(milliseconds, 1000)
    if remainder == 0:
        return str(seconds)
    return f"{seconds}.{remainder:03d}".rstrip("0")
