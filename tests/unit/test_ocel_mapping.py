"""OCEL mapping of HubSpot webhook events, checked on the native and the reference implementation.

Each test runs once per implementation, so a mapping rule is pinned on both sides even where the parity
tests would only show that they agree.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.ocel_support import IMPLEMENTATIONS, RECEIVED_AT_MS, NormalizeBatch, base_event, body_of

LEGACY_ACTIONS = {
    "contact": [
        "creation",
        "deletion",
        "merge",
        "associationChange",
        "restore",
        "privacyDeletion",
        "propertyChange",
    ],
    "company": ["creation", "deletion", "propertyChange", "associationChange", "restore", "merge"],
    "deal": ["creation", "deletion", "associationChange", "restore", "merge", "propertyChange"],
    "ticket": ["creation", "deletion", "propertyChange", "associationChange", "restore", "merge"],
    "product": ["creation", "deletion", "restore", "merge", "propertyChange"],
    "line_item": ["creation", "deletion", "associationChange", "restore", "merge", "propertyChange"],
    "conversation": ["creation", "deletion", "privacyDeletion", "propertyChange", "newMessage"],
}
SIMPLE_QUALIFIERS = {
    "creation": "created",
    "deletion": "deleted",
    "restore": "restored",
    "propertyChange": "changed",
    "privacyDeletion": "privacy_deleted",
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS), ids=sorted(IMPLEMENTATIONS))
def normalize(request: pytest.FixtureRequest) -> NormalizeBatch:
    return IMPLEMENTATIONS[request.param]


def one_record(normalize: NormalizeBatch, event: Any) -> tuple[bytes, dict[str, Any], dict[str, bytes], str]:
    """Normalize a one-event batch that must give a record; return key, document, headers, event id."""
    records, poison = normalize(body_of(event), RECEIVED_AT_MS)
    assert poison == []
    assert len(records) == 1
    key, value, headers, event_id = records[0]
    return key, json.loads(value), dict(headers), event_id


def one_poison(normalize: NormalizeBatch, body: bytes) -> tuple[int, str, str, bytes, int | None]:
    records, poison = normalize(body, RECEIVED_AT_MS)
    assert records == []
    assert len(poison) == 1
    item: tuple[int, str, str, bytes, int | None] = poison[0]
    return item


def relations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["objectId"], r["qualifier"]) for r in document["events"][0]["relationships"]]


def objects_by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {obj["id"]: obj for obj in document["objects"]}


def event_attributes(document: dict[str, Any]) -> dict[str, Any]:
    return {a["name"]: a["value"] for a in document["events"][0]["attributes"]}


def declared_event_attributes(document: dict[str, Any]) -> dict[str, str]:
    (declaration,) = document["eventTypes"]
    return {a["name"]: a["type"] for a in declaration["attributes"]}


# --- event types, objects and qualifiers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("object_type", "action"),
    [
        (obj, action)
        for obj, actions in LEGACY_ACTIONS.items()
        for action in actions
        if action in SIMPLE_QUALIFIERS
    ],
)
def test_legacy_simple_actions(normalize: NormalizeBatch, object_type: str, action: str) -> None:
    _, document, _, _ = one_record(normalize, base_event(f"{object_type}.{action}"))

    assert document["events"][0]["type"] == f"{object_type}.{action}"
    assert relations(document) == [
        ("hs:881204:portal", "portal"),
        (f"hs:881204:{object_type}:16186497579", SIMPLE_QUALIFIERS[action]),
    ]
    assert [t["name"] for t in document["objectTypes"]] == ["portal", object_type]


@pytest.mark.parametrize(
    "object_type", [obj for obj, actions in LEGACY_ACTIONS.items() if "merge" in actions]
)
def test_legacy_merge(normalize: NormalizeBatch, object_type: str) -> None:
    event = base_event(
        f"{object_type}.merge",
        objectId=100,
        primaryObjectId=100,
        mergedObjectIds=[200, 300],
        newObjectId=400,
        numberOfPropertiesMoved=7,
    )
    _, document, _, _ = one_record(normalize, event)

    prefix = f"hs:881204:{object_type}"
    assert document["events"][0]["type"] == f"{object_type}.merge"
    assert relations(document) == [
        ("hs:881204:portal", "portal"),
        (f"{prefix}:100", "primary"),
        (f"{prefix}:200", "merged"),
        (f"{prefix}:300", "merged"),
        (f"{prefix}:400", "new"),
    ]
    merged = objects_by_id(document)[f"{prefix}:200"]
    assert merged["relationships"] == [{"objectId": f"{prefix}:100", "qualifier": "merged_into"}]
    assert event_attributes(document)["mergedObjectIds"] == "[200,300]"
    assert event_attributes(document)["numberOfPropertiesMoved"] == 7


def test_merge_object_in_two_roles_keeps_first(normalize: NormalizeBatch) -> None:
    event = base_event(
        "deal.merge", objectId=100, primaryObjectId=100, mergedObjectIds=[200], newObjectId=100
    )
    _, document, _, _ = one_record(normalize, event)

    assert relations(document) == [
        ("hs:881204:portal", "portal"),
        ("hs:881204:deal:100", "primary"),
        ("hs:881204:deal:200", "merged"),
    ]
    assert event_attributes(document)["newObjectId"] == 100


def test_merge_subject_distinct_from_primary(normalize: NormalizeBatch) -> None:
    event = base_event("contact.merge", objectId=5, primaryObjectId=6, mergedObjectIds=[7])
    _, document, _, _ = one_record(normalize, event)

    assert relations(document) == [
        ("hs:881204:portal", "portal"),
        ("hs:881204:contact:5", "object"),
        ("hs:881204:contact:6", "primary"),
        ("hs:881204:contact:7", "merged"),
    ]


@pytest.mark.parametrize(
    "object_type", [obj for obj, actions in LEGACY_ACTIONS.items() if "associationChange" in actions]
)
def test_legacy_association_added(normalize: NormalizeBatch, object_type: str) -> None:
    association_type = f"{object_type.upper()}_TO_LINE_ITEM"
    event = base_event(
        f"{object_type}.associationChange",
        objectId=11,
        associationType=association_type,
        fromObjectId=11,
        toObjectId=22,
        associationRemoved=False,
        isPrimaryAssociation=True,
    )
    _, document, _, _ = one_record(normalize, event)

    from_id = f"hs:881204:{object_type}:11"
    assert relations(document) == [
        ("hs:881204:portal", "portal"),
        (from_id, "from"),
        ("hs:881204:line_item:22", "to"),
    ]
    assert objects_by_id(document)[from_id]["relationships"] == [
        {"objectId": "hs:881204:line_item:22", "qualifier": association_type}
    ]
    attributes = event_attributes(document)
    assert attributes["associationRemoved"] is False
    assert attributes["isPrimaryAssociation"] is True
    assert declared_event_attributes(document)["associationRemoved"] == "boolean"


def test_association_removed_has_no_o2o(normalize: NormalizeBatch) -> None:
    event = base_event(
        "contact.associationChange",
        objectId=11,
        associationType="CONTACT_TO_COMPANY",
        fromObjectId=11,
        toObjectId=22,
        associationRemoved=True,
    )
    _, document, _, _ = one_record(normalize, event)

    assert ("hs:881204:company:22", "to") in relations(document)
    assert all(obj["relationships"] == [] for obj in document["objects"])


def test_generic_association_uses_type_ids(normalize: NormalizeBatch) -> None:
    event = base_event(
        "object.associationChange",
        objectId=31,
        objectTypeId="0-8",
        fromObjectTypeId="0-8",
        toObjectTypeId="2-1234567",
        fromObjectId=31,
        toObjectId=32,
        associationTypeId=279,
        associationCategory="HUBSPOT_DEFINED",
        associationRemoved=False,
    )
    _, document, _, _ = one_record(normalize, event)

    assert document["events"][0]["type"] == "line_item.associationChange"
    assert relations(document) == [
        ("hs:881204:portal", "portal"),
        ("hs:881204:line_item:31", "from"),
        ("hs:881204:object_2-1234567:32", "to"),
    ]
    assert objects_by_id(document)["hs:881204:line_item:31"]["relationships"] == [
        {"objectId": "hs:881204:object_2-1234567:32", "qualifier": "associated"}
    ]
    attributes = event_attributes(document)
    assert attributes["associationTypeId"] == 279
    assert attributes["associationCategory"] == "HUBSPOT_DEFINED"


def test_association_without_types_uses_unknown(normalize: NormalizeBatch) -> None:
    event = base_event("deal.associationChange", objectId=1, fromObjectId=1, toObjectId=2)
    _, document, _, _ = one_record(normalize, event)

    assert relations(document)[1:] == [("hs:881204:deal:1", "from"), ("hs:881204:unknown:2", "to")]


@pytest.mark.parametrize(
    ("object_type_id", "object_type"),
    [
        ("0-1", "contact"),
        ("0-2", "company"),
        ("0-3", "deal"),
        ("0-5", "ticket"),
        ("0-7", "product"),
        ("0-8", "line_item"),
        ("0-47", "object_0-47"),
        ("2-1234567", "object_2-1234567"),
    ],
)
def test_generic_object_type_ids(normalize: NormalizeBatch, object_type_id: str, object_type: str) -> None:
    event = base_event("object.creation", objectTypeId=object_type_id)
    _, document, _, _ = one_record(normalize, event)

    assert document["events"][0]["type"] == f"{object_type}.creation"
    assert relations(document)[1] == (f"hs:881204:{object_type}:16186497579", "created")
    assert event_attributes(document)["subscriptionType"] == "object.creation"
    assert event_attributes(document)["objectTypeId"] == object_type_id


@pytest.mark.parametrize("action", ["deletion", "restore", "propertyChange", "merge"])
def test_generic_actions_match_legacy_types(normalize: NormalizeBatch, action: str) -> None:
    event = base_event(f"object.{action}", objectTypeId="0-3", propertyName="dealstage", propertyValue="won")
    _, document, _, _ = one_record(normalize, event)

    assert document["events"][0]["type"] == f"deal.{action}"


def test_property_change_sets_object_attribute(normalize: NormalizeBatch) -> None:
    event = base_event("contact.propertyChange", propertyName="firstname", propertyValue="Ana")
    _, document, _, _ = one_record(normalize, event)

    contact = objects_by_id(document)["hs:881204:contact:16186497579"]
    assert contact["attributes"] == [
        {"name": "firstname", "value": "Ana", "time": "2025-12-04T03:50:47.826Z"}
    ]
    declaration = next(t for t in document["objectTypes"] if t["name"] == "contact")
    assert declaration["attributes"] == [{"name": "firstname", "type": "string"}]
    assert event_attributes(document)["propertyName"] == "firstname"
    assert event_attributes(document)["propertyValue"] == "Ana"


def test_property_name_outside_identifier_rule_stays_on_event(normalize: NormalizeBatch) -> None:
    event = base_event("contact.propertyChange", propertyName="ocel:type", propertyValue="x")
    _, document, _, _ = one_record(normalize, event)

    assert all(obj["attributes"] == [] for obj in document["objects"])
    assert event_attributes(document)["propertyName"] == "ocel:type"


def test_new_message_relates_thread_and_message(normalize: NormalizeBatch) -> None:
    event = base_event(
        "conversation.newMessage", objectId=48572778745, messageId="47d7df790c5b4c59", messageType="MESSAGE"
    )
    _, document, _, _ = one_record(normalize, event)

    thread = "hs:881204:conversation:48572778745"
    message = "hs:881204:message:47d7df790c5b4c59"
    assert relations(document) == [("hs:881204:portal", "portal"), (thread, "thread"), (message, "message")]
    assert objects_by_id(document)[message]["relationships"] == [{"objectId": thread, "qualifier": "thread"}]
    assert event_attributes(document)["messageType"] == "MESSAGE"


@pytest.mark.parametrize(
    ("subscription_type", "fields", "expected_object"),
    [
        ("invoice.paid", {}, "hs:881204:invoice:16186497579"),
        ("invoice.paid", {"objectTypeId": "0-53"}, "hs:881204:object_0-53:16186497579"),
        ("Weird Type!", {}, "hs:881204:unknown:16186497579"),
        ("contact.somethingNew", {}, "hs:881204:contact:16186497579"),
    ],
)
def test_unknown_types_normalize_generically(
    normalize: NormalizeBatch, subscription_type: str, fields: dict[str, Any], expected_object: str
) -> None:
    _, document, headers, _ = one_record(normalize, base_event(subscription_type, **fields))

    assert document["events"][0]["type"] == subscription_type
    assert relations(document) == [("hs:881204:portal", "portal"), (expected_object, "object")]
    assert headers["subscription_type"] == subscription_type.encode()


def test_event_without_object_id_relates_to_portal(normalize: NormalizeBatch) -> None:
    event = base_event("contact.creation")
    del event["objectId"]
    _, document, _, _ = one_record(normalize, event)

    assert relations(document) == [("hs:881204:portal", "portal")]
    assert [obj["id"] for obj in document["objects"]] == ["hs:881204:portal"]


def test_string_object_id_goes_to_object_and_extra_fields(normalize: NormalizeBatch) -> None:
    _, document, _, _ = one_record(normalize, base_event("deal.creation", objectId="abc:1"))

    assert relations(document)[1] == ("hs:881204:deal:abc:1", "created")
    assert json.loads(event_attributes(document)["extraFields"]) == {"objectId": "abc:1"}


# --- attributes, headers, time ---------------------------------------------------------------------


def test_every_input_field_is_kept(normalize: NormalizeBatch) -> None:
    event = base_event(
        "contact.creation",
        changeFlag="NEW",
        sourceId="userId:57126116",
        futureField={"nested": [1, 2.5e10, None, True]},
        propertyValue=None,
    )
    _, document, _, _ = one_record(normalize, event)

    attributes = event_attributes(document)
    for name in [
        "eventId",
        "subscriptionId",
        "appId",
        "changeSource",
        "changeFlag",
        "sourceId",
        "attemptNumber",
    ]:
        assert attributes[name] == event[name], name
    assert json.loads(attributes["extraFields"]) == {
        "futureField": {"nested": [1, 2.5e10, None, True]},
        "propertyValue": None,
    }
    declared = declared_event_attributes(document)
    assert set(declared) == set(attributes)
    assert declared["extraFields"] == "string"
    assert declared["eventId"] == "integer"


def test_extra_fields_keep_raw_number_text(normalize: NormalizeBatch) -> None:
    body = (
        b'[{"portalId":1,"subscriptionType":"contact.creation","occurredAt":0,'
        b'"amount":1.50E+03,"appId":"54321"}]'
    )
    records, _ = normalize(body, RECEIVED_AT_MS)
    attributes = event_attributes(json.loads(records[0][1]))

    assert attributes["extraFields"] == '{"amount":1.50E+03,"appId":"54321"}'
    assert "appId" not in {k for k in attributes if k != "extraFields"}


def test_headers(normalize: NormalizeBatch) -> None:
    key, _, headers, event_id = one_record(normalize, base_event("deal.creation", attemptNumber=3))

    assert key == b"881204"
    assert headers == {
        "portal_id": b"881204",
        "event_id": event_id.encode(),
        "subscription_type": b"deal.creation",
        "occurred_at": b"1764820247826",
        "received_at": str(RECEIVED_AT_MS).encode(),
        "attempt_number": b"3",
        "hubspot_event_id": b"447712806",
        "content_type": b"application/ocel+json",
    }


def test_event_time_is_iso_utc_with_milliseconds(normalize: NormalizeBatch) -> None:
    for occurred_at, expected in [
        (0, "1970-01-01T00:00:00.000Z"),
        (951782400000, "2000-02-29T00:00:00.000Z"),
        (253402300799999, "9999-12-31T23:59:59.999Z"),
    ]:
        _, document, _, _ = one_record(normalize, base_event("deal.creation", occurredAt=occurred_at))
        assert document["events"][0]["time"] == expected


def test_value_is_compact_json(normalize: NormalizeBatch) -> None:
    records, _ = normalize(body_of(base_event("deal.creation")), RECEIVED_AT_MS)
    value = records[0][1]

    assert value == json.dumps(json.loads(value), separators=(",", ":"), ensure_ascii=False).encode()
    assert list(json.loads(value)) == ["eventTypes", "objectTypes", "events", "objects"]


# --- exactness ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [2**53 + 1, 2**64 + 1, 123456789012345678901234567890])
def test_big_integers_are_exact(normalize: NormalizeBatch, number: int) -> None:
    digits = str(number)
    event = base_event("contact.merge", portalId=number, objectId=number, mergedObjectIds=[number + 1])
    event["eventId"] = number
    key, document, headers, event_id = one_record(normalize, event)
    records, _ = normalize(body_of(event), RECEIVED_AT_MS)
    value = records[0][1].decode()

    assert key == digits.encode()
    assert headers["portal_id"] == digits.encode()
    assert headers["hubspot_event_id"] == digits.encode()
    assert event_id.startswith(f"hs:{digits}:event:")
    assert f'{{"name":"portalId","value":{digits}}}' in value
    assert f'{{"name":"eventId","value":{digits}}}' in value
    assert f"hs:{digits}:contact:{digits}" in objects_by_id(document)
    assert event_attributes(document)["mergedObjectIds"] == f"[{number + 1}]"


STRING_CASES = [
    'quote " backslash \\ slash /',
    "controls \b\f\n\r\t \x00 \x01 \x1f",
    "del \x7f line separator \u2028 paragraph \u2029",
    "emoji \U0001f600 and Grüße 日本",
    "",
]


@pytest.mark.parametrize("text", STRING_CASES)
def test_strings_are_exact(normalize: NormalizeBatch, text: str) -> None:
    event = base_event("contact.propertyChange", propertyName="note", propertyValue=text)
    _, document, _, _ = one_record(normalize, event)

    assert event_attributes(document)["propertyValue"] == text
    assert objects_by_id(document)["hs:881204:contact:16186497579"]["attributes"][0]["value"] == text


def test_string_escaping_rule(normalize: NormalizeBatch) -> None:
    body = (
        '[{"portalId":1,"subscriptionType":"x.y","occurredAt":0,'
        '"sourceId":"\\u0001\\u2028\\ud83d\\ude00\\/"}]'
    )
    records, _ = normalize(body.encode(), RECEIVED_AT_MS)
    value = records[0][1]

    assert '{"name":"sourceId","value":"\\u0001\u2028\U0001f600/"}'.encode() in value


def test_duplicate_keys_last_wins(normalize: NormalizeBatch) -> None:
    body = b'[{"portalId":1,"portalId":2,"subscriptionType":"deal.creation","occurredAt":5,"objectId":9}]'
    records, _ = normalize(body, RECEIVED_AT_MS)

    assert records[0][0] == b"2"


# --- event ids ---------------------------------------------------------------------------------------


def test_event_id_ignores_attempt_number(normalize: NormalizeBatch) -> None:
    first = one_record(normalize, base_event("deal.creation", attemptNumber=0))
    retry = one_record(normalize, base_event("deal.creation", attemptNumber=1))
    absent = base_event("deal.creation")
    del absent["attemptNumber"]

    assert first[3] == retry[3]
    assert first[3] == one_record(normalize, absent)[3]
    assert first[1] != retry[1]


def test_event_id_ignores_key_order_and_whitespace(normalize: NormalizeBatch) -> None:
    event = base_event("deal.creation")
    compact = body_of(event)
    reordered = json.dumps([dict(reversed(list(event.items())))], indent=2).encode()

    assert normalize(compact, 1)[0][0][3] == normalize(reordered, 1)[0][0][3]


@pytest.mark.parametrize(
    "change",
    [
        {"objectId": 16186497580},
        {"occurredAt": 1764820247827},
        {"eventId": 1},
        {"changeSource": "API"},
        {"x": 1},
    ],
)
def test_event_id_changes_with_content(normalize: NormalizeBatch, change: dict[str, Any]) -> None:
    original = one_record(normalize, base_event("deal.creation"))[3]
    changed = one_record(normalize, base_event("deal.creation", **change))[3]

    assert original != changed


def test_event_id_format(normalize: NormalizeBatch) -> None:
    event_id = one_record(normalize, base_event("deal.creation"))[3]
    prefix, digest = event_id.rsplit(":", 1)

    assert prefix == "hs:881204:event"
    assert len(digest) == 32
    assert set(digest) <= set("0123456789abcdef")


# --- poison ------------------------------------------------------------------------------------------

PORTAL = 881204


@pytest.mark.parametrize(
    ("event", "reason", "portal_id"),
    [
        (1, "not_an_object", None),
        ([base_event("deal.creation")], "not_an_object", None),
        (
            {k: v for k, v in base_event("deal.creation").items() if k != "portalId"},
            "missing_portal_id",
            None,
        ),
        (base_event("deal.creation", portalId=-1), "invalid_portal_id", None),
        (base_event("deal.creation", portalId=1.0), "invalid_portal_id", None),
        (base_event("deal.creation", portalId="881204"), "invalid_portal_id", None),
        (base_event("deal.creation", portalId=10**64), "invalid_portal_id", None),
        (
            {k: v for k, v in base_event("x.y").items() if k != "subscriptionType"},
            "missing_subscription_type",
            PORTAL,
        ),
        (base_event(""), "invalid_subscription_type", PORTAL),
        (base_event("deal.creation", subscriptionType=None), "invalid_subscription_type", PORTAL),
        ({k: v for k, v in base_event("x.y").items() if k != "occurredAt"}, "missing_occurred_at", PORTAL),
        (base_event("deal.creation", occurredAt=-1), "invalid_occurred_at", PORTAL),
        (base_event("deal.creation", occurredAt=1.5), "invalid_occurred_at", PORTAL),
        (base_event("deal.creation", occurredAt="1764820247826"), "invalid_occurred_at", PORTAL),
        (base_event("deal.creation", occurredAt=253402300800000), "invalid_occurred_at", PORTAL),
        (base_event("object.creation"), "missing_object_type_id", PORTAL),
        (base_event("object.creation", objectTypeId="0:1"), "invalid_object_type_id", PORTAL),
        (base_event("object.creation", objectTypeId=1), "invalid_object_type_id", PORTAL),
        (base_event("deal.creation", objectId=None), "invalid_object_id", PORTAL),
        (base_event("deal.creation", objectId=-5), "invalid_object_id", PORTAL),
        (base_event("deal.creation", objectId=""), "invalid_object_id", PORTAL),
        (base_event("deal.merge", mergedObjectIds=5), "invalid_object_id", PORTAL),
        (base_event("deal.merge", mergedObjectIds=[1, 2.5]), "invalid_object_id", PORTAL),
        (base_event("deal.associationChange", toObjectId=True), "invalid_object_id", PORTAL),
        (base_event("deal.associationChange", fromObjectTypeId="a b"), "invalid_object_type_id", PORTAL),
        (base_event("conversation.newMessage", messageId=[]), "invalid_object_id", PORTAL),
    ],
)
def test_event_poison(normalize: NormalizeBatch, event: Any, reason: str, portal_id: int | None) -> None:
    index, got_reason, detail, raw, got_portal = one_poison(normalize, body_of(event))

    assert index == 0
    assert got_reason == reason
    assert detail
    assert json.loads(raw) == event
    assert got_portal == portal_id


def test_poison_leaves_other_events(normalize: NormalizeBatch) -> None:
    body = b' [ {"portalId":1} ,\n' + body_of(base_event("deal.creation"))[1:-1] + b" , 7 ] "
    records, poison = normalize(body, RECEIVED_AT_MS)

    assert len(records) == 1
    assert [(p[0], p[1], p[3], p[4]) for p in poison] == [
        (0, "missing_subscription_type", b'{"portalId":1}', 1),
        (2, "not_an_object", b"7", None),
    ]


def test_poison_detail_truncates_value(normalize: NormalizeBatch) -> None:
    _, _, detail, _, _ = one_poison(normalize, body_of(base_event("deal.creation", portalId="9" * 500)))

    assert detail == f'portalId "{"9" * 63}... is not a non-negative JSON integer of at most 64 digits'


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "invalid_json"),
        (b"[", "invalid_json"),
        (b'[{"a":1}] x', "invalid_json"),
        (b"[1,]", "invalid_json"),
        (b"[NaN]", "invalid_json"),
        (b'[{"a":Infinity}]', "invalid_json"),
        (b"[-Infinity]", "invalid_json"),
        (b'[{"a":"\\ud800"}]', "invalid_json"),
        (b'[{"a":"\\udc00x"}]', "invalid_json"),
        (b'{"a":"\\ud83d"}', "invalid_json"),
        (b"\xef\xbb\xbf[]", "invalid_json"),
        (b'["\xff"]', "invalid_json"),
        (b'["\xed\xa0\x80"]', "invalid_json"),
        (b'["\t"]', "invalid_json"),
        (b'{"portalId":1}', "not_an_array"),
        (b'"[]"', "not_an_array"),
        (b" null ", "not_an_array"),
        (b"[" * 65 + b"]" * 65, "too_deep"),
        (b"[" * 65, "too_deep"),
        (b'[{"a":' * 33 + b"1" + b"}]" * 33, "too_deep"),
    ],
)
def test_body_poison(normalize: NormalizeBatch, body: bytes, reason: str) -> None:
    index, got_reason, detail, raw, portal_id = one_poison(normalize, body)

    assert index == -1
    assert got_reason == reason
    assert detail
    assert raw == body
    assert portal_id is None


def test_depth_64_is_accepted(normalize: NormalizeBatch) -> None:
    records, poison = normalize(b"[" * 64 + b"]" * 64, RECEIVED_AT_MS)

    assert records == []
    assert [p[1] for p in poison] == ["not_an_object"]


def test_empty_array(normalize: NormalizeBatch) -> None:
    assert normalize(b" [ ] ", RECEIVED_AT_MS) == ([], [])


def test_invalid_utf8_detail_names_offset(normalize: NormalizeBatch) -> None:
    _, _, detail, _, _ = one_poison(normalize, b'["ab\xc3\x28"]')

    assert detail == "body is not valid UTF-8: invalid byte sequence at offset 4"


def test_negative_received_at_is_rejected(normalize: NormalizeBatch) -> None:
    with pytest.raises(ValueError, match="received_at_ms"):
        normalize(b"[]", -1)
