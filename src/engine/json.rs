//! A small, strict JSON reader and string writer.
//!
//! The API bodies are tiny, and a hand-written reader keeps the wasm small and
//! means the parser the fuzz tests hammer on is exactly the one that ships.
//! It follows RFC 8259, refuses nesting deeper than [`MAX_DEPTH`] (so hostile
//! input cannot exhaust the stack) and never panics on any input.
//!
//! Numbers read as `JSON.parse` reads them: the correctly rounded double (ties
//! to even, subnormals kept, ±Infinity past the largest double, `-0` kept), by
//! [`number::nearest_f64`] rather than the standard library's parser, which
//! would cost 14.5 KB gzip of wasm.
//!
//! `tests/json_oracle/` checks it against serde_json on a million generated
//! documents: the same documents are accepted and they read the same, every
//! number bit for bit.

use super::number;
use crate::prelude::*;
use alloc::borrow::Cow;

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 64;

/// A parsed JSON value. Object members keep their order; duplicate keys resolve
/// to the last one, as `JSON.parse` does. Strings and keys without escapes
/// borrow from the text parsed (most do: no allocation per string).
#[derive(Clone, Debug, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Number(f64),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// Why a text is not JSON: a short description and the byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub offset: usize,
    pub reason: &'static str,
}

impl<'a> Json<'a> {
    /// The member `key` of an object (`None` for other values or absent keys).
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The value as an integer, if it is a number with no fractional part that
    /// a JavaScript number represents exactly.
    pub fn as_i64(&self) -> Option<i64> {
        const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
        match *self {
            Json::Number(n) if n.fract() == 0.0 && n.abs() <= MAX_SAFE => Some(n as i64),
            _ => None,
        }
    }

    /// A one-word name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Parse a complete JSON text (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Json<'_>, JsonError> {
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos != p.text.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(value)
}

/// Append `s` to `out` as a JSON string literal, quotes included. Runs of
/// characters that need no escape are copied whole (this is on every call's
/// path: request bodies and results).
pub fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // Escapes are ASCII, so runs end on character boundaries.
        out.push_str(s.get(run..i).unwrap_or_default());
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(s.get(run..).unwrap_or_default());
    out.push('"');
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, reason: &'static str) -> JsonError {
        JsonError { offset: self.pos, reason }
    }

    // Called per byte of every answer: inlined even at opt-level "z" (bench/analysis.md).
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    // Called per byte of every answer: inlined even at opt-level "z" (bench/analysis.md).
    #[inline(always)]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    // Called per byte of every answer: inlined even at opt-level "z" (bench/analysis.md).
    #[inline(always)]
    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &'static [u8], value: Json<'a>) -> Result<Json<'a>, JsonError> {
        if self.text.as_bytes()[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json<'a>, JsonError> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.literal(b"true", Json::Bool(true)),
            Some(b'f') => self.literal(b"false", Json::Bool(false)),
            Some(b'n') => self.literal(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json<'a>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.eat(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            if self.eat(b']') {
                return Ok(Json::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.err("expected ',' or ']'"));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json<'a>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.skip_ws();
        if self.eat(b'}') {
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key"));
            }
            let key = self.string()?;
            self.skip_ws();
            if !self.eat(b':') {
                return Err(self.err("expected ':'"));
            }
            self.skip_ws();
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_ws();
            if self.eat(b'}') {
                return Ok(Json::Object(members));
            }
            if !self.eat(b',') {
                return Err(self.err("expected ',' or '}'"));
            }
        }
    }

    /// Checks the number grammar here and leaves the value to
    /// [`number::nearest_f64`]: the double `JSON.parse` gives, bit for bit.
    fn number(&mut self) -> Result<Json<'a>, JsonError> {
        let negative = self.eat(b'-');
        let start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.err("invalid number")),
        }
        if self.eat(b'.') {
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("invalid number"));
            }
            self.skip_digits();
        }
        let significand = self.text.as_bytes().get(start..self.pos).unwrap_or_default();
        let mut exponent: i64 = 0;
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            let negative_exponent = self.eat(b'-');
            if !negative_exponent {
                self.eat(b'+');
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("invalid number"));
            }
            while let Some(d @ b'0'..=b'9') = self.peek() {
                // Saturates far past the double range (10^±1100 at most matters).
                exponent = (exponent * 10 + i64::from(d - b'0')).min(1 << 40);
                self.pos += 1;
            }
            if negative_exponent {
                exponent = -exponent;
            }
        }
        let magnitude = number::nearest_f64(significand, exponent);
        Ok(Json::Number(if negative { -magnitude } else { magnitude }))
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    /// A string literal: borrowed from the text when it has no escape.
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.pos += 1; // opening quote
        let mut out: Option<String> = None;
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Runs start and end next to ASCII bytes: whole characters of the text.
            let run = self.text.get(run_start..self.pos).unwrap_or_default();
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(match out {
                        None => Cow::Borrowed(run),
                        Some(mut out) => {
                            out.push_str(run);
                            Cow::Owned(out)
                        }
                    });
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let out = out.get_or_insert_with(String::new);
                    out.push_str(run);
                    self.escape(out)?;
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let Some(b) = self.peek() else {
            return Err(self.err("unterminated escape"));
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&first) {
                    // A high surrogate must be followed by an escaped low one.
                    if !(self.eat(b'\\') && self.eat(b'u')) {
                        return Err(self.err("unpaired surrogate"));
                    }
                    let second = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return Err(self.err("unpaired surrogate"));
                    }
                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                } else {
                    first
                };
                char::from_u32(code).ok_or_else(|| self.err("unpaired surrogate"))?
            }
            _ => return Err(self.err("invalid escape")),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut code = 0u32;
        for _ in 0..4 {
            let Some(digit) = self.peek().and_then(|b| char::from(b).to_digit(16)) else {
                return Err(self.err("invalid \\u escape"));
            };
            code = code * 16 + digit;
            self.pos += 1;
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_examples() {
        let v = parse(r#"{ "status_results" : [ { "instance_id" : "a44uhlf7", "status" : 0 } ] }"#).unwrap();
        let results = v.get("status_results").and_then(Json::as_array).unwrap();
        assert_eq!(results[0].get("instance_id").and_then(Json::as_str), Some("a44uhlf7"));
        assert_eq!(results[0].get("status").and_then(Json::as_i64), Some(0));

        let v = parse("{\n  \"data\" : {\n    \"status\" : 0,\n    \"waitingCount\" : 0\n  },\n  \"error_code\" : \"0\",\n  \"error_msg\" : \"OK\"\n}").unwrap();
        assert_eq!(v.get("error_code").and_then(Json::as_str), Some("0"));
        assert_eq!(v.get("data").and_then(|d| d.get("waitingCount")).and_then(Json::as_i64), Some(0));
    }

    #[test]
    fn numbers_follow_the_json_grammar() {
        assert_eq!(parse("-1").unwrap().as_i64(), Some(-1));
        assert_eq!(parse("2.0").unwrap().as_i64(), Some(2));
        assert_eq!(parse("2.5").unwrap().as_i64(), None);
        assert_eq!(parse("1e3").unwrap().as_i64(), Some(1000));
        assert_eq!(parse("1e400").unwrap(), Json::Number(f64::INFINITY));
        assert_eq!(parse("-0.5e1").unwrap().as_i64(), Some(-5));
        assert_eq!(parse("25e-1").unwrap(), Json::Number(2.5));
        assert_eq!(parse("123456789012345678901234").unwrap().as_i64(), None);
        assert_eq!(parse("9007199254740991").unwrap().as_i64(), Some(9_007_199_254_740_991));
        assert_eq!(parse("1e-400").unwrap().as_i64(), Some(0));
        assert_eq!(parse("0.000").unwrap().as_i64(), Some(0));
        assert_eq!(parse("1e400").unwrap().as_i64(), None);
        for bad in ["01", "-", "1.", ".5", "+1", "1e", "0x10", "NaN", "Infinity"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hard_numbers_read_bit_for_bit_as_the_standard_parser() {
        let long = format!("1.{}e-5", "4".repeat(999));
        let cases = [
            "0.1",
            "2.2250738585072011e-308",
            "2.2250738585072012e-308",
            "4.9406564584124654e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "9007199254740993",
            "9007199254740993.0000000001",
            &long,
            "1e-400",
            "-0",
            "-0.0e5",
            "0e99999999999",
            "123456789012345678901234567890e-10",
        ];
        let mut finite_nonzero = 0;
        for literal in cases {
            let expected: f64 = literal.parse().unwrap();
            let Json::Number(ours) = parse(literal).unwrap() else { panic!("{literal}: not a number") };
            assert_eq!(ours.to_bits(), expected.to_bits(), "{literal}: ours {ours:e}, expected {expected:e}");
            finite_nonzero += usize::from(ours.is_finite() && ours != 0.0);
        }
        assert_eq!(finite_nonzero, 11);
        // The edges those cases sit on, spelt out.
        let read =
            |literal: &str| parse(literal).map(|v| if let Json::Number(n) = v { n.to_bits() } else { 0 });
        assert_eq!(read("2.4703282292062327e-324"), Ok(0));
        assert_eq!(read("2.4703282292062328e-324"), Ok(1));
        assert_eq!(read("1.7976931348623159e308"), Ok(f64::INFINITY.to_bits()));
        assert_eq!(read("-0"), Ok((-0.0f64).to_bits()));
    }

    #[test]
    fn strings_decode_escapes_and_surrogate_pairs() {
        let v = parse(r#""a\"b\\c\/\n\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(v.as_str(), Some("a\"b\\c/\n\u{e9}\u{1F600}"));
        for bad in [r#""\ud83d""#, r#""\ude00""#, r#""\x""#, "\"a\nb\"", "\"abc", r#""\u12""#] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_malformed_documents() {
        for bad in
            ["", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "nul", "true false", "<html>"]
        {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep).unwrap_err().reason, "nesting too deep");
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn duplicate_keys_resolve_to_the_last_like_json_parse() {
        assert_eq!(parse(r#"{"a":1,"a":2}"#).unwrap().get("a").and_then(Json::as_i64), Some(2));
    }

    #[test]
    fn written_strings_round_trip() {
        for s in ["plain", "quo\"te", "back\\slash", "nl\n\r\t", "\u{1}\u{1f}", "é😀"] {
            let mut out = String::new();
            write_string(&mut out, s);
            assert_eq!(parse(&out).unwrap().as_str(), Some(s), "{out}");
        }
    }
}
