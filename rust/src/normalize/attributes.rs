//! Event attributes: one typed attribute per known HubSpot field, plus `extraFields` for the rest.

use super::fields::{is_integer_text, Fields};
use super::json_text::{canonical, quoted, write_canonical_members};
use super::mapping::{known_field_kind, FieldKind, EXTRA_FIELDS_ATTRIBUTE, KNOWN_FIELDS};
use super::ocel::Attribute;
use super::parse::Json;

/// Returns the JSON text of `value` as an attribute of `kind`, or `None` when the shape differs.
pub fn typed_value_json(kind: FieldKind, value: &Json<'_>) -> Option<String> {
    match (kind, value) {
        (FieldKind::Integer, Json::Number(text)) if is_integer_text(text) => {
            Some((*text).to_string())
        }
        (FieldKind::String, Json::String(text)) => Some(quoted(text)),
        (FieldKind::Boolean, Json::Bool(flag)) => Some(flag.to_string()),
        (FieldKind::JsonText, any) => Some(quoted(&canonical(any))),
        _ => None,
    }
}

/// Returns the raw digits of an integer field, or `None` when it is absent or not an integer.
pub fn integer_field<'j>(fields: &Fields<'j, '_>, name: &str) -> Option<&'j str> {
    match fields.get(name) {
        Some(Json::Number(text)) if is_integer_text(text) => Some(text),
        _ => None,
    }
}

/// Builds the event attributes. Every input field ends up in exactly one attribute: known fields of the
/// expected shape under their own name, all others (unknown names, or known names with another JSON
/// shape) inside `extraFields` as one canonical JSON object.
pub fn event_attributes(fields: &Fields<'_, '_>) -> Vec<Attribute> {
    let mut attributes = Vec::new();
    for (name, kind) in KNOWN_FIELDS {
        let Some(value) = fields.get(name) else {
            continue;
        };
        if let Some(value_json) = typed_value_json(kind, value) {
            attributes.push(Attribute {
                name: name.to_string(),
                ocel_type: kind.ocel_type(),
                value_json,
            });
        }
    }

    let extra: Vec<(&str, &Json<'_>)> = fields
        .members()
        .iter()
        .filter(|(name, value)| match known_field_kind(name) {
            Some(kind) => typed_value_json(kind, value).is_none(),
            None => true,
        })
        .copied()
        .collect();
    if !extra.is_empty() {
        let mut text = String::new();
        write_canonical_members(&mut text, &extra);
        attributes.push(Attribute {
            name: EXTRA_FIELDS_ATTRIBUTE.to_string(),
            ocel_type: "string",
            value_json: quoted(&text),
        });
    }
    attributes
}
