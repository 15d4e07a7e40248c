//! Event attributes: one typed attribute per known HubSpot field, plus `extraFields` for the rest.

use super::fields::{is_integer_text, Fields};
use super::json_text::{write_canonical, write_canonical_members};
use super::mapping::{known_field, FieldKind, KnownField, EXTRA_FIELDS_ATTRIBUTE, KNOWN_FIELDS};
use super::ocel::{Attribute, Value};
use super::parse::Json;

/// Reports whether `value` has the JSON shape that `kind` needs for a typed attribute.
pub fn has_kind_shape(kind: FieldKind, value: &Json<'_>) -> bool {
    match (kind, value) {
        (FieldKind::Integer, Json::Number(text)) => is_integer_text(text),
        (FieldKind::String, Json::String(_)) => true,
        (FieldKind::Boolean, Json::Bool(_)) => true,
        (FieldKind::JsonText, _) => true,
        _ => false,
    }
}

/// Returns the attribute value of a value that has the shape of `kind`. `JsonText` values get their
/// canonical JSON appended to `scratch`.
fn typed_value<'j>(kind: FieldKind, value: &'j Json<'_>, scratch: &mut String) -> Value<'j> {
    match value {
        Json::Number(text) if kind == FieldKind::Integer => Value::Raw(text),
        Json::String(text) if kind == FieldKind::String => Value::Text(text),
        Json::Bool(true) if kind == FieldKind::Boolean => Value::Raw("true"),
        Json::Bool(false) if kind == FieldKind::Boolean => Value::Raw("false"),
        any => {
            debug_assert_eq!(kind, FieldKind::JsonText);
            let start = scratch.len();
            write_canonical(scratch, any);
            Value::Scratch(start..scratch.len())
        }
    }
}

/// Returns the raw digits of an integer field, or `None` when it is absent or not an integer.
pub fn integer_field<'j>(fields: &Fields<'j, '_>, field: KnownField) -> Option<&'j str> {
    match fields.get(field) {
        Some(Json::Number(text)) if is_integer_text(text) => Some(text),
        _ => None,
    }
}

/// Appends the event attributes to `attributes`. Every input field ends up in exactly one attribute:
/// known fields of the expected shape under their own name, all others (unknown names, or known names
/// with another JSON shape) inside `extraFields` as one canonical JSON object. Canonical JSON text
/// goes to `scratch`, which `Value::Scratch` values point into.
pub fn event_attributes<'j>(
    fields: &Fields<'j, '_>,
    attributes: &mut Vec<Attribute<'j>>,
    scratch: &mut String,
) {
    for (index, (name, kind)) in KNOWN_FIELDS.iter().enumerate() {
        let Some(value) = fields.known_by_index(index) else {
            continue;
        };
        if has_kind_shape(*kind, value) {
            attributes.push(Attribute {
                name,
                ocel_type: kind.ocel_type(),
                value: typed_value(*kind, value, scratch),
            });
        }
    }

    let is_extra = |(name, value): &(&str, &Json<'_>)| match known_field(name) {
        Some(field) => !has_kind_shape(field.kind(), value),
        None => true,
    };
    let mut extra = fields.members().iter().copied().filter(is_extra).peekable();
    if extra.peek().is_some() {
        let start = scratch.len();
        write_canonical_members(scratch, extra);
        attributes.push(Attribute {
            name: EXTRA_FIELDS_ATTRIBUTE,
            ocel_type: "string",
            value: Value::Scratch(start..scratch.len()),
        });
    }
}
