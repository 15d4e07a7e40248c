//! HubSpot's URI decode table for signed URIs.
//!
//! HubSpot's v3 documentation lists twelve percent-escapes that the receiver decodes before it signs
//! the URI. Nothing else is decoded: `%20`, `%25`, `%26` and every other escape stay as received,
//! because HubSpot does not document what it does with them. Lowercase hex (`%3a`) is decoded too,
//! since RFC 3986 section 2.1 makes the case of percent-encoding hex digits insignificant.

/// The twelve escapes that HubSpot decodes, as (hex digits in uppercase, decoded byte).
pub const DECODE_TABLE: [(&[u8; 2], u8); 12] = [
    (b"3A", b':'),
    (b"2F", b'/'),
    (b"3F", b'?'),
    (b"40", b'@'),
    (b"21", b'!'),
    (b"24", b'$'),
    (b"27", b'\''),
    (b"28", b'('),
    (b"29", b')'),
    (b"2A", b'*'),
    (b"2C", b','),
    (b"3B", b';'),
];

/// Looks up the byte that the escape `%` + `high` + `low` decodes to, if it is one of the twelve.
fn decoded_byte(high: u8, low: u8) -> Option<u8> {
    let hex = [high.to_ascii_uppercase(), low.to_ascii_uppercase()];
    DECODE_TABLE
        .iter()
        .find(|(escape, _)| **escape == hex)
        .map(|(_, byte)| *byte)
}

/// Decodes HubSpot's twelve escapes in `uri` in one left-to-right pass.
///
/// The output is never decoded again, so `%253A` stays `%253A` and does not become `:`.
pub fn decode_hubspot_escapes(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut decoded = String::with_capacity(uri.len());
    let mut copied_up_to = 0;
    let mut i = 0;

    while i + 2 < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        match decoded_byte(bytes[i + 1], bytes[i + 2]) {
            Some(byte) => {
                // Every byte of an escape is ASCII, so these slice bounds are character boundaries.
                decoded.push_str(&uri[copied_up_to..i]);
                decoded.push(char::from(byte));
                i += 3;
                copied_up_to = i;
            }
            None => i += 1,
        }
    }

    decoded.push_str(&uri[copied_up_to..]);
    decoded
}

/// Builds the URIs to try, in order: the decoded URI, then the URI as received when it differs.
pub fn candidate_uris(uri: &str) -> Vec<String> {
    let decoded = decode_hubspot_escapes(uri);
    if decoded == uri {
        vec![decoded]
    } else {
        vec![decoded, uri.to_owned()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_escape_in_the_table() {
        let encoded = "%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B";
        assert_eq!(decode_hubspot_escapes(encoded), ":/?@!$'()*,;");
    }

    #[test]
    fn decodes_lowercase_hex() {
        assert_eq!(decode_hubspot_escapes("%3a%2f%2a%2c%3b"), ":/*,;");
    }

    #[test]
    fn leaves_other_escapes_untouched() {
        let uri = "https://example.com/a%20b?x=%26%3D%25%7E";
        assert_eq!(decode_hubspot_escapes(uri), uri);
    }

    #[test]
    fn does_not_decode_twice() {
        assert_eq!(decode_hubspot_escapes("%253A"), "%253A");
        assert_eq!(decode_hubspot_escapes("%%3A"), "%:");
    }

    #[test]
    fn keeps_incomplete_escapes() {
        assert_eq!(decode_hubspot_escapes("a%3"), "a%3");
        assert_eq!(decode_hubspot_escapes("%"), "%");
        assert_eq!(decode_hubspot_escapes("%3A"), ":");
        assert_eq!(decode_hubspot_escapes("x%3Ay%"), "x:y%");
    }

    #[test]
    fn keeps_non_ascii_text() {
        assert_eq!(decode_hubspot_escapes("/é%3Aü"), "/é:ü");
    }

    #[test]
    fn candidates_are_decoded_then_as_received() {
        let uri = "https://example.com/hook?a=b%3Ac";
        assert_eq!(
            candidate_uris(uri),
            vec!["https://example.com/hook?a=b:c".to_owned(), uri.to_owned()]
        );
    }

    #[test]
    fn candidates_hold_one_uri_without_escapes() {
        let uri = "https://example.com/hook";
        assert_eq!(candidate_uris(uri), vec![uri.to_owned()]);
    }
}
