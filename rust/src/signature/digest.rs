//! The v1, v2 and v3 digests, and their constant-time comparison with the signature header.
//!
//! - v1: lowercase hex of SHA-256(client secret + body).
//! - v2: lowercase hex of SHA-256(client secret + method + URI + body).
//! - v3: base64 of HMAC-SHA256(key = client secret, message = method + URI + body + timestamp).
//!
//! Strings enter the digests as UTF-8 and the body as the raw bytes received, with no separators.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::verify::Version;

/// Size of a SHA-256 digest, and so of every signature once decoded.
pub const DIGEST_LEN: usize = 32;

pub fn digest_v1(secret: &[u8], body: &[u8]) -> [u8; DIGEST_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(secret);
    hasher.update(body);
    hasher.finalize().into()
}

pub fn digest_v2(secret: &[u8], method: &str, uri: &str, body: &[u8]) -> [u8; DIGEST_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(secret);
    hasher.update(method.as_bytes());
    hasher.update(uri.as_bytes());
    hasher.update(body);
    hasher.finalize().into()
}

pub fn digest_v3(
    secret: &[u8],
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: &str,
) -> [u8; DIGEST_LEN] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(method.as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Decodes a signature header into digest bytes, or returns `None` when it is not valid encoding.
///
/// v1 and v2 take hex in either case. v3 takes standard base64 (RFC 4648 section 4) with padding and
/// zero trailing bits, which gives every digest exactly one accepted spelling.
pub fn decode_signature(version: Version, signature: &str) -> Option<Vec<u8>> {
    match version {
        Version::V1 | Version::V2 => hex::decode(signature).ok(),
        Version::V3 => BASE64.decode(signature).ok(),
    }
}

/// Compares a computed digest with the decoded header in constant time.
///
/// The time depends on the lengths only, and a digest's length is public.
pub fn digest_matches(expected: &[u8; DIGEST_LEN], provided: &[u8]) -> bool {
    expected.as_slice().ct_eq(provided).into()
}

/// Encodes a v3 digest as it appears in `X-HubSpot-Signature-v3`.
pub fn encode_v3(digest: &[u8; DIGEST_LEN]) -> String {
    BASE64.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
    const URI: &str = "https://www.example.com/webhook_uri";
    const BODY: &[u8] = b"{'example_field':'example_value'}";

    #[test]
    fn v1_matches_hubspot_sdk_vector() {
        assert_eq!(
            hex::encode(digest_v1(SECRET, BODY)),
            "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"
        );
    }

    #[test]
    fn v2_matches_hubspot_sdk_vector() {
        assert_eq!(
            hex::encode(digest_v2(SECRET, "POST", URI, BODY)),
            "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383"
        );
    }

    #[test]
    fn v3_matches_hubspot_sdk_vector() {
        let digest = digest_v3(SECRET, "POST", URI, BODY, "1693657560000");
        assert_eq!(
            encode_v3(&digest),
            "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="
        );
    }

    #[test]
    fn hex_decoding_ignores_case() {
        let lower = decode_signature(Version::V1, "ab01");
        let upper = decode_signature(Version::V1, "AB01");
        assert_eq!(lower, Some(vec![0xab, 0x01]));
        assert_eq!(upper, lower);
    }

    #[test]
    fn invalid_encodings_decode_to_none() {
        assert_eq!(decode_signature(Version::V2, "abc"), None);
        assert_eq!(decode_signature(Version::V2, "zz"), None);
        assert_eq!(decode_signature(Version::V2, "ab cd"), None);
        assert_eq!(decode_signature(Version::V3, "not base64!"), None);
        assert_eq!(decode_signature(Version::V3, "QQ"), None);
        // Valid alphabet and padding, but the trailing bits are not zero.
        assert_eq!(decode_signature(Version::V3, "QR=="), None);
    }

    #[test]
    fn comparison_rejects_other_lengths() {
        let digest = digest_v1(SECRET, BODY);
        assert!(digest_matches(&digest, &digest));
        assert!(!digest_matches(&digest, &digest[..31]));
        assert!(!digest_matches(&digest, &[]));
    }
}
