"""The one-event OCEL 2.0 document: its model and its compact JSON writer.

The writer derives the `eventTypes` and `objectTypes` declarations from what the document uses: the
event's type with its attributes, then each object type in order of first appearance with the attributes
its objects carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from int_hubspot.ocel.json_text import quoted

__all__ = ["Attribute", "Event", "Object", "Relationship", "write_document"]


@dataclass(frozen=True, slots=True)
class Attribute:
    """A typed attribute whose value is already JSON text (raw number, `true`, or a quoted string)."""

    name: str
    ocel_type: str
    value_json: str


@dataclass(frozen=True, slots=True)
class Relationship:
    """A qualified relationship to an object (event-to-object or object-to-object)."""

    object_id: str
    qualifier: str


@dataclass(slots=True)
class Object:
    """An object; its attribute values are all stamped with the event time."""

    id: str
    object_type: str
    attributes: list[Attribute] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    event_type: str
    time: str
    attributes: list[Attribute]
    relationships: list[Relationship]


def _type_declaration(name: str, attributes: list[Attribute]) -> str:
    declared = ",".join(
        f'{{"name":{quoted(attribute.name)},"type":{quoted(attribute.ocel_type)}}}'
        for attribute in attributes
    )
    return f'{{"name":{quoted(name)},"attributes":[{declared}]}}'


def _relationships(relationships: list[Relationship]) -> str:
    items = ",".join(
        f'{{"objectId":{quoted(relationship.object_id)},"qualifier":{quoted(relationship.qualifier)}}}'
        for relationship in relationships
    )
    return f'"relationships":[{items}]'


def _object_type_declarations(objects: list[Object]) -> dict[str, list[Attribute]]:
    """Group the objects' attributes by type, in first-appearance order for types and attribute names."""
    declarations: dict[str, list[Attribute]] = {}
    for obj in objects:
        declared = declarations.setdefault(obj.object_type, [])
        for attribute in obj.attributes:
            if all(known.name != attribute.name for known in declared):
                declared.append(attribute)
    return declarations


def _object(obj: Object, time: str) -> str:
    attributes = ",".join(
        f'{{"name":{quoted(attribute.name)},"value":{attribute.value_json},"time":{quoted(time)}}}'
        for attribute in obj.attributes
    )
    return (
        f'{{"id":{quoted(obj.id)},"type":{quoted(obj.object_type)},"attributes":[{attributes}],'
        f"{_relationships(obj.relationships)}}}"
    )


def write_document(event: Event, objects: list[Object]) -> str:
    """Return the compact JSON text of a document holding `event` and `objects`."""
    object_types = ",".join(
        _type_declaration(name, attributes) for name, attributes in _object_type_declarations(objects).items()
    )
    event_attributes = ",".join(
        f'{{"name":{quoted(attribute.name)},"value":{attribute.value_json}}}'
        for attribute in event.attributes
    )
    event_json = (
        f'{{"id":{quoted(event.id)},"type":{quoted(event.event_type)},"time":{quoted(event.time)},'
        f'"attributes":[{event_attributes}],{_relationships(event.relationships)}}}'
    )
    objects_json = ",".join(_object(obj, event.time) for obj in objects)
    return (
        f'{{"eventTypes":[{_type_declaration(event.event_type, event.attributes)}],'
        f'"objectTypes":[{object_types}],"events":[{event_json}],"objects":[{objects_json}]}}'
    )
