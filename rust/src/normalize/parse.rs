//! Strict JSON parser for webhook bodies (RFC 8259), written for exact parity with the Python reference.
//!
//! This parser replaces `serde_json::Value` because the normalizer needs three things that
//! `serde_json` does not give together. Poison items carry raw bytes, so every top-level array element
//! needs its byte span. Every number needs its raw text. Object members must not go through the
//! `arbitrary_precision` magic keys, because `serde_json` turns `{"$serde_json::private::Number": "1"}`
//! into a number. Objects keep every member in input order, duplicates included, and lookups use the
//! last one.
//!
//! A body that fails to parse is rejected as too deep when [`exceeds_max_depth`] finds so, and as
//! invalid otherwise, so the parser's own depth guard never decides between the two.

use super::json_text::next_escape;
use std::borrow::Cow;
use std::ops::Range;

/// Maximum nesting of arrays and objects in a body; the top-level array is level 1.
pub const MAX_DEPTH: usize = 64;

/// One parsed JSON value. Numbers keep their exact text from the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// One element of the top-level array: its value and its byte range in the body.
#[derive(Debug)]
pub struct Element<'a> {
    pub value: Json<'a>,
    pub span: Range<usize>,
}

/// A body that is valid JSON, split at the top level.
#[derive(Debug)]
pub enum Body<'a> {
    Array(Vec<Element<'a>>),
    /// Valid JSON whose top-level value is not an array; carries the JSON kind name.
    NotArray(&'static str),
}

/// Reason for rejecting a whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body is not UTF-8; `offset` is the first byte of the first invalid sequence.
    InvalidUtf8 {
        offset: usize,
    },
    ByteOrderMark,
    TooDeep,
    InvalidJson,
}

/// Returns the JSON kind name of a value, as used in poison details.
pub fn kind_name(value: &Json<'_>) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// Reports whether arrays and objects nest deeper than [`MAX_DEPTH`], using a lexical scan.
///
/// The scan runs on any bytes, valid JSON or not, so both implementations reach the same verdict
/// before parsing. A `"` opens a string, and a backslash inside a string skips the next byte. A string
/// without its closing quote runs to the end, and a closing bracket never takes the depth below 0.
pub fn exceeds_max_depth(bytes: &[u8]) -> bool {
    let mut depth: usize = 0;
    let mut in_string = false;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if in_string {
            match byte {
                b'\\' => index += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return true;
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        index += 1;
    }
    false
}

/// Parses a webhook body: UTF-8 check, byte order mark check, depth check, then strict JSON.
///
/// The verdict is the one of that order, but the depth scan runs only when parsing fails. On a body
/// that parses, the scan's depth at each byte equals the parser's nesting depth, and the parser
/// rejects nesting deeper than [`MAX_DEPTH`], so the scan could only have passed it.
pub fn parse_body(bytes: &[u8]) -> Result<Body<'_>, BodyError> {
    let text = std::str::from_utf8(bytes).map_err(|error| BodyError::InvalidUtf8 {
        offset: error.valid_up_to(),
    })?;
    if text.starts_with('\u{feff}') {
        return Err(BodyError::ByteOrderMark);
    }
    parse_text(text).map_err(|_| {
        if exceeds_max_depth(bytes) {
            BodyError::TooDeep
        } else {
            BodyError::InvalidJson
        }
    })
}

/// Parses UTF-8 text as one JSON value with optional whitespace around it.
fn parse_text(text: &str) -> Result<Body<'_>, BodyError> {
    let mut parser = Parser::new(text);
    parser.skip_whitespace();
    let body = if parser.peek() == Some(b'[') {
        Body::Array(parser.parse_top_level_array()?)
    } else {
        let value = parser.parse_value()?;
        Body::NotArray(kind_name(&value))
    };
    parser.skip_whitespace();
    if parser.pos != text.len() {
        return Err(BodyError::InvalidJson);
    }
    Ok(body)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), BodyError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(BodyError::InvalidJson)
        }
    }

    fn enter(&mut self) -> Result<(), BodyError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(BodyError::TooDeep);
        }
        Ok(())
    }

    fn parse_top_level_array(&mut self) -> Result<Vec<Element<'a>>, BodyError> {
        self.enter()?;
        self.expect(b'[')?;
        let mut elements = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(elements);
        }
        loop {
            self.skip_whitespace();
            let start = self.pos;
            let value = self.parse_value()?;
            elements.push(Element {
                value,
                span: start..self.pos,
            });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(elements);
                }
                _ => return Err(BodyError::InvalidJson),
            }
        }
    }

    fn parse_value(&mut self) -> Result<Json<'a>, BodyError> {
        match self.peek() {
            Some(b'{') => self.parse_object(),
            Some(b'[') => self.parse_array(),
            Some(b'"') => Ok(Json::String(self.parse_string()?)),
            Some(b't') => self.parse_literal("true", Json::Bool(true)),
            Some(b'f') => self.parse_literal("false", Json::Bool(false)),
            Some(b'n') => self.parse_literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.parse_number(),
            _ => Err(BodyError::InvalidJson),
        }
    }

    fn parse_literal(&mut self, word: &str, value: Json<'a>) -> Result<Json<'a>, BodyError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(BodyError::InvalidJson)
        }
    }

    fn parse_array(&mut self) -> Result<Json<'a>, BodyError> {
        self.enter()?;
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.parse_value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(BodyError::InvalidJson),
            }
        }
    }

    fn parse_object(&mut self) -> Result<Json<'a>, BodyError> {
        self.enter()?;
        self.expect(b'{')?;
        // Objects at depth 2 are the events. HubSpot's sample events have 9 to 14 members, so the
        // first allocation usually fits them all.
        let capacity = if self.depth == 2 { 16 } else { 0 };
        let mut members = Vec::with_capacity(capacity);
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(BodyError::InvalidJson);
            }
            let key = self.parse_string()?;
            self.skip_whitespace();
            self.expect(b':')?;
            self.skip_whitespace();
            let value = self.parse_value()?;
            members.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(BodyError::InvalidJson),
            }
        }
    }

    fn consume_digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn parse_number(&mut self) -> Result<Json<'a>, BodyError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.consume_digits();
            }
            _ => return Err(BodyError::InvalidJson),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.consume_digits() == 0 {
                return Err(BodyError::InvalidJson);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.consume_digits() == 0 {
                return Err(BodyError::InvalidJson);
            }
        }
        Ok(Json::Number(&self.text[start..self.pos]))
    }

    /// Parses a string starting at its opening quote. Borrows from the body unless it has escapes.
    fn parse_string(&mut self) -> Result<Cow<'a, str>, BodyError> {
        self.expect(b'"')?;
        let start = self.pos;
        // The bytes that end a run of literal characters in a JSON string (a quote, a backslash, or a
        // control byte, which is invalid) are exactly the bytes that need an escape on output.
        self.pos = next_escape(self.bytes, start).ok_or(BodyError::InvalidJson)?;
        match self.bytes[self.pos] {
            b'"' => {
                let text = &self.text[start..self.pos];
                self.pos += 1;
                return Ok(Cow::Borrowed(text));
            }
            b'\\' => {}
            _ => return Err(BodyError::InvalidJson),
        }

        let mut owned = String::from(&self.text[start..self.pos]);
        loop {
            match self.peek() {
                None | Some(0x00..=0x1f) => return Err(BodyError::InvalidJson),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(owned));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    owned.push(self.parse_escape()?);
                }
                Some(_) => {
                    // Copy the run up to the next quote, backslash or control byte in one step. Those
                    // bytes are ASCII, so the run ends on a character boundary.
                    let run_start = self.pos;
                    self.pos = next_escape(self.bytes, run_start).unwrap_or(self.bytes.len());
                    owned.push_str(&self.text[run_start..self.pos]);
                }
            }
        }
    }

    /// Parses the escape after a backslash. A `\u` high surrogate must be followed by a `\u` low
    /// surrogate; a lone surrogate of either kind is invalid because it encodes no character.
    fn parse_escape(&mut self) -> Result<char, BodyError> {
        let byte = self.peek().ok_or(BodyError::InvalidJson)?;
        self.pos += 1;
        let decoded = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.parse_hex4()?;
                let code_point = match first {
                    0xD800..=0xDBFF => {
                        if !self.bytes[self.pos..].starts_with(b"\\u") {
                            return Err(BodyError::InvalidJson);
                        }
                        self.pos += 2;
                        let second = self.parse_hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(BodyError::InvalidJson);
                        }
                        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(BodyError::InvalidJson),
                    _ => first,
                };
                char::from_u32(code_point).ok_or(BodyError::InvalidJson)?
            }
            _ => return Err(BodyError::InvalidJson),
        };
        Ok(decoded)
    }

    fn parse_hex4(&mut self) -> Result<u32, BodyError> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or(BodyError::InvalidJson)?;
        let mut value = 0u32;
        for &digit in digits {
            let nibble = (digit as char).to_digit(16).ok_or(BodyError::InvalidJson)?;
            value = value * 16 + nibble;
        }
        self.pos += 4;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Body<'_>, BodyError> {
        parse_body(text.as_bytes())
    }

    fn single(text: &str) -> Json<'_> {
        match parse(text).expect("valid body") {
            Body::Array(mut elements) => elements.remove(0).value,
            Body::NotArray(kind) => panic!("expected an array, got {kind}"),
        }
    }

    #[test]
    fn spans_exclude_whitespace() {
        let text = " [ {\"a\":1} ,\n\"x\" ,3 ] ";
        let Body::Array(elements) = parse(text).unwrap() else {
            panic!("expected an array");
        };
        let raws: Vec<&str> = elements.iter().map(|e| &text[e.span.clone()]).collect();
        assert_eq!(raws, vec!["{\"a\":1}", "\"x\"", "3"]);
    }

    #[test]
    fn numbers_keep_raw_text() {
        assert_eq!(single("[-0.0E+05]"), Json::Number("-0.0E+05"));
        assert_eq!(
            single("[123456789012345678901234567890]"),
            Json::Number("123456789012345678901234567890")
        );
    }

    #[test]
    fn escapes_decode() {
        assert_eq!(
            single(r#"["a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"]"#),
            Json::String(Cow::Owned(
                "a\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{1f600}".to_string()
            ))
        );
    }

    #[test]
    fn invalid_json_is_rejected() {
        let cases = [
            "",
            "[",
            "[1,]",
            "[1 2]",
            "[01]",
            "[1.]",
            "[1e]",
            "[-]",
            "[NaN]",
            "[Infinity]",
            "[-Infinity]",
            "[\"\\ud800\"]",
            "[\"\\udc00\"]",
            "[\"\\ud800\\u0041\"]",
            "[\"\t\"]",
            "[\"\\x\"]",
            "[] x",
            "{\"a\" 1}",
            "{1:2}",
            "[tru]",
            "[nul]",
            "\"abc",
        ];
        for case in cases {
            assert_eq!(
                parse(case).unwrap_err(),
                BodyError::InvalidJson,
                "case {case:?}"
            );
        }
    }

    #[test]
    fn utf8_and_bom_are_checked_first() {
        assert_eq!(
            parse_body(b"[\"a\xff\"]").unwrap_err(),
            BodyError::InvalidUtf8 { offset: 3 }
        );
        assert_eq!(
            parse_body(b"\xef\xbb\xbf[]").unwrap_err(),
            BodyError::ByteOrderMark
        );
    }

    #[test]
    fn depth_limit_applies_at_65() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(parse(&deep).unwrap_err(), BodyError::TooDeep);
        let deep_invalid = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep_invalid).unwrap_err(), BodyError::TooDeep);
        let in_string = format!("[\"{}\"]", "[".repeat(200));
        assert!(parse(&in_string).is_ok());
    }

    /// Returns the verdict of the depth scan first and the parser second, the order that
    /// `parse_body` must agree with.
    fn scan_then_parse(text: &str) -> Result<(), BodyError> {
        if exceeds_max_depth(text.as_bytes()) {
            return Err(BodyError::TooDeep);
        }
        parse_text(text)
            .map(|_| ())
            .map_err(|_| BodyError::InvalidJson)
    }

    #[test]
    fn depth_verdict_matches_scan_first() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        let closed = "]".repeat(MAX_DEPTH + 1);
        let cases = [
            format!("{deep}{closed}"),
            format!("[]{deep}{closed}"),
            format!("[] {deep}"),
            format!("{deep}\"\\"),
            format!("[\"{deep}\"]"),
            format!("[\"\\\"{deep}\"]"),
            format!("]]]]{}{}", &deep[1..], &closed[1..]),
            format!("[1,]{deep}"),
            format!("{{\"a\":{}1{}}}", &deep[2..], &closed[2..]),
            format!("{{\"a\":{}1{}}}", &deep[1..], &closed[1..]),
            format!("[{{\"a\":1}} x {deep}"),
            "[1,2]".to_string(),
            "[1,2".to_string(),
        ];
        for case in cases {
            let verdict = parse(&case).map(|_| ());
            assert_eq!(verdict, scan_then_parse(&case), "case {case:?}");
        }
    }

    #[test]
    fn top_level_kinds() {
        assert!(matches!(parse("{}"), Ok(Body::NotArray("object"))));
        assert!(matches!(parse(" 1 "), Ok(Body::NotArray("number"))));
        assert!(matches!(parse("[]"), Ok(Body::Array(ref e)) if e.is_empty()));
    }
}
