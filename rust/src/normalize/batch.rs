//! Normalization of a whole webhook batch into Kafka records and poison items.

use super::event::normalize_event;
use super::parse::{parse_body, Body, BodyError, MAX_DEPTH};
use std::ops::Range;

/// Content type of every record value.
pub const CONTENT_TYPE: &str = "application/ocel+json";

/// One Kafka record: key, value, headers (name and UTF-8 value) and the event id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub key: String,
    pub value: String,
    pub headers: Vec<(&'static str, String)>,
    pub event_id: String,
}

/// Input that cannot be normalized. `index` is -1 for the whole body; `raw` is a byte range of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poison {
    pub index: i64,
    pub reason: &'static str,
    pub detail: String,
    pub raw: Range<usize>,
    /// Decimal digits of the portal id, when the event carried a valid one.
    pub portal_id: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchOutput {
    pub records: Vec<Record>,
    pub poison: Vec<Poison>,
}

fn body_poison(reason: &'static str, detail: String, length: usize) -> BatchOutput {
    BatchOutput {
        records: Vec::new(),
        poison: vec![Poison {
            index: -1,
            reason,
            detail,
            raw: 0..length,
            portal_id: None,
        }],
    }
}

fn body_error_poison(error: BodyError, length: usize) -> BatchOutput {
    let (reason, detail) = match error {
        BodyError::InvalidUtf8 { offset } => (
            "invalid_json",
            format!("body is not valid UTF-8: invalid byte sequence at offset {offset}"),
        ),
        BodyError::ByteOrderMark => (
            "invalid_json",
            "body starts with a UTF-8 byte order mark, which JSON text must not have".to_string(),
        ),
        BodyError::TooDeep => (
            "too_deep",
            format!("body nests arrays and objects deeper than {MAX_DEPTH} levels"),
        ),
        BodyError::InvalidJson => (
            "invalid_json",
            "body is not valid JSON (RFC 8259); NaN, Infinity and lone surrogate escapes are invalid too"
                .to_string(),
        ),
    };
    body_poison(reason, detail, length)
}

/// Normalizes a webhook body: one record per valid event, one poison item per invalid event, or a
/// single poison item with index -1 when the body itself is unusable.
pub fn normalize_batch(body: &[u8], received_at_ms: u64) -> BatchOutput {
    let elements = match parse_body(body) {
        Ok(Body::Array(elements)) => elements,
        Ok(Body::NotArray(kind)) => {
            return body_poison(
                "not_an_array",
                format!("body is a JSON {kind}, not an array of events"),
                body.len(),
            )
        }
        Err(error) => return body_error_poison(error, body.len()),
    };

    let received_at = received_at_ms.to_string();
    let mut output = BatchOutput::default();
    for (index, element) in elements.iter().enumerate() {
        match normalize_event(&element.value) {
            Ok(event) => {
                let mut headers = vec![
                    ("portal_id", event.portal_id.clone()),
                    ("event_id", event.event_id.clone()),
                    ("subscription_type", event.subscription_type),
                    ("occurred_at", event.occurred_at),
                    ("received_at", received_at.clone()),
                ];
                if let Some(attempt_number) = event.attempt_number {
                    headers.push(("attempt_number", attempt_number));
                }
                if let Some(hubspot_event_id) = event.hubspot_event_id {
                    headers.push(("hubspot_event_id", hubspot_event_id));
                }
                headers.push(("content_type", CONTENT_TYPE.to_string()));
                output.records.push(Record {
                    key: event.portal_id,
                    value: event.document,
                    headers,
                    event_id: event.event_id,
                });
            }
            Err(rejected) => output.poison.push(Poison {
                index: index as i64,
                reason: rejected.error.reason,
                detail: rejected.error.detail,
                raw: element.span.clone(),
                portal_id: rejected.portal_id,
            }),
        }
    }
    output
}
