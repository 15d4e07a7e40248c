//! Deterministic event ids derived from an event's content.
//!
//! HubSpot's `eventId` is not unique, and a retried delivery differs only in `attemptNumber`. The id is
//! therefore `hs:<portalId>:event:<h>`, where `<h>` is the first 32 lowercase hex digits (128 bits) of
//! a SHA-256 digest. The digest covers the event's canonical JSON (see `json_text`) without the
//! top-level `attemptNumber`.

use super::fields::Fields;
use super::json_text::{write_canonical_members, HEX_DIGITS};
use sha2::{Digest, Sha256};

/// Number of hex digits of the SHA-256 digest kept in the event id.
pub const EVENT_ID_HEX_DIGITS: usize = 32;

/// Appends the canonical JSON that the event id hashes to `out`.
pub fn write_hashed_text(out: &mut String, fields: &Fields<'_, '_>) {
    let members = fields
        .members()
        .iter()
        .copied()
        .filter(|(name, _)| *name != "attemptNumber");
    write_canonical_members(out, members);
}

/// Returns the canonical JSON that the event id hashes.
pub fn hashed_text(fields: &Fields<'_, '_>) -> String {
    let mut text = String::new();
    write_hashed_text(&mut text, fields);
    text
}

/// Appends the event id of an event of portal `portal_id` to `out`. `buffer` is working space for the
/// hashed text, so a caller can reuse one allocation across events.
pub fn write_event_id(
    out: &mut String,
    portal_id: &str,
    fields: &Fields<'_, '_>,
    buffer: &mut String,
) {
    buffer.clear();
    write_hashed_text(buffer, fields);
    let digest = Sha256::digest(buffer.as_bytes());
    out.push_str("hs:");
    out.push_str(portal_id);
    out.push_str(":event:");
    for byte in &digest[..EVENT_ID_HEX_DIGITS / 2] {
        out.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
    }
}

/// Returns the event id of an event of portal `portal_id`.
pub fn event_id(portal_id: &str, fields: &Fields<'_, '_>) -> String {
    let mut id = String::new();
    write_event_id(&mut id, portal_id, fields, &mut String::new());
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::parse::{parse_body, Body};

    #[test]
    fn event_id_hashes_canonical_text() {
        let body = br#"[{"portalId":62515,"attemptNumber":3,"b":"x","a":[1,{"z":1,"y":2}]}]"#;
        let Ok(Body::Array(elements)) = parse_body(body) else {
            panic!("expected an array");
        };
        let fields = Fields::of_event(&elements[0].value).unwrap();
        let text = hashed_text(&fields);
        assert_eq!(text, r#"{"a":[1,{"y":2,"z":1}],"b":"x","portalId":62515}"#);

        let expected = hex::encode(Sha256::digest(text.as_bytes()));
        let id = event_id("62515", &fields);
        assert_eq!(
            id,
            format!("hs:62515:event:{}", &expected[..EVENT_ID_HEX_DIGITS])
        );
    }
}
