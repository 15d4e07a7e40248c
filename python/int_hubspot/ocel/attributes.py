"""Event attributes: one typed attribute per known HubSpot field, plus `extraFields` for the rest."""

from __future__ import annotations

from int_hubspot.ocel.document import Attribute
from int_hubspot.ocel.fields import Fields, integer_text
from int_hubspot.ocel.json_text import canonical, canonical_members, quoted
from int_hubspot.ocel.mapping import EXTRA_FIELDS_ATTRIBUTE, KNOWN_FIELDS, FieldKind
from int_hubspot.ocel.parse import JsonValue

__all__ = ["event_attributes", "integer_field", "typed_value_json"]


def typed_value_json(kind: FieldKind, value: JsonValue) -> str | None:
    """Return the JSON text of `value` as an attribute of `kind`, or None when the shape differs."""
    if kind is FieldKind.INTEGER:
        return integer_text(value)
    if kind is FieldKind.STRING:
        return quoted(value) if isinstance(value, str) else None
    if kind is FieldKind.BOOLEAN:
        if isinstance(value, bool):
            return "true" if value else "false"
        return None
    return quoted(canonical(value))


def integer_field(fields: Fields, name: str) -> str | None:
    """Return the raw digits of an integer field, or None when it is absent or not an integer."""
    return integer_text(fields.get(name))


def event_attributes(fields: Fields) -> list[Attribute]:
    """Build the event attributes; every input field ends up in exactly one of them.

    Known fields of the expected shape get an attribute under their own name. All others (unknown names,
    or known names with another JSON shape) go into `extraFields` as one canonical JSON object.
    """
    attributes: list[Attribute] = []
    for name, kind in KNOWN_FIELDS.items():
        if name not in fields:
            continue
        value_json = typed_value_json(kind, fields.get(name))
        if value_json is not None:
            attributes.append(Attribute(name=name, ocel_type=kind.ocel_type, value_json=value_json))

    extra: list[tuple[str, JsonValue]] = []
    for name, value in fields.members():
        known_kind = KNOWN_FIELDS.get(name)
        if known_kind is None or typed_value_json(known_kind, value) is None:
            extra.append((name, value))
    if extra:
        attributes.append(
            Attribute(
                name=EXTRA_FIELDS_ATTRIBUTE, ocel_type="string", value_json=quoted(canonical_members(extra))
            )
        )
    return attributes
