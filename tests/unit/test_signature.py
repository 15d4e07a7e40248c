"""Behaviour of `verify_signature`, run against the native and the pure-Python implementation."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from int_hubspot import _native
from int_hubspot.webhook import errors, reference
from int_hubspot.webhook.signature import sign_v1, sign_v2, sign_v3

IMPLEMENTATIONS: dict[str, Callable[..., int]] = {
    "native": _native.verify_signature,
    "reference": reference.verify_signature,
}

SECRET = b"yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
OTHER_SECRET = b"previous-client-secret"
URI = "https://hooks.example.com/webhooks"
BODY = b'[{"eventId":1,"portalId":62515,"subscriptionType":"contact.creation"}]'
NOW_MS = 1_700_000_000_000
TIMESTAMP = str(NOW_MS)


@pytest.fixture(params=list(IMPLEMENTATIONS))
def verify(request: pytest.FixtureRequest) -> Callable[..., int]:
    """Return one implementation of `verify_signature`."""
    implementation: Callable[..., int] = IMPLEMENTATIONS[request.param]
    return implementation


def v3_arguments(**changes: Any) -> dict[str, Any]:
    """Build the arguments of a valid v3 request, then apply `changes`."""
    arguments: dict[str, Any] = {
        "version": "v3",
        "secrets": [SECRET],
        "method": "POST",
        "uri": URI,
        "body": BODY,
        "signature": sign_v3(SECRET, "POST", URI, BODY, TIMESTAMP),
        "timestamp": TIMESTAMP,
        "now_ms": NOW_MS,
    }
    arguments.update(changes)
    return arguments


# Versions


def test_v1_verifies(verify: Callable[..., int]) -> None:
    signature = sign_v1(SECRET, BODY)
    assert verify(**v3_arguments(version="v1", signature=signature, timestamp=None)) == 0


def test_v1_ignores_method_and_uri(verify: Callable[..., int]) -> None:
    signature = sign_v1(SECRET, BODY)
    arguments = v3_arguments(version="v1", signature=signature, method="GET", uri="http://other/")
    assert verify(**arguments) == 0


def test_v2_verifies(verify: Callable[..., int]) -> None:
    signature = sign_v2(SECRET, "POST", URI, BODY)
    assert verify(**v3_arguments(version="v2", signature=signature, timestamp=None)) == 0


def test_v1_v2_ignore_stale_timestamp(verify: Callable[..., int]) -> None:
    signature = sign_v2(SECRET, "POST", URI, BODY)
    arguments = v3_arguments(version="v2", signature=signature, timestamp="1", now_ms=NOW_MS)
    assert verify(**arguments) == 0


def test_v1_v2_accept_uppercase_hex(verify: Callable[..., int]) -> None:
    v1_signature = sign_v1(SECRET, BODY).upper()
    v2_signature = sign_v2(SECRET, "POST", URI, BODY).upper()
    assert verify(**v3_arguments(version="v1", signature=v1_signature)) == 0
    assert verify(**v3_arguments(version="v2", signature=v2_signature)) == 0


def test_v3_verifies(verify: Callable[..., int]) -> None:
    assert verify(**v3_arguments()) == 0


def test_default_window_is_five_minutes(verify: Callable[..., int]) -> None:
    assert verify(**v3_arguments(now_ms=NOW_MS + 300_000)) == 0
    with pytest.raises(errors.TimestampTooOldError):
        verify(**v3_arguments(now_ms=NOW_MS + 300_001))


@pytest.mark.parametrize("version", ["v4", "V3", "", "v3 ", "sha256"])
def test_unsupported_version(verify: Callable[..., int], version: str) -> None:
    with pytest.raises(errors.UnsupportedVersionError) as raised:
        verify(**v3_arguments(version=version))
    assert raised.value.reason == "unsupported_version"
    assert str(raised.value) == f'signature version "{version}" is not supported; use v1, v2 or v3'


# Missing headers


@pytest.mark.parametrize("signature", [None, ""])
@pytest.mark.parametrize(
    ("version", "header"),
    [("v1", "X-HubSpot-Signature"), ("v2", "X-HubSpot-Signature"), ("v3", "X-HubSpot-Signature-v3")],
)
def test_missing_signature(
    verify: Callable[..., int], version: str, header: str, signature: str | None
) -> None:
    with pytest.raises(errors.MissingSignatureError) as raised:
        verify(**v3_arguments(version=version, signature=signature))
    assert raised.value.reason == "missing_header"
    assert str(raised.value).startswith(f"{header} header is missing or empty;")


@pytest.mark.parametrize("timestamp", [None, ""])
def test_missing_timestamp(verify: Callable[..., int], timestamp: str | None) -> None:
    with pytest.raises(errors.MissingSignatureError) as raised:
        verify(**v3_arguments(timestamp=timestamp))
    assert str(raised.value).startswith("X-HubSpot-Request-Timestamp header is missing or empty;")


def test_missing_signature_before_timestamp(verify: Callable[..., int]) -> None:
    with pytest.raises(errors.MissingSignatureError) as raised:
        verify(**v3_arguments(signature=None, timestamp=None))
    assert str(raised.value).startswith("X-HubSpot-Signature-v3 ")


# Timestamp window


def test_timestamp_exactly_at_limit(verify: Callable[..., int]) -> None:
    assert verify(**v3_arguments(now_ms=NOW_MS + 1_000, max_age_ms=1_000)) == 0
    assert verify(**v3_arguments(now_ms=NOW_MS - 1_000, max_age_ms=1_000)) == 0


def test_timestamp_one_ms_too_old(verify: Callable[..., int]) -> None:
    with pytest.raises(errors.TimestampTooOldError) as raised:
        verify(**v3_arguments(now_ms=NOW_MS + 300_001))
    assert raised.value.reason == "timestamp_too_old"
    assert str(raised.value) == (
        "X-HubSpot-Request-Timestamp 1700000000000 is 300.001 s old; the limit is 300 s. Reject the "
        "request as stale, and check this host's clock if fresh requests fail too"
    )


def test_timestamp_minutes_old(verify: Callable[..., int]) -> None:
    with pytest.raises(errors.TimestampTooOldError) as raised:
        verify(**v3_arguments(now_ms=NOW_MS + 412_000))
    assert str(raised.value).startswith(
        "X-HubSpot-Request-Timestamp 1700000000000 is 412 s old; the limit is 300 s."
    )


def test_timestamp_one_ms_in_future(verify: Callable[..., int]) -> None:
    with pytest.raises(errors.TimestampInFutureError) as raised:
        verify(**v3_arguments(now_ms=NOW_MS - 300_001))
    assert raised.value.reason == "timestamp_in_future"
    assert str(raised.value) == (
        "X-HubSpot-Request-Timestamp 1700000000000 is 300.001 s in the future; the limit is 300 s. "
        "Reject the request, and check this host's clock if fresh requests fail too"
    )


def test_zero_window_accepts_same_ms(verify: Callable[..., int]) -> None:
    assert verify(**v3_arguments(max_age_ms=0)) == 0
    with pytest.raises(errors.TimestampInFutureError):
        verify(**v3_arguments(max_age_ms=0, now_ms=NOW_MS - 1))


def test_timestamp_checked_before_signature(verify: Callable[..., int]) -> None:
    with pytest.raises(errors.TimestampTooOldError):
        verify(**v3_arguments(signature="not base64", now_ms=NOW_MS + 3_600_000))


def test_leading_zeros_signed_verbatim(verify: Callable[..., int]) -> None:
    timestamp = "0" + TIMESTAMP
    signature = sign_v3(SECRET, "POST", URI, BODY, timestamp)
    assert verify(**v3_arguments(timestamp=timestamp, signature=signature)) == 0
    with pytest.raises(errors.SignatureMismatchError):
        verify(**v3_arguments(timestamp=timestamp))


@pytest.mark.parametrize(
    "timestamp",
    [
        "abc",
        "1.0",
        "-5",
        "+5",
        " 1",
        "1 ",
        "1_000",
        "1e12",
        "\u0661\u0667\u0660\u0660",
        "9223372036854775808",
        "1" * 40,
    ],
)
def test_malformed_timestamp(verify: Callable[..., int], timestamp: str) -> None:
    with pytest.raises(errors.MalformedTimestampError) as raised:
        verify(**v3_arguments(timestamp=timestamp))
    assert raised.value.reason == "malformed_timestamp"
    assert str(raised.value).startswith("X-HubSpot-Request-Timestamp ")
    assert "is not a valid timestamp; expected milliseconds since the Unix epoch" in str(raised.value)


def test_malformed_timestamp_message_quotes_value(verify: Callable[..., int]) -> None:
    with pytest.raises(errors.MalformedTimestampError) as raised:
        verify(**v3_arguments(timestamp='1.0"\n'))
    assert str(raised.value).startswith('X-HubSpot-Request-Timestamp "1.0\\"\\u{a}" is not a valid')


def test_malformed_timestamp_message_truncates(verify: Callable[..., int]) -> None:
    timestamp = "9" * 65
    with pytest.raises(errors.MalformedTimestampError) as raised:
        verify(**v3_arguments(timestamp=timestamp))
    quoted = '"' + "9" * 64 + '"... (65 characters)'
    assert str(raised.value).startswith(f"X-HubSpot-Request-Timestamp {quoted} is not a valid timestamp")


def test_largest_timestamp_is_in_future(verify: Callable[..., int]) -> None:
    with pytest.raises(errors.TimestampInFutureError):
        verify(**v3_arguments(timestamp=str(2**63 - 1)))


# Signature encoding and mismatch


def test_wrong_secret_mismatch(verify: Callable[..., int]) -> None:
    signature = sign_v3(OTHER_SECRET, "POST", URI, BODY, TIMESTAMP)
    with pytest.raises(errors.SignatureMismatchError) as raised:
        verify(**v3_arguments(signature=signature))
    message = str(raised.value)
    assert raised.value.reason == "mismatch"
    assert message.startswith(f'X-HubSpot-Signature-v3 "{signature}" matches none of the 1 configured')
    assert "that the URI is the public URL that HubSpot called" in message
    assert SECRET.decode() not in message


def test_v1_mismatch_hint_omits_uri(verify: Callable[..., int]) -> None:
    signature = sign_v1(OTHER_SECRET, BODY)
    with pytest.raises(errors.SignatureMismatchError) as raised:
        verify(**v3_arguments(version="v1", signature=signature, secrets=[SECRET, SECRET + b"2"]))
    assert str(raised.value) == (
        f'X-HubSpot-Signature "{signature}" matches none of the 2 configured '
        "client secrets; check the app's client secret and that the body is passed unmodified"
    )


@pytest.mark.parametrize(
    "signature",
    [
        "not base64!",
        "QUJD",
        "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y",
        "K36dawei4A-QBNolUOqo7s91KQDWQ5MXZ_QufNYuk_Y=",
        " K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=",
        "é",
        "=",
    ],
)
def test_invalid_base64_is_mismatch(verify: Callable[..., int], signature: str) -> None:
    with pytest.raises(errors.SignatureMismatchError):
        verify(**v3_arguments(signature=signature))


def test_non_canonical_base64_is_mismatch(verify: Callable[..., int]) -> None:
    valid = sign_v3(SECRET, "POST", URI, BODY, TIMESTAMP)
    # A 32-byte digest leaves two unused bits in its last base64 digit. Setting one gives a spelling that
    # lenient decoders read as the same bytes, but that is not the canonical one.
    last_digit_index = valid.index("=") - 1
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last_digit = alphabet.index(valid[last_digit_index])
    tweaked = valid[:last_digit_index] + alphabet[last_digit ^ 1] + valid[last_digit_index + 1 :]
    assert tweaked != valid
    assert base64.b64decode(tweaked) == base64.b64decode(valid)
    with pytest.raises(errors.SignatureMismatchError):
        verify(**v3_arguments(signature=tweaked))


@pytest.mark.parametrize(
    "mangle", [lambda hex_: hex_[:-1], lambda hex_: hex_[:2] + " " + hex_[2:], lambda hex_: "zz" + hex_[2:]]
)
def test_invalid_hex_is_mismatch(verify: Callable[..., int], mangle: Callable[[str], str]) -> None:
    signature = mangle(sign_v1(SECRET, BODY))
    with pytest.raises(errors.SignatureMismatchError):
        verify(**v3_arguments(version="v1", signature=signature))


def test_v3_signature_rejected_as_v2(verify: Callable[..., int]) -> None:
    with pytest.raises(errors.SignatureMismatchError):
        verify(**v3_arguments(version="v2"))


@pytest.mark.parametrize("body", [b"\xff\xfe\x00\x80", b"", b"\x00" * 5000])
def test_binary_body(verify: Callable[..., int], body: bytes) -> None:
    v1_signature = sign_v1(SECRET, body)
    v2_signature = sign_v2(SECRET, "POST", URI, body)
    v3_signature = sign_v3(SECRET, "POST", URI, body, TIMESTAMP)
    assert verify(**v3_arguments(version="v1", body=body, signature=v1_signature)) == 0
    assert verify(**v3_arguments(version="v2", body=body, signature=v2_signature)) == 0
    assert verify(**v3_arguments(body=body, signature=v3_signature)) == 0
    with pytest.raises(errors.SignatureMismatchError):
        verify(**v3_arguments(body=body + b"\x00", signature=v3_signature))


def test_large_body_verifies(verify: Callable[..., int]) -> None:
    # The native implementation hashes bodies of 4 KiB or more with the GIL released.
    body = BODY * 2_000
    signature = sign_v3(SECRET, "POST", URI, body, TIMESTAMP)
    assert verify(**v3_arguments(body=body, signature=signature)) == 0
    with pytest.raises(errors.SignatureMismatchError):
        verify(**v3_arguments(body=body[:-1], signature=signature))


# Rotation


def test_rotation_second_secret(verify: Callable[..., int]) -> None:
    assert verify(**v3_arguments(secrets=[OTHER_SECRET, SECRET])) == 1


def test_rotation_first_match_wins(verify: Callable[..., int]) -> None:
    assert verify(**v3_arguments(secrets=[SECRET, OTHER_SECRET, SECRET])) == 0


def test_rotation_accepts_tuple_and_bytearray(verify: Callable[..., int]) -> None:
    assert verify(**v3_arguments(secrets=(bytearray(OTHER_SECRET), bytearray(SECRET)))) == 1


def test_rotation_mismatch_counts_secrets(verify: Callable[..., int]) -> None:
    secrets = [OTHER_SECRET, b"third-secret", b"fourth-secret"]
    with pytest.raises(errors.SignatureMismatchError) as raised:
        verify(**v3_arguments(secrets=secrets))
    assert "matches none of the 3 configured client secrets" in str(raised.value)


# Configuration bugs


def test_no_secrets_value_error(verify: Callable[..., int]) -> None:
    with pytest.raises(
        ValueError, match=r"^no client secret is configured; configure at least one"
    ) as raised:
        verify(**v3_arguments(secrets=[]))
    assert not isinstance(raised.value, errors.SignatureError)


def test_empty_secret_value_error(verify: Callable[..., int]) -> None:
    with pytest.raises(ValueError, match=r"^client secret 1 is empty; set it") as raised:
        verify(**v3_arguments(secrets=[SECRET, b""]))
    assert not isinstance(raised.value, errors.SignatureError)


def test_negative_max_age_value_error(verify: Callable[..., int]) -> None:
    with pytest.raises(ValueError, match=r"^max_age_ms is -1; it must be 0 or more$"):
        verify(**v3_arguments(max_age_ms=-1))


@pytest.mark.parametrize("secrets", [SECRET, bytearray(SECRET), SECRET.decode()])
def test_single_secret_type_error(verify: Callable[..., int], secrets: object) -> None:
    type_name = type(secrets).__name__
    expected = f"^secrets must be a sequence of bytes values, not {type_name}; wrap one secret in a list$"
    with pytest.raises(TypeError, match=expected):
        verify(**v3_arguments(secrets=secrets))


def test_configuration_checked_first(verify: Callable[..., int]) -> None:
    with pytest.raises(ValueError, match=r"^no client secret"):
        verify(**v3_arguments(secrets=[], version="v9", signature=None))


def test_keyword_only_arguments(verify: Callable[..., int]) -> None:
    arguments = v3_arguments()
    with pytest.raises(TypeError):
        verify(*arguments.values())


# URI variants


def test_escaped_uri_signed_decoded(verify: Callable[..., int]) -> None:
    received = "https://hooks.example.com/webhooks?portal=62515%3Aprod&next=%2Fhome%3Fa%40b"
    signed = "https://hooks.example.com/webhooks?portal=62515:prod&next=/home?a@b"
    signature = sign_v3(SECRET, "POST", signed, BODY, TIMESTAMP)
    assert verify(**v3_arguments(uri=received, signature=signature)) == 0


def test_escaped_uri_signed_as_received(verify: Callable[..., int]) -> None:
    received = "https://hooks.example.com/webhooks?portal=62515%3Aprod"
    signature = sign_v3(SECRET, "POST", received, BODY, TIMESTAMP)
    assert verify(**v3_arguments(uri=received, signature=signature)) == 0


def test_lowercase_escape_decoded(verify: Callable[..., int]) -> None:
    signed = "https://hooks.example.com/webhooks?x=(a,b);c"
    signature = sign_v3(SECRET, "POST", signed, BODY, TIMESTAMP)
    received = "https://hooks.example.com/webhooks?x=%28a%2cb%29%3bc"
    assert verify(**v3_arguments(uri=received, signature=signature)) == 0


def test_other_escapes_not_decoded(verify: Callable[..., int]) -> None:
    signature = sign_v3(SECRET, "POST", "https://hooks.example.com/web hooks", BODY, TIMESTAMP)
    with pytest.raises(errors.SignatureMismatchError):
        verify(**v3_arguments(uri="https://hooks.example.com/web%20hooks", signature=signature))


def test_v2_tries_decoded_uri(verify: Callable[..., int]) -> None:
    received = "https://hooks.example.com/webhooks?portal=62515%3Aprod"
    decoded = "https://hooks.example.com/webhooks?portal=62515:prod"
    for signed in (received, decoded):
        signature = sign_v2(SECRET, "POST", signed, BODY)
        assert verify(**v3_arguments(version="v2", uri=received, signature=signature)) == 0


@pytest.mark.parametrize(
    "received",
    [
        "https://hooks.example.com/webhooks/",
        "http://hooks.example.com/webhooks",
        "https://hooks.example.com:443/webhooks",
        "https://HOOKS.example.com/webhooks",
        "https://hooks.example.com/webhooks?",
    ],
)
def test_other_uri_mismatch(verify: Callable[..., int], received: str) -> None:
    with pytest.raises(errors.SignatureMismatchError):
        verify(**v3_arguments(uri=received))


def test_method_is_case_sensitive(verify: Callable[..., int]) -> None:
    with pytest.raises(errors.SignatureMismatchError):
        verify(**v3_arguments(method="post"))


# Exception classes


@pytest.mark.parametrize(
    ("changes", "expected_class"),
    [
        ({"signature": None}, errors.MissingSignatureError),
        ({"version": "v4"}, errors.UnsupportedVersionError),
        ({"timestamp": "1.0"}, errors.MalformedTimestampError),
        ({"now_ms": NOW_MS + 3_600_000}, errors.TimestampTooOldError),
        ({"now_ms": NOW_MS - 3_600_000}, errors.TimestampInFutureError),
        ({"secrets": [OTHER_SECRET]}, errors.SignatureMismatchError),
    ],
)
def test_raises_exact_error_class(
    verify: Callable[..., int], changes: dict[str, Any], expected_class: type[errors.SignatureError]
) -> None:
    with pytest.raises(errors.SignatureError) as raised:
        verify(**v3_arguments(**changes))
    assert type(raised.value) is expected_class
    assert isinstance(raised.value, ValueError)
