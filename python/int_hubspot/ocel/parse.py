"""Strict JSON parsing of webhook bodies, with the same verdicts as the native parser.

`json` from the standard library does the parsing, with three additions that make it strict and exact.
Numbers are kept as their raw text (`JsonNumber`). NaN and Infinity are rejected. Strings holding a lone
UTF-16 surrogate, which only a `\\u` escape can produce, are rejected. Nesting depth is checked
by a lexical pre-scan before parsing, so the interpreter's recursion limit never decides.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal, NoReturn, TypeAlias

__all__ = [
    "MAX_DEPTH",
    "Body",
    "BodyError",
    "Element",
    "JsonNumber",
    "JsonValue",
    "exceeds_max_depth",
    "kind_name",
    "parse_body",
]

# Maximum nesting of arrays and objects in a body; the top-level array is level 1.
MAX_DEPTH = 64


class JsonNumber:
    """A JSON number kept as its exact text from the body."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsonNumber) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"JsonNumber({self.text!r})"

    @property
    def is_integer(self) -> bool:
        """True when the text has no fraction and no exponent."""
        return not any(character in self.text for character in ".eE")


JsonValue: TypeAlias = bool | str | JsonNumber | list["JsonValue"] | dict[str, "JsonValue"] | None

BodyErrorKind = Literal["invalid_utf8", "byte_order_mark", "too_deep", "invalid_json"]


class BodyError(Exception):
    """A body that cannot be split into events. `offset` is set for `invalid_utf8`."""

    def __init__(self, kind: BodyErrorKind, offset: int | None = None) -> None:
        super().__init__(kind)
        self.kind: BodyErrorKind = kind
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Element:
    """One element of the top-level array and its byte range in the body."""

    value: JsonValue
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Body:
    """A valid JSON body: the array elements, or the kind name of a top-level value that is not an array."""

    elements: list[Element] | None
    not_array_kind: str | None = None


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _object_from_pairs(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    """Build an object, last duplicate key winning, after checking every pair for lone surrogates.

    A value that a later duplicate key replaces never reaches the finished document, so it is checked
    here: the native parser rejects a lone surrogate wherever it appears in the body.
    """
    for key, value in pairs:
        _check_no_surrogates(key)
        if not isinstance(value, dict):
            _check_no_surrogates(value)
    return dict(pairs)


_DECODER = json.JSONDecoder(
    parse_int=JsonNumber,
    parse_float=JsonNumber,
    parse_constant=_reject_constant,
    object_pairs_hook=_object_from_pairs,
)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A string (a backslash escapes any next byte, and an unterminated string runs to the end) or a bracket.
_STRING_OR_BRACKET = re.compile(rb'"[^"\\]*(?:\\[\s\S][^"\\]*)*"?|[\[\]{}]')


def kind_name(value: JsonValue) -> str:
    """Return the JSON kind name of a value, as used in poison details."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, JsonNumber):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def exceeds_max_depth(body: bytes) -> bool:
    """Report whether arrays and objects nest deeper than `MAX_DEPTH`, using a lexical scan.

    The scan accepts any bytes: strings are skipped, and a closing bracket never takes the depth below 0.
    """
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(body):
        first = match.group()[0]
        if first in b"[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif first in b"]}" and depth > 0:
            depth -= 1
    return False


def _check_no_surrogates(value: JsonValue) -> None:
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise ValueError("lone surrogate escape")
    elif isinstance(value, list):
        for item in value:
            _check_no_surrogates(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_no_surrogates(key)
            _check_no_surrogates(item)


def _skip_whitespace(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    assert match is not None  # the pattern also matches the empty string
    return match.end()


def _parse_array(text: str, position: int) -> list[tuple[JsonValue, int, int]]:
    """Parse the top-level array opening at `position`; return (value, start, end) in characters."""
    elements: list[tuple[JsonValue, int, int]] = []
    position = _skip_whitespace(text, position + 1)
    if text.startswith("]", position):
        position += 1
    else:
        while True:
            start = _skip_whitespace(text, position)
            value, position = _DECODER.raw_decode(text, start)
            elements.append((value, start, position))
            position = _skip_whitespace(text, position)
            separator = text[position : position + 1]
            position += 1
            if separator == "]":
                break
            if separator != ",":
                raise ValueError("expected ',' or ']' after an array element")
    if _skip_whitespace(text, position) != len(text):
        raise ValueError("extra data after the array")
    return elements


def parse_body(body: bytes) -> Body:
    """Parse a webhook body: UTF-8 check, byte order mark check, depth check, then strict JSON.

    Raises `BodyError` when the body is unusable.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyError("invalid_utf8", error.start) from None
    if text.startswith("\ufeff"):
        raise BodyError("byte_order_mark")
    if exceeds_max_depth(body):
        raise BodyError("too_deep")

    try:
        start = _skip_whitespace(text, 0)
        if not text.startswith("[", start):
            value = _DECODER.decode(text)
            _check_no_surrogates(value)
            return Body(elements=None, not_array_kind=kind_name(value))
        parsed = _parse_array(text, start)
        for value, _, _ in parsed:
            _check_no_surrogates(value)
    except ValueError:
        raise BodyError("invalid_json") from None

    return Body(elements=_to_byte_ranges(text, parsed))


def _to_byte_ranges(text: str, parsed: list[tuple[JsonValue, int, int]]) -> list[Element]:
    """Convert character ranges to byte ranges; the text came from strict UTF-8, so lengths add up."""
    elements: list[Element] = []
    byte_position = 0
    character_position = 0
    for value, start, end in parsed:
        byte_position += len(text[character_position:start].encode("utf-8"))
        byte_start = byte_position
        byte_position += len(text[start:end].encode("utf-8"))
        character_position = end
        elements.append(Element(value=value, start=byte_start, end=byte_position))
    return elements
