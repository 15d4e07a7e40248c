//! JSON text output: the string escaping rule and the canonical serialization.
//!
//! The escaping rule is shared with the Python reference, which uses `json.encoder.encode_basestring`
//! (the `ensure_ascii=False` encoder). `"` and `\` get a backslash. U+0008, U+000C, U+000A, U+000D
//! and U+0009 use `\b \f \n \r \t`, and the other code points below U+0020 use `\u00xx` with
//! lowercase hex. Every other character (U+007F, U+2028 and emoji included) is literal UTF-8.
//!
//! Canonical serialization: no whitespace, object members sorted by key in code point order with the
//! last duplicate winning, numbers as their raw text, strings with the rule above.

use super::parse::Json;
use std::borrow::Cow;

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Appends `text` to `out` as a quoted JSON string.
pub fn write_string(out: &mut String, text: &str) {
    out.push('"');
    let bytes = text.as_bytes();
    let mut run_start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Escaped bytes are ASCII, so the slices below end on character boundaries.
        out.push_str(&text[run_start..index]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(HEX_DIGITS[usize::from(byte >> 4)] as char);
            out.push(HEX_DIGITS[usize::from(byte & 0x0f)] as char);
        } else {
            out.push_str(escape);
        }
        run_start = index + 1;
    }
    out.push_str(&text[run_start..]);
    out.push('"');
}

/// Returns a quoted JSON string for `text`.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    write_string(&mut out, text);
    out
}

/// Returns the members of an object sorted by key (code point order), keeping the last duplicate.
///
/// UTF-8 byte order equals code point order, so a byte-wise sort gives the order the Python reference
/// gets from `sorted()` on `str` keys.
pub fn sorted_members<'j, 'a>(
    members: &'j [(Cow<'a, str>, Json<'a>)],
) -> Vec<(&'j str, &'j Json<'a>)> {
    let mut sorted: Vec<(&str, &Json<'a>)> = members.iter().map(|(k, v)| (k.as_ref(), v)).collect();
    // A stable sort keeps duplicates in input order, so the last of each run is the last in the input.
    sorted.sort_by(|left, right| left.0.cmp(right.0));
    let mut deduplicated: Vec<(&str, &Json<'a>)> = Vec::with_capacity(sorted.len());
    for member in sorted {
        match deduplicated.last_mut() {
            Some(last) if last.0 == member.0 => *last = member,
            _ => deduplicated.push(member),
        }
    }
    deduplicated
}

/// Appends the canonical serialization of `value` to `out`.
pub fn write_canonical(out: &mut String, value: &Json<'_>) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(true) => out.push_str("true"),
        Json::Bool(false) => out.push_str("false"),
        Json::Number(text) => out.push_str(text),
        Json::String(text) => write_string(out, text),
        Json::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Json::Object(members) => write_canonical_members(out, &sorted_members(members)),
    }
}

/// Appends an object built from already sorted, deduplicated members.
pub fn write_canonical_members(out: &mut String, members: &[(&str, &Json<'_>)]) {
    out.push('{');
    for (index, (key, value)) in members.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_canonical(out, value);
    }
    out.push('}');
}

/// Returns the canonical serialization of `value`.
pub fn canonical(value: &Json<'_>) -> String {
    let mut out = String::new();
    write_canonical(&mut out, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::parse::{parse_body, Body};

    #[test]
    fn escaping_matches_the_shared_rule() {
        assert_eq!(quoted("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quoted("\u{8}\u{c}\n\r\t"), r#""\b\f\n\r\t""#);
        assert_eq!(quoted("\u{0}\u{1f}\u{b}"), r#""\u0000\u001f\u000b""#);
        assert_eq!(
            quoted("\u{7f}\u{2028}\u{1f600}/"),
            "\"\u{7f}\u{2028}\u{1f600}/\""
        );
    }

    #[test]
    fn escaping_agrees_with_serde_json() {
        let all: String = (0u32..0x300)
            .filter_map(char::from_u32)
            .chain(['\u{2028}', '\u{1f600}'])
            .collect();
        assert_eq!(quoted(&all), serde_json::to_string(&all).unwrap());
    }

    #[test]
    fn canonical_sorts_and_keeps_last_duplicate() {
        let text = r#"[{"b":[1.50,{"z":null,"a":true}],"a":1,"é":"x","a":2,"Z":false}]"#;
        let Body::Array(elements) = parse_body(text.as_bytes()).unwrap() else {
            panic!("expected an array");
        };
        assert_eq!(
            canonical(&elements[0].value),
            r#"{"Z":false,"a":2,"b":[1.50,{"a":true,"z":null}],"é":"x"}"#
        );
    }
}
