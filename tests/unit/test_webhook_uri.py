"""HubSpot's URI decode table in `int_hubspot.webhook.uri`."""

from __future__ import annotations

import pytest

from int_hubspot.webhook.uri import DECODE_TABLE, candidate_uris, decode_hubspot_escapes


def test_table_has_twelve_escapes() -> None:
    assert sorted(DECODE_TABLE) == sorted(
        ["3A", "2F", "3F", "40", "21", "24", "27", "28", "29", "2A", "2C", "3B"]
    )
    assert "".join(DECODE_TABLE.values()) == ":/?@!$'()*,;"


def test_decodes_each_escape() -> None:
    assert decode_hubspot_escapes("%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B") == ":/?@!$'()*,;"


def test_decodes_lowercase_hex() -> None:
    assert decode_hubspot_escapes("%3a%2f%3f%2a%2c%3b") == ":/?*,;"


@pytest.mark.parametrize("escape", ["%20", "%25", "%26", "%3D", "%2B", "%7E", "%C3%A9", "%2G"])
def test_keeps_other_escapes(escape: str) -> None:
    assert decode_hubspot_escapes(f"https://example.com/a{escape}b") == f"https://example.com/a{escape}b"


@pytest.mark.parametrize(
    ("uri", "decoded"),
    [
        ("%253A", "%253A"),
        ("%%3A", "%:"),
        ("%3", "%3"),
        ("a%", "a%"),
        ("%3A%", ":%"),
        ("é%3Aü", "é:ü"),
    ],
)
def test_decodes_once_left_to_right(uri: str, decoded: str) -> None:
    assert decode_hubspot_escapes(uri) == decoded


def test_candidates_decoded_first() -> None:
    uri = "https://example.com/hook?state=a%3Ab"
    assert candidate_uris(uri) == ["https://example.com/hook?state=a:b", uri]


def test_candidates_without_escapes() -> None:
    assert candidate_uris("https://example.com/hook?a=%20") == ["https://example.com/hook?a=%20"]
