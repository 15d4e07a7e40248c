"""The native and the reference `normalize_batch` return identical results (==) on the same input.

Inputs: the shared sample batches, hand-written edge cases, and hypothesis-generated bodies: batches of
plausible events of every subscription type with random extra fields and values, rendered with random
whitespace, key order, duplicate keys and escape styles; byte mutations of such bodies; random bytes;
and JSON bodies that are not arrays. Deadlines are off because a timing limit would make the suite flaky.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ocel_support import IMPLEMENTATIONS, RECEIVED_AT_MS, base_event, body_of, sample_paths

native = IMPLEMENTATIONS["native"]
reference = IMPLEMENTATIONS["reference"]

PARITY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_parity(body: bytes, received_at_ms: int = RECEIVED_AT_MS) -> tuple[list[Any], list[Any]]:
    native_result = native(body, received_at_ms)
    reference_result = reference(body, received_at_ms)
    assert native_result == reference_result, body
    for record in native_result[0]:
        json.loads(record[1])
    return native_result


# --- samples and hand-written cases ------------------------------------------------------------------


@pytest.mark.parametrize("path", sample_paths(), ids=lambda path: path.stem)
def test_parity_on_samples(path: Any) -> None:
    records, poison = assert_parity(path.read_bytes())

    assert records
    assert poison == []


EDGE_BODIES = [
    b"",
    b" ",
    b"[]",
    b" [ ] ",
    b"null",
    b'{"a":1}',
    b'[1,true,null,"x",[]]',
    b"[NaN]",
    b"[1e400]",
    b"[-0]",
    b'["\\ud83d\\ude00"]',
    b'["\\uD83D\\uDE00"]',
    b'["\\ud83d"]',
    b'["\\ud83d\\u0041"]',
    b'["\\udc00"]',
    b"\xef\xbb\xbf[]",
    b'["\xc3"]',
    b'["\xf4\x90\x80\x80"]',
    b"[" * 64 + b"]" * 64,
    b"[" * 65 + b"]" * 65,
    b'["' + b"[" * 100 + b'"]',
    b'["\\"' + b"[" * 100 + b'"]',
    b"[" * 65 + b'"\\',
    b"]]]]" + b"[" * 64 + b"]" * 64,
    b'[{"$serde_json::private::Number":"1"}]',
    b'[{"$serde_json::private::RawValue":"1"}]',
    body_of(base_event("contact.propertyChange", propertyName="K", propertyValue="\u212a")),
    body_of(base_event("contact.associationChange", associationType="\u212aONTACT_TO_COMPANY", toObjectId=1)),
    body_of(base_event("contact.associationChange", associationType="CONTACT_TO_", toObjectId=1)),
    body_of(base_event("object.creation", objectTypeId="0-1\n")),
    body_of(base_event("x", objectTypeId="0-1")),
    body_of(base_event("object", objectTypeId="0-1")),
    body_of(base_event("object.", objectTypeId="0-1")),
    body_of(base_event(".creation")),
    body_of(base_event("contact.creation", portalId=0, occurredAt=0)),
    body_of(base_event("contact.creation", portalId=10**63, occurredAt=253402300799999)),
    body_of(base_event("contact.creation", portalId=10**64)),
    body_of(base_event("contact.creation", occurredAt=10**20)),
    body_of(base_event("contact.creation", subscriptionType="😀" * 100)),
    body_of(base_event("deal.merge", mergedObjectIds=list(range(50)), primaryObjectId=3, newObjectId=3)),
    body_of(base_event("deal.merge", mergedObjectIds=[{"a": "x" * 200}])),
    body_of(base_event("conversation.newMessage", messageId=5)),
    (b'[{"portalId":1,"subscriptionType":"a.b","occurredAt":1,"occurredAt":1.0}]'),
    (b'[{"portalId":1,"subscriptionType":"a.b","occurredAt":1,"attemptNumber":-3,"eventId":-0}]'),
]


@pytest.mark.parametrize("body", EDGE_BODIES)
def test_parity_on_edge_cases(body: bytes) -> None:
    assert_parity(body)


@pytest.mark.parametrize("received_at_ms", [0, 1, 2**63 - 1])
def test_parity_on_received_at_bounds(received_at_ms: int) -> None:
    assert_parity(body_of(base_event("deal.creation")), received_at_ms)


@pytest.mark.parametrize(
    ("body", "received_at_ms"), [(b"[]", -1), (b"[]", 2**63), (bytearray(b"[]"), 1), (b"[]", 1.0)]
)
def test_invalid_arguments_raise_same_type(body: Any, received_at_ms: Any) -> None:
    with pytest.raises(Exception) as native_error:
        native(body, received_at_ms)
    with pytest.raises(Exception) as reference_error:
        reference(body, received_at_ms)

    assert native_error.type is reference_error.type


# --- generated inputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A JSON number given as its exact text."""

    text: str


@dataclass(frozen=True)
class Obj:
    """A JSON object as a list of members, so duplicates and order are under test control."""

    members: tuple[tuple[str, Any], ...]


MAX_EPOCH_MS = 253_402_300_799_999

number_texts = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from([str(2**53 + 1), str(2**64 + 1), "1" * 30, "-0", "0.0", "1E5", "2.5e-300", "1e400"]),
    st.from_regex(r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,6})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
).map(Number)
texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["\u2028", "\u2029", "\x7f", "\x00\x1f", "😀", 'q"b\\s/', "\b\f\n\r\t", "Grüße 日本", ""]
    ),
)
keys = st.one_of(st.sampled_from(["a", "b", "portalId", "objectId", "é", "😀", "A", ""]), st.text(max_size=6))
scalars = st.one_of(st.none(), st.booleans(), number_texts, texts)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(st.tuples(keys, children), max_size=4).map(lambda pairs: Obj(tuple(pairs))),
    ),
    max_leaves=12,
)

integers = st.integers(min_value=0, max_value=2**70).map(lambda n: Number(str(n)))
object_ids = st.one_of(integers, st.text(min_size=1, max_size=8), st.just(Number(str(10**29))))
object_type_ids = st.sampled_from(
    ["0-1", "0-2", "0-3", "0-5", "0-7", "0-8", "0-47", "2-1234567", "x", "a b", ""]
)
association_types = st.one_of(
    st.sampled_from(
        ["CONTACT_TO_COMPANY", "LINE_ITEM_TO_DEAL", "DEAL_TO_LINE_ITEM", "TICKET_TO_TICKET", "X_TO_"]
    ),
    st.text(max_size=10),
)
LEGACY_TYPES = [
    f"{obj}.{action}"
    for obj in ["contact", "company", "deal", "ticket", "product", "line_item", "conversation"]
    for action in [
        "creation",
        "deletion",
        "propertyChange",
        "associationChange",
        "restore",
        "merge",
        "privacyDeletion",
        "newMessage",
    ]
]
GENERIC_TYPES = [
    f"object.{action}"
    for action in ["creation", "deletion", "propertyChange", "associationChange", "restore", "merge"]
]
subscription_types = st.one_of(
    st.sampled_from(LEGACY_TYPES + GENERIC_TYPES + ["event.completed", "invoice.paid", "object"]),
    st.text(max_size=12),
)

FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "eventId": integers,
    "subscriptionId": integers,
    "appId": integers,
    "attemptNumber": st.integers(min_value=0, max_value=12).map(lambda n: Number(str(n))),
    "objectId": object_ids,
    "objectTypeId": object_type_ids,
    "changeSource": st.sampled_from(["CRM", "IMPORT", "API", "INTEGRATION"]),
    "changeFlag": st.sampled_from(["NEW", "CREATED"]),
    "sourceId": texts,
    "propertyName": st.one_of(st.sampled_from(["firstname", "hs_x", "assignedTo", "ocel:type", "1a"]), texts),
    "propertyValue": texts,
    "associationType": association_types,
    "associationTypeId": integers,
    "associationCategory": st.sampled_from(["HUBSPOT_DEFINED", "USER_DEFINED"]),
    "fromObjectTypeId": object_type_ids,
    "toObjectTypeId": object_type_ids,
    "fromObjectId": object_ids,
    "toObjectId": object_ids,
    "associationRemoved": st.booleans(),
    "isPrimaryAssociation": st.booleans(),
    "primaryObjectId": object_ids,
    "mergedObjectIds": st.lists(object_ids, max_size=4),
    "newObjectId": object_ids,
    "numberOfPropertiesMoved": integers,
    "messageId": object_ids,
    "messageType": st.sampled_from(["MESSAGE", "COMMENT"]),
}
REQUIRED_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "portalId": st.one_of(
        st.integers(min_value=0, max_value=2**64 + 5).map(lambda n: Number(str(n))),
        st.just(Number("1" * 30)),
    ),
    "subscriptionType": subscription_types,
    "occurredAt": st.integers(min_value=0, max_value=MAX_EPOCH_MS + 5).map(lambda n: Number(str(n))),
}


@st.composite
def events(draw: st.DrawFn) -> Obj:
    """Draw a plausible event: required fields mostly valid, optional fields present, valid or random."""
    members: list[tuple[str, Any]] = []
    for name, valid in REQUIRED_VALUES.items():
        mode = draw(st.integers(min_value=0, max_value=19))
        if mode == 0:
            continue
        members.append((name, draw(json_values) if mode == 1 else draw(valid)))
    for name, valid in FIELD_VALUES.items():
        mode = draw(st.integers(min_value=0, max_value=9))
        if mode <= 4:
            continue
        members.append((name, draw(json_values) if mode == 9 else draw(valid)))
    members.extend(draw(st.lists(st.tuples(keys, json_values), max_size=3)))
    if members and draw(st.booleans()):
        name, _ = draw(st.sampled_from(members))
        members.append((name, draw(json_values)))
    return Obj(tuple(draw(st.permutations(members))))


WHITESPACE = st.sampled_from(["", "", "", " ", "\n", "\t", "\r\n  "])
UNICODE_ESCAPE = re.compile(r"\\u[0-9a-f]{4}")
STRING_STYLES = st.sampled_from(["literal", "ascii", "ascii_upper", "slash"])


def render_string(text: str, style: str) -> str:
    if style == "literal":
        return json.dumps(text, ensure_ascii=False)
    escaped = json.dumps(text, ensure_ascii=True)
    if style == "ascii_upper":
        return UNICODE_ESCAPE.sub(lambda match: match.group().upper().replace("\\U", "\\u"), escaped)
    if style == "slash":
        return escaped.replace("/", "\\/")
    return escaped


def render(value: Any, draw: st.DrawFn) -> str:
    """Render a generated value as JSON text with drawn whitespace and string escape styles."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Number):
        return value.text
    if isinstance(value, str):
        return render_string(value, draw(STRING_STYLES))
    if isinstance(value, list):
        items = [draw(WHITESPACE) + render(item, draw) + draw(WHITESPACE) for item in value]
        return "[" + ",".join(items) + "]" if items else "[" + draw(WHITESPACE) + "]"
    members = [
        f"{draw(WHITESPACE)}{render_string(key, draw(STRING_STYLES))}{draw(WHITESPACE)}:"
        f"{draw(WHITESPACE)}{render(item, draw)}{draw(WHITESPACE)}"
        for key, item in value.members
    ]
    return "{" + ",".join(members) + "}" if members else "{" + draw(WHITESPACE) + "}"


@st.composite
def batch_bodies(draw: st.DrawFn) -> bytes:
    elements = draw(st.lists(st.one_of(events(), events(), events(), json_values), max_size=6))
    return (draw(WHITESPACE) + render(elements, draw) + draw(WHITESPACE)).encode("utf-8")


MUTATION_BYTES = st.sampled_from([*b'[]{}",:\\ 0123456789eE.-+ntfu', 0xFF, 0xC3, 0xED, 0x00, 0x80])


@st.composite
def mutated_bodies(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(batch_bodies()))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["replace", "insert", "delete"]))
        position = draw(st.integers(min_value=0, max_value=len(body)))
        if kind == "insert":
            body.insert(position, draw(MUTATION_BYTES))
        elif body and position < len(body):
            if kind == "replace":
                body[position] = draw(MUTATION_BYTES)
            else:
                del body[position]
    return bytes(body)


@PARITY_SETTINGS
@given(body=batch_bodies(), received_at_ms=st.integers(min_value=0, max_value=2**63 - 1))
def test_parity_on_generated_batches(body: bytes, received_at_ms: int) -> None:
    assert_parity(body, received_at_ms)


@PARITY_SETTINGS
@given(body=mutated_bodies())
def test_parity_on_mutated_batches(body: bytes) -> None:
    assert_parity(body)


@PARITY_SETTINGS
@given(body=st.binary(max_size=64))
def test_parity_on_random_bytes(body: bytes) -> None:
    assert_parity(body)


@st.composite
def json_bodies(draw: st.DrawFn) -> bytes:
    return render(draw(json_values), draw).encode("utf-8")


@PARITY_SETTINGS
@given(body=json_bodies())
def test_parity_on_any_json_body(body: bytes) -> None:
    assert_parity(body)


@PARITY_SETTINGS
@given(event=events())
def test_retry_keeps_event_id(event: Obj) -> None:
    members = [(name, value) for name, value in event.members if name != "attemptNumber"]
    first = Obj((*members, ("attemptNumber", Number("0"))))
    retry = Obj((("attemptNumber", Number("7")), *members))
    first_records, _ = assert_parity(render_plain([first]))
    retry_records, _ = assert_parity(render_plain([retry]))

    assert [r[3] for r in first_records] == [r[3] for r in retry_records]


def render_plain(value: Any) -> bytes:
    """Render without drawn formatting, for tests that compare two related bodies."""
    if isinstance(value, list):
        return b"[" + b",".join(render_plain(item) for item in value) + b"]"
    if isinstance(value, Obj):
        return (
            b"{"
            + b",".join(json.dumps(key).encode() + b":" + render_plain(item) for key, item in value.members)
            + b"}"
        )
    if isinstance(value, Number):
        return value.text.encode()
    return json.dumps(value, ensure_ascii=False).encode()
