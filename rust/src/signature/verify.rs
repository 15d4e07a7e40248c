//! The order of checks for one request, and the search over the configured client secrets.
//!
//! Checks run from cheapest to dearest, and no digest is computed before the headers and the
//! timestamp window have passed:
//!
//! 1. configuration: at least one secret, no empty secret, `max_age_ms` not negative;
//! 2. the version is v1, v2 or v3;
//! 3. the signature header is present and not empty;
//! 4. v3 only: the timestamp header is present, well formed and within the window;
//! 5. each secret in order, and for v2 and v3 each candidate URI in order (see `uri`).
//!
//! v2 tries the same candidate URIs as v3. HubSpot documents the decode table for v3 only, but the
//! decoded URI and the URI as received name the same resource, so trying both for v2 accepts no
//! request that the client secret did not sign.

use std::fmt;

use super::digest::{
    decode_signature, digest_matches, digest_v1, digest_v2, digest_v3, DIGEST_LEN,
};
use super::error::VerifyError;
use super::timestamp::{check_window, parse_timestamp};
use super::uri::candidate_uris;

/// HubSpot's documented freshness window for v3: 5 minutes, in milliseconds.
pub const DEFAULT_MAX_AGE_MS: i64 = 300_000;

pub const SIGNATURE_HEADER: &str = "X-HubSpot-Signature";
pub const SIGNATURE_V3_HEADER: &str = "X-HubSpot-Signature-v3";
pub const TIMESTAMP_HEADER: &str = "X-HubSpot-Request-Timestamp";

/// A HubSpot signature version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
    V3,
}

impl Version {
    /// Parses `v1`, `v2` or `v3`, spelled exactly so, as in `X-HubSpot-Signature-Version`.
    pub fn parse(value: &str) -> Result<Self, VerifyError> {
        match value {
            "v1" => Ok(Self::V1),
            "v2" => Ok(Self::V2),
            "v3" => Ok(Self::V3),
            _ => Err(VerifyError::UnsupportedVersion {
                version: value.to_owned(),
            }),
        }
    }

    /// Name of the header that carries this version's signature.
    pub fn signature_header(self) -> &'static str {
        match self {
            Self::V1 | Self::V2 => SIGNATURE_HEADER,
            Self::V3 => SIGNATURE_V3_HEADER,
        }
    }
}

/// The parts of a request that its signature covers, with the signature headers as received.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// Full URI as received: scheme, host, path and query.
    pub uri: &'a str,
    pub body: &'a [u8],
    pub signature: Option<&'a str>,
    pub timestamp: Option<&'a str>,
}

impl fmt::Debug for SignedRequest<'_> {
    // The body may hold personal data, so only its size is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("body_len", &self.body.len())
            .field("signature", &self.signature)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// Verifies the request's signature and returns the index of the first secret that produces it.
///
/// `now_ms` is the receiver's clock in milliseconds since the Unix epoch. `max_age_ms` bounds the
/// distance of the v3 timestamp from `now_ms` in both directions. v1 and v2 carry no timestamp, so
/// `timestamp`, `now_ms` and `max_age_ms` do not affect them, and they give no replay protection.
pub fn verify_signature<S: AsRef<[u8]>>(
    version: &str,
    secrets: &[S],
    request: &SignedRequest<'_>,
    now_ms: i64,
    max_age_ms: i64,
) -> Result<usize, VerifyError> {
    check_configuration(secrets, max_age_ms)?;
    let version = Version::parse(version)?;
    let signature = require_header(request.signature, version.signature_header())?;

    let timestamp = match version {
        Version::V1 | Version::V2 => "",
        Version::V3 => {
            let timestamp = require_header(request.timestamp, TIMESTAMP_HEADER)?;
            check_window(parse_timestamp(timestamp)?, now_ms, max_age_ms)?;
            timestamp
        }
    };

    let mismatch = || VerifyError::Mismatch {
        version,
        signature: signature.to_owned(),
        secret_count: secrets.len(),
    };
    let provided = decode_signature(version, signature).ok_or_else(mismatch)?;

    let uris = match version {
        Version::V1 => Vec::new(),
        Version::V2 | Version::V3 => candidate_uris(request.uri),
    };
    let matches = |expected: [u8; DIGEST_LEN]| digest_matches(&expected, &provided);

    secrets
        .iter()
        .position(|secret| {
            let secret = secret.as_ref();
            match version {
                Version::V1 => matches(digest_v1(secret, request.body)),
                Version::V2 => uris
                    .iter()
                    .any(|uri| matches(digest_v2(secret, request.method, uri, request.body))),
                Version::V3 => uris.iter().any(|uri| {
                    matches(digest_v3(
                        secret,
                        request.method,
                        uri,
                        request.body,
                        timestamp,
                    ))
                }),
            }
        })
        .ok_or_else(mismatch)
}

fn check_configuration<S: AsRef<[u8]>>(secrets: &[S], max_age_ms: i64) -> Result<(), VerifyError> {
    if secrets.is_empty() {
        return Err(VerifyError::NoSecrets);
    }
    // An empty secret would let anyone compute v1 and v2 signatures, which are plain SHA-256.
    if let Some(index) = secrets.iter().position(|secret| secret.as_ref().is_empty()) {
        return Err(VerifyError::EmptySecret { index });
    }
    if max_age_ms < 0 {
        return Err(VerifyError::NegativeMaxAge { max_age_ms });
    }
    Ok(())
}

fn require_header<'a>(
    value: Option<&'a str>,
    header: &'static str,
) -> Result<&'a str, VerifyError> {
    match value {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(VerifyError::MissingHeader { header }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::digest::encode_v3;
    use super::*;

    const SECRET: &[u8] = b"yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
    const OTHER_SECRET: &[u8] = b"another-client-secret";
    const NOW_MS: i64 = 1_700_000_000_000;
    const TIMESTAMP: &str = "1700000000000";
    const BODY: &[u8] = b"[{\"eventId\":1}]";

    fn sign_v3(secret: &[u8], uri: &str) -> String {
        encode_v3(&digest_v3(secret, "POST", uri, BODY, TIMESTAMP))
    }

    fn request<'a>(uri: &'a str, signature: Option<&'a str>) -> SignedRequest<'a> {
        SignedRequest {
            method: "POST",
            uri,
            body: BODY,
            signature,
            timestamp: Some(TIMESTAMP),
        }
    }

    fn verify_v3(secrets: &[&[u8]], request: &SignedRequest<'_>) -> Result<usize, VerifyError> {
        verify_signature("v3", secrets, request, NOW_MS, DEFAULT_MAX_AGE_MS)
    }

    #[test]
    fn returns_index_of_matching_secret() {
        let uri = "https://example.com/webhooks";
        let signature = sign_v3(SECRET, uri);
        let request = request(uri, Some(&signature));
        assert_eq!(verify_v3(&[SECRET], &request), Ok(0));
        assert_eq!(verify_v3(&[OTHER_SECRET, SECRET], &request), Ok(1));
    }

    #[test]
    fn accepts_decoded_and_received_uris() {
        let received = "https://example.com/webhooks?state=a%3Ab";
        let decoded = "https://example.com/webhooks?state=a:b";
        for signed_uri in [received, decoded] {
            let signature = sign_v3(SECRET, signed_uri);
            assert_eq!(
                verify_v3(&[SECRET], &request(received, Some(&signature))),
                Ok(0)
            );
        }
    }

    #[test]
    fn rejects_another_uri() {
        let signature = sign_v3(SECRET, "https://example.com/webhooks/");
        let result = verify_v3(
            &[SECRET],
            &request("https://example.com/webhooks", Some(&signature)),
        );
        assert!(matches!(
            result,
            Err(VerifyError::Mismatch {
                secret_count: 1,
                ..
            })
        ));
    }

    #[test]
    fn checks_the_timestamp_before_the_signature() {
        let mut stale = request("https://example.com/webhooks", Some("not base64"));
        stale.timestamp = Some("1");
        assert!(matches!(
            verify_v3(&[SECRET], &stale),
            Err(VerifyError::TimestampTooOld { .. })
        ));
    }

    #[test]
    fn reports_missing_headers() {
        let missing_signature = request("https://example.com/webhooks", Some(""));
        assert_eq!(
            verify_v3(&[SECRET], &missing_signature),
            Err(VerifyError::MissingHeader {
                header: SIGNATURE_V3_HEADER
            })
        );

        let mut missing_timestamp = request("https://example.com/webhooks", Some("c2ln"));
        missing_timestamp.timestamp = None;
        assert_eq!(
            verify_v3(&[SECRET], &missing_timestamp),
            Err(VerifyError::MissingHeader {
                header: TIMESTAMP_HEADER
            })
        );

        let v1 = SignedRequest {
            signature: None,
            ..request("", None)
        };
        assert_eq!(
            verify_signature("v1", &[SECRET], &v1, NOW_MS, DEFAULT_MAX_AGE_MS),
            Err(VerifyError::MissingHeader {
                header: SIGNATURE_HEADER
            })
        );
    }

    #[test]
    fn verifies_v1_and_v2_in_either_hex_case() {
        let uri = "https://example.com/webhooks";
        let v1 = hex::encode_upper(digest_v1(SECRET, BODY));
        let v2 = hex::encode(digest_v2(SECRET, "POST", uri, BODY));
        let now = 0;
        assert_eq!(
            verify_signature("v1", &[SECRET], &request(uri, Some(&v1)), now, 0),
            Ok(0)
        );
        assert_eq!(
            verify_signature("v2", &[SECRET], &request(uri, Some(&v2)), now, 0),
            Ok(0)
        );
    }

    #[test]
    fn rejects_bad_configuration() {
        let request = request("https://example.com/webhooks", Some("c2ln"));
        let no_secrets: [&[u8]; 0] = [];
        assert_eq!(
            verify_v3(&no_secrets, &request),
            Err(VerifyError::NoSecrets)
        );
        assert_eq!(
            verify_v3(&[SECRET, b""], &request),
            Err(VerifyError::EmptySecret { index: 1 })
        );
        assert_eq!(
            verify_signature("v3", &[SECRET], &request, NOW_MS, -1),
            Err(VerifyError::NegativeMaxAge { max_age_ms: -1 })
        );
    }

    #[test]
    fn rejects_unknown_versions() {
        let request = request("https://example.com/webhooks", Some("c2ln"));
        for version in ["", "V3", "v4", "v3 "] {
            assert_eq!(
                verify_signature(version, &[SECRET], &request, NOW_MS, DEFAULT_MAX_AGE_MS),
                Err(VerifyError::UnsupportedVersion {
                    version: version.to_owned()
                })
            );
        }
    }

    #[test]
    fn debug_hides_the_body() {
        let shown = format!("{:?}", request("https://example.com/webhooks", None));
        assert!(shown.contains("body_len: 15"));
        assert!(!shown.contains("eventId"));
    }
}
