//! Normalization of a whole webhook batch into Kafka records and poison items.

use super::event::{normalize_event, Buffers, NormalizedEvent};
use super::parse::{parse_body, Body, BodyError, MAX_DEPTH};
use std::ops::Range;

/// Content type of every record value.
pub const CONTENT_TYPE: &str = "application/ocel+json";

/// Number of header places in [`BatchOutput::headers`], the maximum number of headers of a record.
pub const HEADER_COUNT: usize = 8;

/// One Kafka record: byte ranges of [`BatchOutput::text`]. The key is the portal id, the value the
/// OCEL document, and [`BatchOutput::headers`] lists the headers.
pub type Record = NormalizedEvent;

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
    /// The documents and header values of all records, which the records point into.
    pub text: String,
    /// Decimal digits of the receive time, the `received_at` header of every record.
    pub received_at: String,
    pub records: Vec<Record>,
    pub poison: Vec<Poison>,
}

impl BatchOutput {
    /// Returns the text at `range` of [`BatchOutput::text`].
    pub fn slice(&self, range: &Range<usize>) -> &str {
        &self.text[range.clone()]
    }

    /// Returns the record's key: the portal id in decimal ASCII.
    pub fn key(&self, record: &Record) -> &str {
        self.slice(&record.portal_id)
    }

    /// Returns the record's value: a one-event OCEL 2.0 JSON document.
    pub fn value(&self, record: &Record) -> &str {
        self.slice(&record.document)
    }

    pub fn event_id(&self, record: &Record) -> &str {
        self.slice(&record.event_id)
    }

    /// Returns the record's Kafka headers (name and UTF-8 value) in order. Each header has a fixed
    /// place in the array. `attempt_number` and `hubspot_event_id` are `None` unless the event carried
    /// an integer `attemptNumber` and `eventId`, and every other place is always `Some`.
    pub fn headers(&self, record: &Record) -> [Option<(&'static str, &str)>; HEADER_COUNT] {
        let optional = |name, range: &Option<Range<usize>>| {
            range.as_ref().map(|range| (name, self.slice(range)))
        };
        [
            Some(("portal_id", self.slice(&record.portal_id))),
            Some(("event_id", self.slice(&record.event_id))),
            Some(("subscription_type", self.slice(&record.subscription_type))),
            Some(("occurred_at", self.slice(&record.occurred_at))),
            Some(("received_at", self.received_at.as_str())),
            optional("attempt_number", &record.attempt_number),
            optional("hubspot_event_id", &record.hubspot_event_id),
            Some(("content_type", CONTENT_TYPE)),
        ]
    }
}

fn body_poison(reason: &'static str, detail: String, length: usize) -> BatchOutput {
    BatchOutput {
        text: String::new(),
        received_at: String::new(),
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

    // Estimate: on HubSpot's sample batches each document is 6 to 7 times the size of its event, so
    // the first allocation usually fits the whole output.
    let mut output = BatchOutput {
        text: String::with_capacity(body.len() * 8),
        received_at: received_at_ms.to_string(),
        records: Vec::with_capacity(elements.len()),
        poison: Vec::new(),
    };
    let mut buffers = Buffers::default();
    for (index, element) in elements.iter().enumerate() {
        match normalize_event(&element.value, &mut output.text, &mut buffers) {
            Ok(record) => output.records.push(record),
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

#[cfg(test)]
mod tests {
    use super::*;

    const RECEIVED_AT_MS: u64 = 1_764_820_300_000;

    /// One event of each relationship shape, with values that need escaping, and two invalid events.
    const BODY: &str = r#"[
        {"portalId":62515,"occurredAt":1764820323664,"subscriptionType":"contact.propertyChange",
         "attemptNumber":1,"eventId":7,"objectId":101,"propertyName":"firstname",
         "propertyValue":"a \"quoted\"\n\u0001 value"},
        {"portalId":62515,"occurredAt":1764820323665,"subscriptionType":"object.merge",
         "objectTypeId":"2-99","objectId":5,"primaryObjectId":5,"mergedObjectIds":[6,"7",5]},
        {"portalId":62515,"occurredAt":1764820323666,"subscriptionType":"deal.associationChange",
         "objectId":1,"fromObjectId":1,"toObjectId":2,"associationType":"DEAL_TO_\"x\"",
         "associationRemoved":false},
        {"portalId":62515,"occurredAt":1764820323667,"subscriptionType":"conversation.newMessage",
         "objectId":9,"messageId":"m\\1","extra\t":{"b":1,"a":[true,null]}},
        {"portalId":62515,"occurredAt":1764820323668,"subscriptionType":"x\"y"},
        {"portalId":-1},
        "not an event"
    ]"#;

    #[test]
    fn batch_writes_valid_documents() {
        let output = normalize_batch(BODY.as_bytes(), RECEIVED_AT_MS);

        assert_eq!(output.records.len(), 5);
        for record in &output.records {
            let document: serde_json::Value =
                serde_json::from_str(output.value(record)).expect("document is valid JSON");
            let event = &document["events"][0];
            assert_eq!(event["id"], output.event_id(record));
            assert_eq!(output.key(record), "62515");
        }
    }

    #[test]
    fn batch_headers_keep_order() {
        let output = normalize_batch(BODY.as_bytes(), RECEIVED_AT_MS);

        let first: Vec<_> = output
            .headers(&output.records[0])
            .into_iter()
            .flatten()
            .collect();
        let names: Vec<_> = first.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "portal_id",
                "event_id",
                "subscription_type",
                "occurred_at",
                "received_at",
                "attempt_number",
                "hubspot_event_id",
                "content_type"
            ]
        );
        assert_eq!(first[3].1, "1764820323664");
        assert_eq!(first[4].1, "1764820300000");
        assert_eq!(first[5].1, "1");
        assert_eq!(first[6].1, "7");
        assert_eq!(first[7].1, CONTENT_TYPE);

        let second = output.headers(&output.records[1]);
        assert_eq!(second[5], None);
        assert_eq!(second[6], None);
    }

    #[test]
    fn batch_reports_invalid_events() {
        let output = normalize_batch(BODY.as_bytes(), RECEIVED_AT_MS);

        let reasons: Vec<_> = output.poison.iter().map(|item| item.reason).collect();
        assert_eq!(reasons, ["invalid_portal_id", "not_an_object"]);
        assert_eq!(output.poison[1].index, 6);
        assert_eq!(&BODY[output.poison[1].raw.clone()], "\"not an event\"");
    }
}
