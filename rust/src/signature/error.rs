//! Signature verification failures and the messages that callers see.
//!
//! The pure-Python reference (`int_hubspot.webhook.signature`) builds the same messages word for
//! word, and the parity tests compare them, so a wording change here must be made there too.

use std::fmt;

use super::verify::Version;

/// Number of characters of a header value that a message shows before it truncates the value: enough
/// for a whole v1 or v2 signature (64 hex digits) and a whole v3 signature (44 base64 characters).
pub const SHOWN_VALUE_CHARS: usize = 64;

/// One reason why a request failed verification, or why the configuration cannot verify anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// No client secret is configured. This is a configuration bug, so it is raised as `ValueError`.
    NoSecrets,
    /// The client secret at this index is empty. This is a configuration bug, raised as `ValueError`.
    EmptySecret {
        index: usize,
    },
    /// `max_age_ms` is negative. This is a configuration bug, raised as `ValueError`.
    NegativeMaxAge {
        max_age_ms: i64,
    },
    UnsupportedVersion {
        version: String,
    },
    MissingHeader {
        header: &'static str,
    },
    MalformedTimestamp {
        value: String,
    },
    TimestampTooOld {
        timestamp: i64,
        age_ms: i128,
        max_age_ms: i64,
    },
    TimestampInFuture {
        timestamp: i64,
        ahead_ms: i128,
        max_age_ms: i64,
    },
    Mismatch {
        version: Version,
        signature: String,
        secret_count: usize,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSecrets => write!(
                f,
                "no client secret is configured; configure at least one HubSpot app client secret"
            ),
            Self::EmptySecret { index } => write!(
                f,
                "client secret {index} is empty; set it to the app's client secret or remove it"
            ),
            Self::NegativeMaxAge { max_age_ms } => {
                write!(f, "max_age_ms is {max_age_ms}; it must be 0 or more")
            }
            Self::UnsupportedVersion { version } => write!(
                f,
                "signature version {} is not supported; use v1, v2 or v3",
                quote_value(version)
            ),
            Self::MissingHeader { header } => write!(
                f,
                "{header} header is missing or empty; reject the request, or verify the signature \
                 version that the sender uses"
            ),
            Self::MalformedTimestamp { value } => write!(
                f,
                "X-HubSpot-Request-Timestamp {} is not a valid timestamp; expected milliseconds \
                 since the Unix epoch as ASCII digits, at most {}",
                quote_value(value),
                i64::MAX
            ),
            Self::TimestampTooOld { timestamp, age_ms, max_age_ms } => write!(
                f,
                "X-HubSpot-Request-Timestamp {timestamp} is {} s old; the limit is {} s. Reject the \
                 request as stale, and check this host's clock if fresh requests fail too",
                format_seconds(*age_ms),
                format_seconds(i128::from(*max_age_ms))
            ),
            Self::TimestampInFuture { timestamp, ahead_ms, max_age_ms } => write!(
                f,
                "X-HubSpot-Request-Timestamp {timestamp} is {} s in the future; the limit is {} s. \
                 Reject the request, and check this host's clock if fresh requests fail too",
                format_seconds(*ahead_ms),
                format_seconds(i128::from(*max_age_ms))
            ),
            Self::Mismatch { version, signature, secret_count } => write!(
                f,
                "{} {} matches none of the {secret_count} configured client secrets; {}",
                version.signature_header(),
                quote_value(signature),
                mismatch_hint(*version)
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Returns the inputs to check after a mismatch, which differ because v1 signs neither the method
/// nor the URI.
fn mismatch_hint(version: Version) -> &'static str {
    match version {
        Version::V1 => "check the app's client secret and that the body is passed unmodified",
        Version::V2 | Version::V3 => {
            "check the app's client secret, that the body is passed unmodified, and that the URI \
             is the public URL that HubSpot called"
        }
    }
}

/// Quotes a header value for a message.
///
/// Printable ASCII stays as is and any other character becomes `\u{hex}`. A value longer than
/// `SHOWN_VALUE_CHARS` characters is cut there, and its full length follows the closing quote.
pub fn quote_value(value: &str) -> String {
    let mut quoted = String::from("\"");
    for character in value.chars().take(SHOWN_VALUE_CHARS) {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            ' '..='~' => quoted.push(character),
            _ => quoted.push_str(&format!("\\u{{{:x}}}", u32::from(character))),
        }
    }
    quoted.push('"');

    let length = value.chars().count();
    if length > SHOWN_VALUE_CHARS {
        quoted.push_str(&format!("... ({length} characters)"));
    }
    quoted
}

/// Formats non-negative milliseconds as seconds without trailing zeros: 412000 as "412", 300001 as
/// "300.001".
pub fn format_seconds(milliseconds: i128) -> String {
    let seconds = milliseconds / 1000;
    let remainder = milliseconds % 1000;
    if remainder == 0 {
        return seconds.to_string();
    }
    let fraction = format!("{remainder:03}");
    format!("{seconds}.{}", fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_value_keeps_printable_ascii() {
        assert_eq!(quote_value("v4"), "\"v4\"");
    }

    #[test]
    fn quote_value_escapes_other_characters() {
        assert_eq!(quote_value("a\"b\\c\né"), "\"a\\\"b\\\\c\\u{a}\\u{e9}\"");
    }

    #[test]
    fn quote_value_truncates_long_values() {
        let value = "7".repeat(70);
        let expected = format!("\"{}\"... (70 characters)", "7".repeat(64));
        assert_eq!(quote_value(&value), expected);
    }

    #[test]
    fn quote_value_keeps_value_at_limit() {
        let value = "x".repeat(SHOWN_VALUE_CHARS);
        assert_eq!(quote_value(&value), format!("\"{value}\""));
    }

    #[test]
    fn format_seconds_trims_zeros() {
        assert_eq!(format_seconds(412_000), "412");
        assert_eq!(format_seconds(300_001), "300.001");
        assert_eq!(format_seconds(1_500), "1.5");
        assert_eq!(format_seconds(20), "0.02");
        assert_eq!(format_seconds(0), "0");
    }

    #[test]
    fn too_old_message_names_value_and_limit() {
        let error = VerifyError::TimestampTooOld {
            timestamp: 1_700_000_000_000,
            age_ms: 412_000,
            max_age_ms: 300_000,
        };
        assert!(error.to_string().starts_with(
            "X-HubSpot-Request-Timestamp 1700000000000 is 412 s old; the limit is 300 s."
        ));
    }
}
