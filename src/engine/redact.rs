//! Keeping the auth token out of every text the library produces.
//!
//! The rule, chosen so that real tokens are protected without garbling the
//! errors of tests that use short dummy tokens:
//!
//! - A token of [`FRAGMENT_CHARS`] characters or more (every real IAM token:
//!   they run to thousands) is masked wherever *any* run of
//!   [`FRAGMENT_CHARS`] consecutive characters of it appears, so a server or
//!   proxy that echoes it cut short, or a cut of our own, leaks nothing usable.
//! - A shorter token (only tests use those) is masked where it appears whole,
//!   as a word of its own (not next to an ASCII letter or digit), so that a token like
//!   `0` cannot turn `HTTP 400` into `HTTP 4•••`.
//!
//! Both rules look at the text as written and at the text with its JSON
//! escapes decoded (`\/`, `\u002b`, ...), since servers echo headers inside JSON
//! strings. Masked runs become [`REDACTED`], which has no ASCII character and so
//! cannot combine with its surroundings into a copy of an (ASCII) token.

use crate::engine::sort::heap_sort;
use crate::prelude::*;

/// What a masked secret looks like.
pub const REDACTED: &str = "\u{2022}\u{2022}\u{2022}";

/// Length of the shortest token fragment that is masked, in characters.
pub const FRAGMENT_CHARS: usize = 12;

/// A secret to scrub from texts: the token, prepared for fast searching.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    token: Vec<char>,
    /// Mask whole occurrences even inside words (passwords, secret keys).
    everywhere: bool,
    /// Every `FRAGMENT_CHARS`-character window of the token, packed and sorted.
    fragments: Vec<Fragment>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(•••)")
    }
}

/// One character of a text and the byte range it was read from.
type Spanned = (char, usize, usize);

impl Secret {
    /// `None` for an empty token (nothing to hide).
    pub fn new(token: &str) -> Option<Secret> {
        if token.is_empty() {
            return None;
        }
        let mut chars = Vec::with_capacity(token.len());
        for c in token.chars() {
            chars.push(c);
        }
        let token = chars;
        let mut fragments = Vec::new();
        for window in token.windows(FRAGMENT_CHARS) {
            fragments.extend(pack(window.iter().copied()));
        }
        heap_sort(&mut fragments, |a, b| a < b);
        fragments.dedup();
        Some(Secret { token, everywhere: false, fragments })
    }

    /// A password or secret key: like [`Secret::new`], but whole occurrences
    /// are masked wherever they stand, whatever their length or alphabet.
    pub fn everywhere(secret: &str) -> Option<Secret> {
        Secret::new(secret).map(|s| Secret { everywhere: true, ..s })
    }

    /// `text` with every occurrence of the secret (as defined in the module
    /// docs) replaced by [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        self.masked(text).unwrap_or_else(|| text.to_owned())
    }

    /// Scrub in place, the common case for error fields.
    pub fn scrub_in_place(&self, text: &mut String) {
        if let Some(masked) = self.masked(text) {
            *text = masked;
        }
    }

    /// `text` scrubbed, or `None` when nothing in it is masked.
    fn masked(&self, text: &str) -> Option<String> {
        let mut raw = Vec::with_capacity(text.len());
        for (i, c) in text.char_indices() {
            raw.push((c, i, i + c.len_utf8()));
        }
        let mut spans = self.find(&raw);
        if text.contains('\\') {
            spans.extend(self.find(&json_unescaped(text)));
            // Only the order of the starts matters below: spans that start
            // together are masked as one, whichever comes first.
            heap_sort(&mut spans, |a, b| a.0 < b.0);
        }
        if spans.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in spans {
            if end <= at {
                continue;
            }
            if start >= at {
                out.push_str(text.get(at..start).unwrap_or_default());
                out.push_str(REDACTED);
            }
            at = end;
        }
        out.push_str(text.get(at..).unwrap_or_default());
        Some(out)
    }

    /// Byte ranges of `text` to mask, in order of their starts.
    fn find(&self, text: &[Spanned]) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let n = self.token.len();
        let fragments = !self.fragments.is_empty();
        let whole = !fragments || self.everywhere;
        let word = |i: Option<&Spanned>| !self.everywhere && i.is_some_and(|s| s.0.is_ascii_alphanumeric());
        for i in 0..text.len() {
            if fragments
                && text
                    .get(i..i + FRAGMENT_CHARS)
                    .and_then(|w| pack(w.iter().map(|s| s.0)))
                    .is_some_and(|key| self.fragments.binary_search(&key).is_ok())
            {
                spans.push((text[i].1, text[i + FRAGMENT_CHARS - 1].2));
            }
            if whole
                && text.get(i..i + n).is_some_and(|w| w.iter().zip(&self.token).all(|(s, c)| s.0 == *c))
                && !word(i.checked_sub(1).and_then(|p| text.get(p)))
                && !word(text.get(i + n))
            {
                spans.push((text[i].1, text[i + n - 1].2));
            }
        }
        spans
    }
}

/// A window of ASCII characters as its bytes (`None` if any is not ASCII:
/// tokens are printable ASCII, so such a window cannot be part of one).
fn pack(window: impl Iterator<Item = char>) -> Option<Fragment> {
    let mut key = [0; FRAGMENT_CHARS];
    for (k, c) in key.iter_mut().zip(window) {
        *k = u8::try_from(c).ok().filter(u8::is_ascii)?;
    }
    Some(key)
}

/// A window of the token, as its ASCII bytes.
type Fragment = [u8; FRAGMENT_CHARS];

/// The characters of `text` with JSON string escapes decoded, each with the
/// byte range of its escape. Backslashes that start no valid escape stay as
/// they are.
fn json_unescaped(text: &str) -> Vec<Spanned> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push((c, i, i + c.len_utf8()));
            continue;
        }
        let simple = match bytes.get(i + 1) {
            Some(b'/') => Some('/'),
            Some(b'"') => Some('"'),
            Some(b'\\') => Some('\\'),
            Some(b'n') => Some('\n'),
            Some(b't') => Some('\t'),
            Some(b'r') => Some('\r'),
            Some(b'b') => Some('\u{8}'),
            Some(b'f') => Some('\u{c}'),
            _ => None,
        };
        if let Some(decoded) = simple {
            chars.next();
            out.push((decoded, i, i + 2));
            continue;
        }
        let hex = |at: usize| {
            bytes
                .get(at..at + 4)?
                .iter()
                .try_fold(0, |code, &b| Some(code * 16 + char::from(b).to_digit(16)?))
        };
        let unit = if bytes.get(i + 1) == Some(&b'u') { hex(i + 2) } else { None };
        let (decoded, len) = match unit {
            Some(high @ 0xd800..=0xdbff) => {
                let low = (bytes.get(i + 6..i + 8) == Some(b"\\u")).then(|| hex(i + 8)).flatten();
                match low {
                    Some(low @ 0xdc00..=0xdfff) => {
                        (char::from_u32(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)), 12)
                    }
                    _ => (None, 0),
                }
            }
            Some(unit) => (char::from_u32(unit), 6),
            None => (None, 0),
        };
        match decoded {
            Some(decoded) => {
                for _ in 1..len {
                    chars.next();
                }
                out.push((decoded, i, i + len));
            }
            None => out.push((c, i, i + 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: &str = "MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQExDTALBglghkgBZQMEAgEwggLU/+abc==";

    fn fragments_left(text: &str, token: &str) -> Vec<String> {
        let chars: Vec<char> = token.chars().collect();
        chars
            .windows(FRAGMENT_CHARS)
            .map(|w| w.iter().collect::<String>())
            .filter(|f| text.contains(f.as_str()))
            .collect()
    }

    #[test]
    fn long_tokens_are_masked_whole_and_in_fragments() {
        let s = Secret::new(LONG).unwrap();
        for text in [
            format!("token={LONG}"),
            format!("echo: {}", &LONG[..40]),
            format!("cut {}", &LONG[LONG.len() - 13..]),
            format!("{{\"h\":\"{}\"}}", LONG.replace('/', "\\/")),
            format!("{{\"h\":\"{}\"}}", LONG.replace('+', "\\u002b").replace('=', "\\u003D")),
        ] {
            let out = s.scrub(&text);
            assert!(out.contains(REDACTED), "{out}");
            assert_eq!(fragments_left(&out, LONG), Vec::<String>::new(), "{out}");
        }
    }

    #[test]
    fn short_fragments_of_long_tokens_are_left_alone() {
        let s = Secret::new(LONG).unwrap();
        let text = format!("HTTP 400 {}", &LONG[..FRAGMENT_CHARS - 1]);
        assert_eq!(s.scrub(&text), text);
    }

    #[test]
    fn short_tokens_are_masked_only_as_whole_words() {
        let s = Secret::new("0").unwrap();
        assert_eq!(s.scrub("HTTP 400 KOOPHONE.API.1001"), "HTTP 400 KOOPHONE.API.1001");
        assert_eq!(s.scrub("{\"token\":\"0\"}"), "{\"token\":\"•••\"}");
        let s = Secret::new("test-tok").unwrap();
        assert_eq!(s.scrub("bad token test-tok, x"), "bad token •••, x");
        assert_eq!(s.scrub("test-token"), "test-token");
    }

    #[test]
    fn passwords_are_masked_everywhere_whatever_their_length() {
        let s = Secret::everywhere("pässwort").unwrap();
        assert_eq!(s.scrub("bad password xpässwortx"), "bad password x•••x");
        assert_eq!(s.scrub("{\"p\":\"p\\u00e4sswort\"}"), "{\"p\":\"•••\"}");
    }

    #[test]
    fn long_passwords_are_masked_in_fragments_and_whole_inside_words() {
        let password = "correct-horse-battery-staple";
        let s = Secret::everywhere(password).unwrap();
        let text =
            format!("x{password}x and {} and \"{}\"", &password[..14], password.replace('-', "\\u002d"));
        let out = s.scrub(&text);
        assert!(!out.contains("correct-horse") && !out.contains("battery"), "{out}");
        assert!(out.starts_with('x') && out.contains(" and "), "{out}");
    }

    #[test]
    fn the_mask_cannot_rebuild_the_token() {
        let s = Secret::new("**x").unwrap();
        assert_eq!(s.scrub("a **x*x"), "a •••*x");
    }

    #[test]
    fn debug_output_hides_the_token() {
        assert_eq!(format!("{:?}", Secret::new(LONG).unwrap()), "Secret(•••)");
    }

    #[test]
    fn invalid_escapes_and_unicode_survive() {
        let s = Secret::new(LONG).unwrap();
        let text = "é \\x \\u12 \\ud800 end \\";
        assert_eq!(s.scrub(text), text);
    }
}
