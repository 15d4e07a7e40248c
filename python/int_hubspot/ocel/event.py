"""Normalization of one webhook event into a one-event OCEL 2.0 document."""

from __future__ import annotations

from dataclasses import dataclass

from int_hubspot.ocel.attributes import event_attributes, integer_field
from int_hubspot.ocel.document import Attribute, Event, write_document
from int_hubspot.ocel.event_id import event_id
from int_hubspot.ocel.fields import (
    Envelope,
    EventError,
    Fields,
    envelope,
    merged_object_ids,
    optional_object_id,
    optional_object_type_id,
    portal_id,
)
from int_hubspot.ocel.graph import Graph
from int_hubspot.ocel.json_text import quoted
from int_hubspot.ocel.mapping import (
    GENERIC_PREFIX,
    LEGACY_OBJECT_TYPES,
    MESSAGE_OBJECT_TYPE,
    PORTAL_OBJECT_TYPE,
    PORTAL_QUALIFIER,
    UNKNOWN_OBJECT_TYPE,
    Action,
    association_object_types,
    is_plain_identifier,
    is_property_attribute_name,
    object_type_for_id,
)
from int_hubspot.ocel.parse import JsonValue
from int_hubspot.ocel.timestamps import format_epoch_ms

__all__ = ["NormalizedEvent", "RejectedEventError", "normalize_event"]


@dataclass(frozen=True, slots=True)
class NormalizedEvent:
    """One normalized event: the OCEL document and the values its Kafka headers carry."""

    portal_id: str
    event_id: str
    subscription_type: str
    occurred_at: str
    attempt_number: str | None
    hubspot_event_id: str | None
    document: str


class RejectedEventError(Exception):
    """An event that cannot be normalized, with the portal id when it was valid."""

    def __init__(self, error: EventError, portal: str | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.portal_id = portal


@dataclass(frozen=True, slots=True)
class _Subject:
    """Event type and subject object type derived from a subscription type."""

    action: Action
    event_type: str
    object_type: str


def _resolve_subject(fields: Fields, subscription_type: str) -> _Subject:
    """Resolve the event type and the subject object type from `subscriptionType` and `objectTypeId`.

    `object.<action>` types the subject by `objectTypeId` (required) and names the event
    `<object type>.<action>`; legacy `<object>.<action>` types keep the subscription type as event type.
    Other subscription types keep it too and type the subject by `objectTypeId` when present, else by the
    prefix before the first dot when it is a plain identifier, else as `unknown`.
    """
    prefix, dot, action_text = subscription_type.partition(".")
    action = Action.parse(action_text) if dot else Action.OTHER

    if dot and prefix == GENERIC_PREFIX:
        object_type_id = optional_object_type_id(fields, "objectTypeId")
        if object_type_id is None:
            raise EventError(
                "missing_object_type_id",
                "objectTypeId is missing; generic object.* events need it to type their objects",
            )
        object_type = object_type_for_id(object_type_id)
        return _Subject(action=action, event_type=f"{object_type}.{action_text}", object_type=object_type)

    if dot and prefix in LEGACY_OBJECT_TYPES:
        object_type = prefix
    else:
        object_type_id = optional_object_type_id(fields, "objectTypeId")
        if object_type_id is not None:
            object_type = object_type_for_id(object_type_id)
        elif dot and is_plain_identifier(prefix):
            object_type = prefix
        else:
            object_type = UNKNOWN_OBJECT_TYPE
    return _Subject(action=action, event_type=subscription_type, object_type=object_type)


def _object_id(portal: str, object_type: str, object_id: str) -> str:
    return f"hs:{portal}:{object_type}:{object_id}"


def _association_types(fields: Fields, subject_type: str) -> tuple[str, str]:
    """Resolve the object types on both sides of an association change."""
    from_type_id = optional_object_type_id(fields, "fromObjectTypeId")
    to_type_id = optional_object_type_id(fields, "toObjectTypeId")
    association_type = fields.get_str("associationType")
    legacy = association_object_types(association_type) if association_type is not None else None

    if from_type_id is not None:
        from_type = object_type_for_id(from_type_id)
    elif legacy is not None:
        from_type = legacy[0]
    else:
        from_type = subject_type

    if to_type_id is not None:
        to_type = object_type_for_id(to_type_id)
    elif legacy is not None:
        to_type = legacy[1]
    else:
        to_type = UNKNOWN_OBJECT_TYPE
    return from_type, to_type


def _relate_merge(graph: Graph, fields: Fields, portal: str, object_type: str, subject: str | None) -> None:
    primary_text = optional_object_id(fields, "primaryObjectId")
    primary = _object_id(portal, object_type, primary_text) if primary_text is not None else None
    merged = [_object_id(portal, object_type, text) for text in merged_object_ids(fields)]
    new_text = optional_object_id(fields, "newObjectId")
    new = _object_id(portal, object_type, new_text) if new_text is not None else None

    if subject is not None and subject not in (primary, new) and subject not in merged:
        graph.relate(subject, object_type, "object")
    if primary is not None:
        graph.relate(primary, object_type, "primary")
    for merged_id in merged:
        graph.relate(merged_id, object_type, "merged")
    if new is not None:
        graph.relate(new, object_type, "new")
    if primary is not None:
        for merged_id in merged:
            if merged_id != primary:
                graph.link(merged_id, primary, "merged_into")


def _relate_association(
    graph: Graph, fields: Fields, portal: str, subject_type: str, subject: str | None
) -> None:
    from_type, to_type = _association_types(fields, subject_type)
    from_text = optional_object_id(fields, "fromObjectId")
    from_id = _object_id(portal, from_type, from_text) if from_text is not None else None
    to_text = optional_object_id(fields, "toObjectId")
    to_id = _object_id(portal, to_type, to_text) if to_text is not None else None

    if subject is not None and subject not in (from_id, to_id):
        graph.relate(subject, subject_type, "object")
    if from_id is not None:
        graph.relate(from_id, from_type, "from")
    if to_id is not None:
        graph.relate(to_id, to_type, "to")
    # Object-to-object relationships carry no time in OCEL 2.0, so only an added association becomes one;
    # a removal is visible through the event alone.
    removed = fields.get("associationRemoved")
    if from_id is not None and to_id is not None and removed is False:
        qualifier = fields.get_str("associationType") or "associated"
        graph.link(from_id, to_id, qualifier)


def _relate_new_message(
    graph: Graph, fields: Fields, portal: str, subject_type: str, subject: str | None
) -> None:
    if subject is not None:
        graph.relate(subject, subject_type, Action.NEW_MESSAGE.subject_qualifier)
    message = optional_object_id(fields, "messageId")
    if message is not None:
        message_id = _object_id(portal, MESSAGE_OBJECT_TYPE, message)
        graph.relate(message_id, MESSAGE_OBJECT_TYPE, "message")
        if subject is not None:
            graph.link(message_id, subject, "thread")


def _add_property_value(graph: Graph, fields: Fields, subject: str | None) -> None:
    """Record a property change as a time-stamped attribute of the changed object."""
    name = fields.get_str("propertyName")
    value = fields.get_str("propertyValue")
    if subject is None or name is None or value is None or not is_property_attribute_name(name):
        return
    graph.add_attribute(subject, Attribute(name=name, ocel_type="string", value_json=quoted(value)))


def _build(fields: Fields, envelope_: Envelope) -> NormalizedEvent:
    """Build the document of an event whose envelope is valid."""
    portal = envelope_.portal_id
    subject = _resolve_subject(fields, envelope_.subscription_type)
    subject_text = optional_object_id(fields, "objectId")
    subject_id = _object_id(portal, subject.object_type, subject_text) if subject_text is not None else None

    graph = Graph()
    graph.relate(f"hs:{portal}:portal", PORTAL_OBJECT_TYPE, PORTAL_QUALIFIER)
    if subject.action is Action.MERGE:
        _relate_merge(graph, fields, portal, subject.object_type, subject_id)
    elif subject.action is Action.ASSOCIATION_CHANGE:
        _relate_association(graph, fields, portal, subject.object_type, subject_id)
    elif subject.action is Action.NEW_MESSAGE:
        _relate_new_message(graph, fields, portal, subject.object_type, subject_id)
    elif subject_id is not None:
        graph.relate(subject_id, subject.object_type, subject.action.subject_qualifier)
    if subject.action is Action.PROPERTY_CHANGE:
        _add_property_value(graph, fields, subject_id)

    identifier = event_id(portal, fields)
    event = Event(
        id=identifier,
        event_type=subject.event_type,
        time=format_epoch_ms(envelope_.occurred_at_ms),
        attributes=event_attributes(fields),
        relationships=graph.relationships,
    )
    return NormalizedEvent(
        portal_id=portal,
        event_id=identifier,
        subscription_type=envelope_.subscription_type,
        occurred_at=envelope_.occurred_at,
        attempt_number=integer_field(fields, "attemptNumber"),
        hubspot_event_id=integer_field(fields, "eventId"),
        document=write_document(event, list(graph.objects.values())),
    )


def normalize_event(value: JsonValue) -> NormalizedEvent:
    """Normalize one element of the batch array; raise `RejectedEventError` when it is poison."""
    try:
        fields = Fields.of_event(value)
        portal = portal_id(fields)
    except EventError as error:
        raise RejectedEventError(error, None) from None
    try:
        return _build(fields, envelope(fields, portal))
    except EventError as error:
        raise RejectedEventError(error, portal) from None
