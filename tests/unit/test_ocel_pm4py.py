"""Every record value loads with pm4py's OCEL 2.0 JSON importer as exactly one event with its objects.

pm4py (AGPL-3.0) is a test-only dependency and is imported once for the module, because its import
takes seconds. pm4py drops events without relationships and objects that no event references, so the
checks compare the loaded log with the objects and relationships the document declares.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from int_hubspot import _native
from tests.ocel_support import RECEIVED_AT_MS, base_event, body_of, sample_paths

pm4py = pytest.importorskip("pm4py")


def sample_records() -> Iterator[Any]:
    for path in sample_paths():
        records, poison = _native.normalize_batch(path.read_bytes(), RECEIVED_AT_MS)
        assert poison == [], path.name
        for record in records:
            subscription_type = dict(record[2])["subscription_type"].decode()
            yield pytest.param(record[1], id=f"{path.stem}-{subscription_type}-{record[3][-8:]}")


EDGE_EVENTS = [
    base_event(
        "contact.merge", portalId=2**64 + 1, objectId=10**29, primaryObjectId=10**29, mergedObjectIds=[1]
    ),
    base_event("contact.propertyChange", propertyName="note", propertyValue="\u2028\x01\U0001f600 \"'\\"),
    base_event("conversation.newMessage", messageId="47d7df790c5b4c59", messageType="MESSAGE"),
    base_event("future.thing", extra={"a": [1.5e300, None]}, objectTypeId="2-99"),
    base_event("deal.creation", occurredAt=253402300799999),
]


def edge_records() -> Iterator[Any]:
    for event in EDGE_EVENTS:
        records, poison = _native.normalize_batch(body_of(event), RECEIVED_AT_MS)
        assert poison == []
        yield pytest.param(records[0][1], id=f"edge-{event['subscriptionType']}")


def load(tmp_path: Path, value: bytes) -> Any:
    path = tmp_path / "record.jsonocel"
    path.write_bytes(value)
    return pm4py.read_ocel2_json(str(path))


@pytest.mark.parametrize("value", [*sample_records(), *edge_records()])
def test_record_loads_in_pm4py(tmp_path: Path, value: bytes) -> None:
    document: dict[str, Any] = json.loads(value)
    (event,) = document["events"]
    ocel = load(tmp_path, value)

    assert list(ocel.events["ocel:eid"]) == [event["id"]]
    assert list(ocel.events["ocel:activity"]) == [event["type"]]
    assert sorted(ocel.objects["ocel:oid"]) == sorted(obj["id"] for obj in document["objects"])
    expected_relations = sorted((r["objectId"], r["qualifier"]) for r in event["relationships"])
    assert sorted(zip(ocel.relations["ocel:oid"], ocel.relations["ocel:qualifier"], strict=True)) == (
        expected_relations
    )
    expected_o2o = sorted(
        (obj["id"], r["objectId"], r["qualifier"])
        for obj in document["objects"]
        for r in obj["relationships"]
    )
    loaded_o2o = zip(ocel.o2o["ocel:oid"], ocel.o2o["ocel:oid_2"], ocel.o2o["ocel:qualifier"], strict=True)
    assert sorted(loaded_o2o) == expected_o2o
