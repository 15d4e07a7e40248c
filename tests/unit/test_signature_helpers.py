"""Signing helpers of `int_hubspot.webhook.signature`, checked against HubSpot's SDK test values."""

from __future__ import annotations

from int_hubspot.webhook.signature import format_seconds, quote_value, sign_v1, sign_v2, sign_v3

SECRET = b"yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://www.example.com/webhook_uri"
BODY = b"{'example_field':'example_value'}"


def test_sign_v1() -> None:
    assert sign_v1(SECRET, BODY) == "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"


def test_sign_v2() -> None:
    assert (
        sign_v2(SECRET, "POST", URI, BODY)
        == "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383"
    )


def test_sign_v3() -> None:
    assert (
        sign_v3(SECRET, "POST", URI, BODY, "1693657560000") == "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="
    )


def test_sign_v3_signs_uri_as_given() -> None:
    escaped = sign_v3(SECRET, "POST", URI + "?a=%3A", BODY, "1")
    decoded = sign_v3(SECRET, "POST", URI + "?a=:", BODY, "1")
    assert escaped != decoded


def test_quote_value() -> None:
    assert quote_value("v4") == '"v4"'
    assert quote_value('a"b\\c\né') == '"a\\"b\\\\c\\u{a}\\u{e9}"'
    assert quote_value("x" * 64) == '"' + "x" * 64 + '"'
    assert quote_value("x" * 65) == '"' + "x" * 64 + '"... (65 characters)'


def test_format_seconds() -> None:
    assert format_seconds(412_000) == "412"
    assert format_seconds(300_001) == "300.001"
    assert format_seconds(1_500) == "1.5"
    assert format_seconds(20) == "0.02"
    assert format_seconds(0) == "0"
