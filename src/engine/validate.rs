//! Input rules, checked before any request is sent.
//!
//! Limits come from the seeds (32 IDs a request, 32 characters an ID or user
//! ID). Characters that could break a header or a log line are refused
//! everywhere; messages name the offending field but never echo the token.

use crate::engine::error::Error;
use crate::engine::output::{cat, decimal};
use crate::prelude::*;

/// Longest instance or user ID the API accepts, in UTF-16 code units: the
/// service is written in Java, whose `String.length()` counts those.
pub const MAX_ID_CHARS: usize = 32;
/// Longest token accepted, in bytes. IAM tokens are a few KiB.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;
/// The public KooPhone service.
pub const DEFAULT_ENDPOINT: &str = "https://koophone.myhuaweicloud.com";

/// Check one ID (`field` names it in the message, e.g. `instanceIds[3]`).
pub fn validate_id(field: &str, id: &str) -> Result<(), Error> {
    if is_plain_id(id) {
        return Ok(());
    }
    if id.is_empty() {
        return Err(Error::invalid(cat(&[field, " is empty; IDs must be 1 to 32 characters"])));
    }
    let units = utf16_len(id);
    if units > MAX_ID_CHARS {
        return Err(Error::invalid(cat(&[
            field,
            " is ",
            &decimal(units as i64),
            " UTF-16 code units long; the API allows at most 32 \
             (characters outside the Basic Multilingual Plane, such as emoji, count twice)",
        ])));
    }
    if has_space_or_control(id) {
        return Err(Error::invalid(cat(&[
            field,
            " contains whitespace or a control character; KooPhone IDs never do",
        ])));
    }
    Ok(())
}

/// Whether `id` is a valid ID of printable ASCII (what real IDs are): one pass
/// over the bytes, where [`validate_id`]'s general rules walk characters.
pub fn is_plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_CHARS && id.bytes().all(|b| b > b' ' && b < 0x7f)
}

/// The length of `text` as JavaScript and Java count it (UTF-16 code units).
pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Check a token before it goes into the `X-Auth-Token` header.
pub fn validate_token(token: &str) -> Result<(), Error> {
    if token.is_empty() {
        return Err(Error::invalid("the token is empty; pass the project-scoped IAM token as `token`"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Error::invalid(cat(&[
            "the token is ",
            &decimal(token.len() as i64),
            " bytes long; at most 65536 are accepted",
        ])));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            "the token contains spaces, line breaks, control or non-ASCII characters, which cannot go into an HTTP header",
        ));
    }
    Ok(())
}

/// A checked service base URL, without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint(String);

impl Endpoint {
    /// The URL of an API path such as `/v1/instances/prepare-progress`.
    pub fn url(&self, path: &str) -> String {
        let mut url = String::with_capacity(self.0.len() + path.len());
        url.push_str(&self.0);
        url.push_str(path);
        url
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The endpoint, leaving an empty one behind.
    pub fn take(&mut self) -> Endpoint {
        Endpoint(core::mem::take(&mut self.0))
    }
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint(DEFAULT_ENDPOINT.to_owned())
    }
}

/// Check and normalise the `endpoint` option.
///
/// Accepts `https://host[:port][/base]`, `http://` only for loopback hosts, and a
/// path such as `/api/koophone` when `page_origin` is known (a page behind a
/// same-origin CORS proxy). Credentials, queries and fragments are refused.
/// Read on bytes: every character the rules name is ASCII.
pub fn parse_endpoint(raw: &str, page_origin: Option<&str>) -> Result<Endpoint, Error> {
    let bad = |why: &str| Error::invalid(cat(&["endpoint \"", raw, "\" is not usable: ", why]));
    if has_space_or_control(raw) {
        return Err(Error::invalid("endpoint contains whitespace or control characters"));
    }
    let bytes = raw.as_bytes();
    if bytes.iter().any(|&b| b == b'?' || b == b'#') {
        return Err(bad("it must not have a query or fragment"));
    }
    if let [b'/', next @ ..] = bytes {
        if next.first() != Some(&b'/') {
            let Some(origin) = page_origin else {
                return Err(bad(
                    "a path needs a page origin to resolve against; outside a browser pass an absolute https:// URL",
                ));
            };
            let base = parse_endpoint(origin, None)?;
            return Ok(Endpoint(cat(&[&base.0, trim_slashes(raw)])));
        }
    }
    let Some(scheme) = ["https://", "http://"].into_iter().find(|s| starts_with_lowercase(bytes, s)) else {
        return Err(bad(
            "it must start with https:// (or http:// for a loopback host), or be a path like /api/koophone",
        ));
    };
    // `str::get` rather than indexing: no panic path (and its formatting code) in the wasm.
    let rest = raw.get(scheme.len()..).unwrap_or_default();
    let slash = rest.bytes().position(|b| b == b'/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at_checked(slash).unwrap_or((rest, ""));
    if authority.bytes().any(|b| b == b'@') {
        return Err(Error::invalid(
            "endpoint must not contain credentials (user:password@); pass the token as `token`",
        ));
    }
    let authority = authority.to_ascii_lowercase();
    let host = match check_authority(&authority) {
        Ok(host) => host,
        Err(why) => return Err(bad(why)),
    };
    if scheme == "http://" && !is_loopback(host) {
        return Err(bad(
            "plain http:// is only allowed for loopback hosts (localhost, 127.0.0.1, [::1]); use https://",
        ));
    }
    Ok(Endpoint(cat(&[scheme, &authority, trim_slashes(path)])))
}

/// Whether `text` holds whitespace or a control character (Unicode's rules).
fn has_space_or_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Whether `text` starts with `prefix` (lower-case ASCII), ignoring ASCII case.
fn starts_with_lowercase(text: &[u8], prefix: &str) -> bool {
    text.len() >= prefix.len() && text.iter().zip(prefix.bytes()).all(|(a, b)| a.to_ascii_lowercase() == b)
}

/// `text` without its trailing slashes.
fn trim_slashes(text: &str) -> &str {
    let slashes = text.bytes().rev().take_while(|&b| b == b'/').count();
    text.get(..text.len() - slashes).unwrap_or(text)
}

/// Validate `host[:port]` (lower-cased) and return the host part.
fn check_authority(authority: &str) -> Result<&str, &'static str> {
    let bytes = authority.as_bytes();
    let end = if let [b'[', inner @ ..] = bytes {
        let close = inner.iter().position(|&b| b == b']').ok_or("unterminated [IPv6] host")?;
        let inner = inner.get(..close).unwrap_or_default();
        if inner.is_empty() || !inner.iter().all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
            return Err("invalid IPv6 host");
        }
        close + 2
    } else {
        let end = bytes.iter().position(|&b| b == b':').unwrap_or(bytes.len());
        let host = bytes.get(..end).unwrap_or_default();
        if host.is_empty() || !host.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') {
            return Err("the host name is missing or has invalid characters");
        }
        end
    };
    let (host, port) = authority.split_at_checked(end).unwrap_or((authority, ""));
    match port.as_bytes() {
        [] => {}
        [b':', digits @ ..] => {
            // Capped past the largest port, so that long numbers cannot overflow.
            let mut port = 0;
            for &d in digits {
                if !d.is_ascii_digit() {
                    port = 0;
                    break;
                }
                port = (port * 10 + u32::from(d - b'0')).min(65_536);
            }
            if !(1..=65_535).contains(&port) {
                return Err("the port must be a number from 1 to 65535");
            }
        }
        _ => return Err("unexpected text after the host"),
    }
    Ok(host)
}

/// Whether a (lower-cased) host is a loopback one.
fn is_loopback(host: &str) -> bool {
    // Only names that never reach DNS: `*.localhost` names are resolved by Node's resolver.
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    // 127.x.y.z: three more octets of 1 to 3 digits, each at most 255.
    let Some(rest) = host.strip_prefix("127.") else { return false };
    let (mut dots, mut digits, mut octet) = (0, 0, 0);
    for b in rest.bytes() {
        if b == b'.' && digits > 0 {
            (dots, digits, octet) = (dots + 1, 0, 0);
        } else if b.is_ascii_digit() && digits < 3 {
            digits += 1;
            octet = octet * 10 + u32::from(b - b'0');
            if octet > 255 {
                return false;
            }
        } else {
            return false;
        }
    }
    dots == 2 && digits > 0
}

/// Check a numeric option: a whole number from 1 to `max`.
pub fn positive_integer(name: &str, value: f64, max: u32) -> Result<u32, Error> {
    if value.is_finite() && value.fract() == 0.0 && value >= 1.0 && value <= f64::from(max) {
        Ok(value as u32)
    } else {
        Err(Error::invalid(cat(&[
            name,
            " must be a whole number from 1 to ",
            &decimal(i64::from(max)),
            ", got ",
            &describe_number(value),
        ])))
    }
}

/// A number for an error message, without pulling in float formatting.
pub fn describe_number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        decimal(value as i64)
    } else if value.is_infinite() || value.abs() >= 1e15 {
        "a number too large".to_owned()
    } else {
        "a fraction".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ErrorKind;

    #[test]
    fn ids_within_the_seed_limits_pass() {
        assert!(validate_id("id", "a44uhlf7").is_ok());
        assert!(validate_id("id", &"x".repeat(32)).is_ok());
        assert!(validate_id("id", "1008600000104285462").is_ok());
    }

    #[test]
    fn the_ascii_fast_path_agrees_with_the_character_rules() {
        let mut plain = 0;
        for b in 0u8..0x80 {
            let c = char::from(b);
            let id = format!("a{c}b");
            let by_chars = !(c.is_control() || c.is_whitespace());
            assert_eq!(is_plain_id(&id), by_chars, "{b:#x}");
            assert_eq!(validate_id("id", &id).is_ok(), by_chars, "{b:#x}");
            plain += usize::from(by_chars);
        }
        assert_eq!(plain, 94);
        assert!(is_plain_id(&"x".repeat(32)) && !is_plain_id(&"x".repeat(33)) && !is_plain_id(""));
        // Non-ASCII IDs take the general path, and valid ones pass it.
        assert!(!is_plain_id("é") && validate_id("id", "é").is_ok());
    }

    #[test]
    fn bad_ids_are_rejected_with_the_field_named() {
        let e = validate_id("instanceIds[2]", &"x".repeat(33)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains("instanceIds[2]") && e.message.contains("33"), "{}", e.message);
        assert!(validate_id("id", "").is_err());
        for bad in ["a\r\nX-Evil: 1", "a b", "a\tb", "a\0"] {
            assert!(validate_id("id", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn messages_name_the_limits_applied() {
        // The limits are written into the messages as text: they must stay the constants.
        let e = validate_id("id", "").unwrap_err();
        assert!(e.message.ends_with(&format!("IDs must be 1 to {MAX_ID_CHARS} characters")), "{}", e.message);
        let e = validate_id("id", &"é".repeat(MAX_ID_CHARS + 1)).unwrap_err();
        assert!(e.message.contains(&format!("allows at most {MAX_ID_CHARS} (characters")), "{}", e.message);
        let e = validate_token(&"t".repeat(MAX_TOKEN_BYTES + 1)).unwrap_err();
        assert!(e.message.ends_with(&format!("at most {MAX_TOKEN_BYTES} are accepted")), "{}", e.message);
    }

    #[test]
    fn tokens_that_could_break_a_header_are_rejected_without_being_echoed() {
        assert!(validate_token("MIIabc+/=-_.").is_ok());
        for bad in ["", "secret\r\nX-Evil: 1", "secret token", "sécret", "secret\0"] {
            let e = validate_token(bad).unwrap_err();
            assert!(bad.is_empty() || !e.message.contains("secret"), "{}", e.message);
        }
        assert!(validate_token(&"t".repeat(MAX_TOKEN_BYTES + 1)).is_err());
    }

    #[test]
    fn endpoints_are_normalised() {
        let ok = |raw: &str| parse_endpoint(raw, None).unwrap().as_str().to_owned();
        assert_eq!(ok("https://koophone.myhuaweicloud.com/"), DEFAULT_ENDPOINT);
        assert_eq!(ok("HTTPS://Example.COM:8443/base/"), "https://example.com:8443/base");
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(ok("http://localhost:3000/api"), "http://localhost:3000/api");
        assert_eq!(ok("http://[::1]:9000"), "http://[::1]:9000");
        assert_eq!(ok("Http://LocalHost:080//"), "http://localhost:080");
        assert_eq!(ok("http://127.255.0.9:65535/a/"), "http://127.255.0.9:65535/a");
        assert_eq!(
            Endpoint::default().url("/v1/instances/batch-query-status"),
            "https://koophone.myhuaweicloud.com/v1/instances/batch-query-status"
        );
    }

    #[test]
    fn unsafe_or_malformed_endpoints_are_rejected() {
        for bad in [
            "http://example.com",
            "http://10.0.0.1:8080",
            "http://127.0.0.1.evil.com",
            "http://127.256.0.1",
            "http://127.0..1",
            "http://127.0.0.",
            "http://127.0.0.1.1",
            "https://example.com:",
            "https://[]",
            "https://user:pass@example.com",
            "https://example.com/?x=1",
            "https://example.com#f",
            "ftp://example.com",
            "example.com",
            "https://",
            "https://exa mple.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://example.com:80x",
            "https://[::1",
            "//example.com",
            "/api/koophone",
        ] {
            let e = parse_endpoint(bad, None).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn path_endpoints_resolve_against_the_page_origin() {
        let e = parse_endpoint("/api/koophone/", Some("https://console.example.com")).unwrap();
        assert_eq!(e.as_str(), "https://console.example.com/api/koophone");
        let local = parse_endpoint("/proxy", Some("http://localhost:5173")).unwrap();
        assert_eq!(local.url("/v1/x"), "http://localhost:5173/proxy/v1/x");
    }

    #[test]
    fn numeric_options_must_be_positive_whole_numbers_within_bounds() {
        assert_eq!(positive_integer("chunkSize", 32.0, 100).unwrap(), 32);
        for bad in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY, 101.0] {
            let e = positive_integer("chunkSize", bad, 100).unwrap_err();
            assert!(e.message.starts_with("chunkSize must be"), "{}", e.message);
        }
    }
}
