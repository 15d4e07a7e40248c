"""JSON text output: the string escaping rule and the canonical serialization.

The escaping rule is shared with the native writer. `"` and `\\` get a backslash. U+0008, U+000C,
U+000A, U+000D and U+0009 use `\\b \\f \\n \\r \\t`, and the other code points below U+0020 use
`\\u00xx` with lowercase hex. Every other character (U+007F, U+2028 and emoji included) is literal
UTF-8. `json.dumps(text, ensure_ascii=False)` produces the same, through the same encoder function.

Canonical serialization: no whitespace, object members sorted by key in code point order (a dict keeps
the last duplicate), numbers as their raw text, strings with the rule above.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from operator import itemgetter

from int_hubspot.ocel.parse import JsonNumber, JsonValue

__all__ = ["canonical", "canonical_members", "quoted", "sorted_members"]

_KEY = itemgetter(0)


def quoted(text: str) -> str:
    """Return `text` as a quoted JSON string."""
    return encode_basestring(text)


def sorted_members(members: dict[str, JsonValue]) -> list[tuple[str, JsonValue]]:
    """Return an object's members sorted by key in code point order."""
    return sorted(members.items(), key=_KEY)


def _write(value: JsonValue, parts: list[str]) -> None:
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, JsonNumber):
        parts.append(value.text)
    elif isinstance(value, str):
        parts.append(encode_basestring(value))
    elif isinstance(value, list):
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            _write(item, parts)
        parts.append("]")
    else:
        _write_members(sorted_members(value), parts)


def _write_members(members: list[tuple[str, JsonValue]], parts: list[str]) -> None:
    parts.append("{")
    for index, (key, item) in enumerate(members):
        if index:
            parts.append(",")
        parts.append(encode_basestring(key))
        parts.append(":")
        _write(item, parts)
    parts.append("}")


def canonical(value: JsonValue) -> str:
    """Return the canonical serialization of `value`."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def canonical_members(members: list[tuple[str, JsonValue]]) -> str:
    """Return the canonical serialization of an object given as already sorted members."""
    parts: list[str] = []
    _write_members(members, parts)
    return "".join(parts)
