//! Deterministic event ids derived from an event's content.
//!
//! HubSpot's `eventId` is not unique, and a retried delivery differs only in `attemptNumber`. The id is
//! therefore `hs:<portalId>:event:<h>`, where `<h>` is the first 32 lowercase hex digits (128 bits) of
//! a SHA-256 digest. The digest covers the event's canonical JSON (see `json_text`) without the
//! top-level `attemptNumber`.

use super::fields::Fields;
use super::json_text::write_canonical_members;
use sha2::{Digest, Sha256};

/// Number of hex digits of the SHA-256 digest kept in the event id.
pub const EVENT_ID_HEX_DIGITS: usize = 32;

/// Returns the canonical JSON that the event id hashes.
pub fn hashed_text(fields: &Fields<'_, '_>) -> String {
    let members: Vec<_> = fields
        .members()
        .iter()
        .filter(|(name, _)| *name != "attemptNumber")
        .copied()
        .collect();
    let mut text = String::new();
    write_canonical_members(&mut text, &members);
    text
}

/// Returns the event id of an event of portal `portal_id`.
pub fn event_id(portal_id: &str, fields: &Fields<'_, '_>) -> String {
    let digest = Sha256::digest(hashed_text(fields).as_bytes());
    let hex_digest = hex::encode(digest);
    format!(
        "hs:{portal_id}:event:{}",
        &hex_digest[..EVENT_ID_HEX_DIGITS]
    )
}
