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

/// Lowercase hexadecimal digits by value.
pub const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Each byte of the word set to 1, for the word-at-a-time scan in [`next_escape`].
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
/// Each byte of the word set to 0x80.
const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Returns the two-character escape of a byte, or `None` for bytes escaped as `\u00xx`.
fn short_escape(byte: u8) -> Option<&'static str> {
    match byte {
        b'"' => Some("\\\""),
        b'\\' => Some("\\\\"),
        b'\n' => Some("\\n"),
        b'\r' => Some("\\r"),
        b'\t' => Some("\\t"),
        0x08 => Some("\\b"),
        0x0c => Some("\\f"),
        _ => None,
    }
}

/// Reports whether a word contains a byte below 0x20, a `"` (0x22) or a `\` (0x5C).
///
/// `(x - 0x01…01 * n) & !x & 0x80…80` is non-zero exactly when some byte of `x` is below `n` (for
/// `n` up to 0x80). With `n` = 1 it finds a zero byte, so `x ^ 0x22…22` finds a `"`. A borrow can set
/// bits above the first match too, so the result only shows whether a match exists, not where.
fn word_needs_escape(word: u64) -> bool {
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let has_quote = quote.wrapping_sub(ONES) & !quote;
    let has_backslash = backslash.wrapping_sub(ONES) & !backslash;
    (below_space | has_quote | has_backslash) & HIGH_BITS != 0
}

/// Returns the index of the first byte at or after `from` that needs an escape: a byte below 0x20,
/// `"` or `\`.
pub fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let mut index = from;
    while let Some(chunk) = bytes.get(index..index + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunk of 8 bytes"));
        if word_needs_escape(word) {
            break;
        }
        index += 8;
    }
    bytes[index..]
        .iter()
        .position(|&byte| needs_escape(byte))
        .map(|offset| index + offset)
}

/// Appends `text` to `out` with the escaping rule, without quotes.
pub fn write_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut run_start = 0;
    while let Some(index) = next_escape(bytes, run_start) {
        // Escaped bytes are ASCII, so the slices below end on character boundaries.
        out.push_str(&text[run_start..index]);
        let byte = bytes[index];
        match short_escape(byte) {
            Some(escape) => out.push_str(escape),
            None => {
                out.push_str("\\u00");
                out.push(HEX_DIGITS[usize::from(byte >> 4)] as char);
                out.push(HEX_DIGITS[usize::from(byte & 0x0f)] as char);
            }
        }
        run_start = index + 1;
    }
    out.push_str(&text[run_start..]);
}

/// Appends `text` to `out` as a quoted JSON string.
pub fn write_string(out: &mut String, text: &str) {
    out.push('"');
    write_escaped(out, text);
    out.push('"');
}

/// Appends `text`, which has no byte that needs an escape, to `out` as a quoted JSON string.
///
/// Callers use it for text that cannot hold such bytes by construction (identifiers, digits,
/// timestamps), which saves the scan.
pub fn write_plain_string(out: &mut String, text: &str) {
    debug_assert_eq!(
        next_escape(text.as_bytes(), 0),
        None,
        "{text:?} needs escaping"
    );
    out.push('"');
    out.push_str(text);
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
        Json::Object(members) => write_canonical_members(out, sorted_members(members)),
    }
}

/// Appends an object built from already sorted, deduplicated members.
pub fn write_canonical_members<'j, 'a: 'j>(
    out: &mut String,
    members: impl IntoIterator<Item = (&'j str, &'j Json<'a>)>,
) {
    out.push('{');
    for (index, (key, value)) in members.into_iter().enumerate() {
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
    fn escaping_finds_every_position() {
        // Each escaped byte at each place of a 20-character text crosses the 8-byte words of the scan.
        let base: Vec<char> = "abcdefghij\u{e9}klmnopqr".chars().collect();
        for special in ['"', '\\', '\n', '\u{0}', '\u{1f}', '\u{8}'] {
            for position in 0..=base.len() {
                let mut chars = base.clone();
                chars.insert(position, special);
                let text: String = chars.into_iter().collect();
                assert_eq!(
                    quoted(&text),
                    serde_json::to_string(&text).unwrap(),
                    "{special:?} at {position}"
                );
            }
        }
    }

    #[test]
    fn escaping_leaves_high_bytes_alone() {
        // Bytes 0x80 and above and 0x7f must not match the scan's "below 0x20" test.
        let text = "\u{7f}\u{80}\u{a2}\u{dc}\u{ff}\u{2028}\u{1f600}\u{7f}";
        assert_eq!(quoted(text), format!("\"{text}\""));
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
