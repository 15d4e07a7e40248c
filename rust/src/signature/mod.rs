//! HubSpot webhook request signatures: versions v1, v2 and v3.
//!
//! Everything here is a pure function of its arguments. The caller passes the current time as
//! `now_ms`, so nothing reads a clock, and `ffi` is the only module that touches Python.
//!
//! - `uri`: HubSpot's decode table and the candidate URIs that v2 and v3 try.
//! - `timestamp`: parsing `X-HubSpot-Request-Timestamp` and the freshness window.
//! - `digest`: the v1, v2 and v3 digests and the constant-time comparison with the header.
//! - `verify`: the order of checks and the loop over client secrets.
//! - `error`: one variant per failure, with the message that the caller receives.

pub mod digest;
pub mod error;
pub mod ffi;
pub mod timestamp;
pub mod uri;
pub mod verify;

pub use error::VerifyError;
pub use verify::{verify_signature, SignedRequest, Version, DEFAULT_MAX_AGE_MS};
