//! Field access and validation for one webhook event.

use super::json_text::{canonical, sorted_members};
use super::mapping::{is_valid_object_type_id, known_field, KnownField, KNOWN_FIELDS};
use super::parse::{kind_name, Json};
use super::time::MAX_EPOCH_MS;

/// Maximum number of digits accepted in `portalId`, so every portal id converts to a Python `int`
/// (CPython limits `int(str)` to 4300 digits by default).
pub const MAX_PORTAL_ID_DIGITS: usize = 64;
/// Maximum number of characters of a value quoted in a poison detail.
pub const PREVIEW_CHARS: usize = 64;

/// Why one event cannot be normalized: a stable reason code and a short message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventError {
    pub reason: &'static str,
    pub detail: String,
}

impl EventError {
    pub fn new(reason: &'static str, detail: String) -> Self {
        EventError { reason, detail }
    }
}

/// The members of one event object, sorted by key with the last duplicate kept, and the values of the
/// known fields among them.
pub struct Fields<'j, 'a> {
    members: Vec<(&'j str, &'j Json<'a>)>,
    known: [Option<&'j Json<'a>>; KNOWN_FIELDS.len()],
}

impl<'j, 'a> Fields<'j, 'a> {
    /// Returns the fields of an event, or `not_an_object` when the value is not a JSON object.
    pub fn of_event(value: &'j Json<'a>) -> Result<Self, EventError> {
        match value {
            Json::Object(members) => {
                let members = sorted_members(members);
                let mut known = [None; KNOWN_FIELDS.len()];
                for (name, value) in &members {
                    if let Some(field) = known_field(name) {
                        known[field as usize] = Some(*value);
                    }
                }
                Ok(Fields { members, known })
            }
            other => Err(EventError::new(
                "not_an_object",
                format!("event is a JSON {}, not an object", kind_name(other)),
            )),
        }
    }

    pub fn get(&self, field: KnownField) -> Option<&'j Json<'a>> {
        self.known[field as usize]
    }

    /// Returns the value of the known field at `index` of [`KNOWN_FIELDS`].
    pub fn known_by_index(&self, index: usize) -> Option<&'j Json<'a>> {
        self.known[index]
    }

    /// Returns the string value of a field, or `None` when it is absent or not a string.
    pub fn get_str(&self, field: KnownField) -> Option<&'j str> {
        match self.get(field) {
            Some(Json::String(text)) => Some(text.as_ref()),
            _ => None,
        }
    }

    /// Returns all members in key order.
    pub fn members(&self) -> &[(&'j str, &'j Json<'a>)] {
        &self.members
    }
}

/// Returns the canonical JSON of `value`, cut to [`PREVIEW_CHARS`] characters with `...` appended.
pub fn preview(value: &Json<'_>) -> String {
    let text = canonical(value);
    match text.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// Reports whether a number's raw text is an integer: no fraction and no exponent.
pub fn is_integer_text(text: &str) -> bool {
    !text.bytes().any(|byte| matches!(byte, b'.' | b'e' | b'E'))
}

/// Returns the digits of a non-negative JSON integer (`0` or digits without a leading zero).
fn non_negative_integer<'j>(value: &'j Json<'_>) -> Option<&'j str> {
    match value {
        Json::Number(text) if !text.starts_with('-') && is_integer_text(text) => Some(text),
        _ => None,
    }
}

/// The fields every event must carry, validated.
#[derive(Debug, Clone)]
pub struct Envelope<'j> {
    /// Decimal digits of `portalId`, exactly as in the body.
    pub portal_id: &'j str,
    pub subscription_type: &'j str,
    /// Decimal digits of `occurredAt`, exactly as in the body.
    pub occurred_at: &'j str,
    pub occurred_at_ms: u64,
}

/// Returns the digits of `portalId`, or `missing_portal_id` / `invalid_portal_id`.
pub fn portal_id<'j>(fields: &Fields<'j, '_>) -> Result<&'j str, EventError> {
    let value = fields.get(KnownField::PortalId).ok_or_else(|| {
        EventError::new(
            "missing_portal_id",
            "portalId is missing, so the tenant of this event is unknown".to_string(),
        )
    })?;
    match non_negative_integer(value) {
        Some(digits) if digits.len() <= MAX_PORTAL_ID_DIGITS => Ok(digits),
        _ => Err(EventError::new(
            "invalid_portal_id",
            format!(
                "portalId {} is not a non-negative JSON integer of at most {MAX_PORTAL_ID_DIGITS} digits",
                preview(value)
            ),
        )),
    }
}

/// Validates `subscriptionType` and `occurredAt` once the portal id is known.
pub fn envelope<'j>(
    fields: &Fields<'j, '_>,
    portal_id: &'j str,
) -> Result<Envelope<'j>, EventError> {
    let subscription_type = match fields.get(KnownField::SubscriptionType) {
        None => {
            return Err(EventError::new(
                "missing_subscription_type",
                "subscriptionType is missing".to_string(),
            ))
        }
        Some(Json::String(text)) if !text.is_empty() => text.as_ref(),
        Some(other) => {
            return Err(EventError::new(
                "invalid_subscription_type",
                format!(
                    "subscriptionType {} is not a non-empty string",
                    preview(other)
                ),
            ))
        }
    };

    let occurred_value = fields.get(KnownField::OccurredAt).ok_or_else(|| {
        EventError::new("missing_occurred_at", "occurredAt is missing".to_string())
    })?;
    let occurred = non_negative_integer(occurred_value)
        .filter(|digits| digits.len() <= 15)
        .and_then(|digits| digits.parse::<u64>().ok().map(|ms| (digits, ms)))
        .filter(|(_, ms)| *ms <= MAX_EPOCH_MS);
    let Some((occurred_at, occurred_at_ms)) = occurred else {
        return Err(EventError::new(
            "invalid_occurred_at",
            format!(
                "occurredAt {} is not an integer count of epoch milliseconds from 1970-01-01 to 9999-12-31",
                preview(occurred_value)
            ),
        ));
    };

    Ok(Envelope {
        portal_id,
        subscription_type,
        occurred_at,
        occurred_at_ms,
    })
}

/// Returns the object id text of a value: a non-negative integer's digits or a non-empty string.
pub fn object_id_text<'j>(value: &'j Json<'_>) -> Option<&'j str> {
    match value {
        Json::String(text) if !text.is_empty() => Some(text.as_ref()),
        other => non_negative_integer(other),
    }
}

/// Returns the object id in `field` (`None` when absent), or `invalid_object_id`.
pub fn optional_object_id<'j>(
    fields: &Fields<'j, '_>,
    field: KnownField,
) -> Result<Option<&'j str>, EventError> {
    match fields.get(field) {
        None => Ok(None),
        Some(value) => object_id_text(value)
            .map(Some)
            .ok_or_else(|| invalid_object_id(field.name(), value)),
    }
}

pub fn invalid_object_id(name: &str, value: &Json<'_>) -> EventError {
    EventError::new(
        "invalid_object_id",
        format!(
            "{name} {} is not a non-negative JSON integer or a non-empty string",
            preview(value)
        ),
    )
}

/// Returns the ids in `mergedObjectIds` (empty when absent), or `invalid_object_id`.
pub fn merged_object_ids<'j>(fields: &Fields<'j, '_>) -> Result<Vec<&'j str>, EventError> {
    match fields.get(KnownField::MergedObjectIds) {
        None => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                object_id_text(item)
                    .ok_or_else(|| invalid_object_id(&format!("mergedObjectIds[{index}]"), item))
            })
            .collect(),
        Some(other) => Err(EventError::new(
            "invalid_object_id",
            format!(
                "mergedObjectIds {} is not an array of object ids",
                preview(other)
            ),
        )),
    }
}

/// Returns the object type id in `field` (`None` when absent), or `invalid_object_type_id`.
pub fn optional_object_type_id<'j>(
    fields: &Fields<'j, '_>,
    field: KnownField,
) -> Result<Option<&'j str>, EventError> {
    let name = field.name();
    match fields.get(field) {
        None => Ok(None),
        Some(Json::String(text)) if is_valid_object_type_id(text) => Ok(Some(text.as_ref())),
        Some(other) => Err(EventError::new(
            "invalid_object_type_id",
            format!(
                "{name} {} is not a string of 1 to 64 ASCII letters, digits, '-' or '_'",
                preview(other)
            ),
        )),
    }
}
