"""Tables that map HubSpot subscription types, object type ids and payload fields to OCEL names."""

from __future__ import annotations

import re
from enum import Enum
from typing import Final

__all__ = [
    "EXTRA_FIELDS_ATTRIBUTE",
    "GENERIC_PREFIX",
    "KNOWN_FIELDS",
    "LEGACY_OBJECT_TYPES",
    "MESSAGE_OBJECT_TYPE",
    "PORTAL_OBJECT_TYPE",
    "PORTAL_QUALIFIER",
    "UNKNOWN_OBJECT_TYPE",
    "Action",
    "FieldKind",
    "association_object_types",
    "is_plain_identifier",
    "is_property_attribute_name",
    "is_valid_object_type_id",
    "object_type_for_id",
]

# Object type and qualifier of the portal (tenant) object that every event relates to.
PORTAL_OBJECT_TYPE: Final = "portal"
PORTAL_QUALIFIER: Final = "portal"
# Object type used when HubSpot sends no usable type for an object.
UNKNOWN_OBJECT_TYPE: Final = "unknown"
# Object type of a conversation message in `conversation.newMessage` events.
MESSAGE_OBJECT_TYPE: Final = "message"
# Subscription type prefix of HubSpot's generic format (`object.creation` and so on).
GENERIC_PREFIX: Final = "object"
# Event attribute holding the canonical JSON of input fields that have no typed attribute.
EXTRA_FIELDS_ATTRIBUTE: Final = "extraFields"

# Object types of the legacy `<object>.<action>` subscription types.
LEGACY_OBJECT_TYPES: Final = frozenset(
    {"contact", "company", "deal", "ticket", "product", "line_item", "conversation"}
)

# Standard HubSpot object type ids and the object type names they map to.
_STANDARD_OBJECT_TYPE_IDS: Final = {
    "0-1": "contact",
    "0-2": "company",
    "0-3": "deal",
    "0-5": "ticket",
    "0-7": "product",
    "0-8": "line_item",
}


class Action(Enum):
    """The part of a subscription type after the first dot; the value is the subject qualifier."""

    CREATION = "creation"
    DELETION = "deletion"
    RESTORE = "restore"
    PROPERTY_CHANGE = "propertyChange"
    ASSOCIATION_CHANGE = "associationChange"
    MERGE = "merge"
    PRIVACY_DELETION = "privacyDeletion"
    NEW_MESSAGE = "newMessage"
    OTHER = ""

    @staticmethod
    def parse(action: str) -> Action:
        for member in Action:
            if member is not Action.OTHER and member.value == action:
                return member
        return Action.OTHER

    @property
    def subject_qualifier(self) -> str:
        """Qualifier of the relationship from the event to the object named by `objectId`."""
        return _SUBJECT_QUALIFIERS.get(self, "object")


_SUBJECT_QUALIFIERS: Final = {
    Action.CREATION: "created",
    Action.DELETION: "deleted",
    Action.RESTORE: "restored",
    Action.PROPERTY_CHANGE: "changed",
    Action.PRIVACY_DELETION: "privacy_deleted",
    Action.NEW_MESSAGE: "thread",
}


class FieldKind(Enum):
    """JSON shape a known payload field must have to become a typed event attribute."""

    INTEGER = "integer"
    STRING = "string"
    BOOLEAN = "boolean"
    # Any JSON value, stored as its canonical JSON text in a string attribute.
    JSON_TEXT = "json_text"

    @property
    def ocel_type(self) -> str:
        return "string" if self is FieldKind.JSON_TEXT else self.value


# Known HubSpot payload fields in the order their event attributes are written.
KNOWN_FIELDS: Final[dict[str, FieldKind]] = {
    "eventId": FieldKind.INTEGER,
    "subscriptionId": FieldKind.INTEGER,
    "portalId": FieldKind.INTEGER,
    "appId": FieldKind.INTEGER,
    "occurredAt": FieldKind.INTEGER,
    "subscriptionType": FieldKind.STRING,
    "attemptNumber": FieldKind.INTEGER,
    "objectId": FieldKind.INTEGER,
    "objectTypeId": FieldKind.STRING,
    "changeSource": FieldKind.STRING,
    "changeFlag": FieldKind.STRING,
    "sourceId": FieldKind.STRING,
    "propertyName": FieldKind.STRING,
    "propertyValue": FieldKind.STRING,
    "associationType": FieldKind.STRING,
    "associationTypeId": FieldKind.INTEGER,
    "associationCategory": FieldKind.STRING,
    "fromObjectTypeId": FieldKind.STRING,
    "toObjectTypeId": FieldKind.STRING,
    "fromObjectId": FieldKind.INTEGER,
    "toObjectId": FieldKind.INTEGER,
    "associationRemoved": FieldKind.BOOLEAN,
    "isPrimaryAssociation": FieldKind.BOOLEAN,
    "primaryObjectId": FieldKind.INTEGER,
    "mergedObjectIds": FieldKind.JSON_TEXT,
    "newObjectId": FieldKind.INTEGER,
    "numberOfPropertiesMoved": FieldKind.INTEGER,
    "messageId": FieldKind.STRING,
    "messageType": FieldKind.STRING,
}

# Used with `fullmatch`, so a trailing newline never passes as it would with `$`.
_OBJECT_TYPE_ID = re.compile(r"[0-9A-Za-z_-]{1,64}", re.ASCII)
_PLAIN_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,63}", re.ASCII)
_PROPERTY_ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)


def is_valid_object_type_id(text: str) -> bool:
    """Report whether `text` is 1 to 64 ASCII letters, digits, `-` or `_` (HubSpot sends `0-1`, `2-123`)."""
    return _OBJECT_TYPE_ID.fullmatch(text) is not None


def is_plain_identifier(text: str) -> bool:
    """Report whether `text` is a lowercase identifier usable as an object type."""
    return _PLAIN_IDENTIFIER.fullmatch(text) is not None


def is_property_attribute_name(text: str) -> bool:
    """Report whether a property name can become an object attribute name: `[A-Za-z][A-Za-z0-9_]*`.

    HubSpot internal property names fit; other names stay event attributes only, so no input can produce
    a name such as pm4py's `ocel:type` columns.
    """
    return _PROPERTY_ATTRIBUTE_NAME.fullmatch(text) is not None


def object_type_for_id(object_type_id: str) -> str:
    """Map a valid object type id to an object type: a standard name, or `object_<id>` for the others."""
    return _STANDARD_OBJECT_TYPE_IDS.get(object_type_id, f"object_{object_type_id}")


def association_object_types(association_type: str) -> tuple[str, str] | None:
    """Split a legacy association type such as `LINE_ITEM_TO_DEAL` at the first `_TO_`.

    Returns the lowercase object types, or None when a side is not a plain identifier. Only ASCII is
    lowercased, because `str.lower` turns some non-ASCII letters (the Kelvin sign) into ASCII ones.
    """
    from_part, separator, to_part = association_type.partition("_TO_")
    if not separator or not from_part.isascii() or not to_part.isascii():
        return None
    from_type = from_part.lower()
    to_type = to_part.lower()
    if not is_plain_identifier(from_type) or not is_plain_identifier(to_type):
        return None
    return from_type, to_type
