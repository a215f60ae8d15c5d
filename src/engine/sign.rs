//! AK/SK request signing: Huawei Cloud's API-gateway scheme `SDK-HMAC-SHA256`.
//!
//! An alternative to an IAM token: every request carries `X-Sdk-Date` and an
//! `Authorization` header whose signature is an HMAC-SHA256, keyed with the
//! secret key, of a canonical form of the request (method, path, query, the
//! headers sent and a hash of the body). [`sign`] computes exactly what
//! Huawei's own signer (`AKSKSigner` in `@huaweicloud/huaweicloud-sdk-core`)
//! computes for the same request; `tests/sign_oracle.rs` checks that on
//! generated requests.
//!
//! The one deliberate difference: the signed `host` leaves out a default port
//! written in the URL (`https://h:443` signs `host:h`), because `fetch` and
//! Node send `Host: h` in that case, which is what the gateway verifies.
//! Huawei's signer would sign `h:443` there and be refused.
//!
//! A secret key belongs on a server: anyone who can read it can sign any
//! request of its account. It never appears in an [`Error`] or in `Debug`
//! output.

use crate::engine::error::Error;
use crate::engine::output::{cat, decimal};
use crate::engine::request::HttpRequest;
use crate::prelude::*;
use core::cmp::Ordering;
use hmac::{Mac, SimpleHmac};
use sha2::{Digest, Sha256};
use std::fmt;

/// The scheme name, first word of the `Authorization` header.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// Longest access key, project ID or secret key accepted, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// Longest security token accepted (temporary credentials), in bytes.
pub const MAX_SECURITY_TOKEN_BYTES: usize = 64 * 1024;
/// Most headers or query parameters signed (the sort is quadratic; requests have a few).
pub const MAX_SIGNED_ITEMS: usize = 64;
/// First instant `X-Sdk-Date` cannot express (year 10000), in epoch milliseconds.
const END_OF_YEAR_9999_MS: f64 = 253_402_300_800_000.0;

/// Access key credentials, checked when built so that signing cannot fail on them.
#[derive(Clone, PartialEq, Eq)]
pub struct AkSk {
    access_key: String,
    secret_key: String,
    project_id: Option<String>,
    security_token: Option<String>,
}

impl AkSk {
    /// Check and hold a key pair, with the project ID (sent as `X-Project-Id`)
    /// and, for temporary keys, the security token (sent as `X-Security-Token`).
    ///
    /// Errors (`InvalidArgument`) name the field at fault but never quote the
    /// secret key or the security token: each must be 1 to [`MAX_KEY_BYTES`]
    /// ([`MAX_SECURITY_TOKEN_BYTES`] for the token) printable ASCII characters
    /// without spaces; the access key must not contain a comma.
    pub fn new(
        access_key: &str,
        secret_key: &str,
        project_id: Option<&str>,
        security_token: Option<&str>,
    ) -> Result<AkSk, Error> {
        check_credential("accessKey", access_key, MAX_KEY_BYTES)?;
        if access_key.contains(',') {
            return Err(Error::invalid(
                "accessKey contains a comma, which would break the Authorization header",
            ));
        }
        check_credential("secretKey", secret_key, MAX_KEY_BYTES)?;
        if let Some(id) = project_id {
            check_credential("projectId", id, MAX_KEY_BYTES)?;
        }
        if let Some(token) = security_token {
            check_credential("securityToken", token, MAX_SECURITY_TOKEN_BYTES)?;
        }
        Ok(AkSk {
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            project_id: project_id.map(str::to_owned),
            security_token: security_token.map(str::to_owned),
        })
    }

    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The security token of temporary keys (sent as a header; a secret).
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }
}

impl fmt::Debug for AkSk {
    /// Shows the access key and project ID; the secrets are masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AkSk")
            .field("access_key", &self.access_key)
            .field("secret_key", &"***")
            .field("project_id", &self.project_id)
            .field("security_token", &self.security_token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Refuse a credential that is empty, too long, or not header-safe, without quoting it.
fn check_credential(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(cat(&[
            field,
            " is empty; leave it out or pass the value from the console",
        ])));
    }
    if value.len() > max {
        return Err(Error::invalid(cat(&[
            field,
            " is ",
            &decimal(value.len() as i64),
            " bytes long; at most ",
            &decimal(max as i64),
            " are accepted",
        ])));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(cat(&[
            field,
            " contains spaces, line breaks, control or non-ASCII characters; copy it again without them",
        ])));
    }
    Ok(())
}

/// Sign one request: the headers to add to it, in this order: `X-Sdk-Date`,
/// then `X-Project-Id` and `X-Security-Token` when the credentials have them,
/// then `Authorization`.
///
/// `url` is the full URL (`https://host[:port]/prefix/path[?query]`), `headers`
/// every other header that will be sent (all of them are signed; `Host` is
/// taken from the URL), `body` the exact bytes sent, `now_ms` the current time
/// in milliseconds since the epoch.
///
/// Errors (`InvalidArgument`): a method that is not upper-case letters; a URL
/// that is not http(s), has credentials, a fragment, or characters `fetch`
/// would rewrite; a header name other than letters, digits and `-`, a name
/// given twice or one the signer sets itself (`Host`, `Authorization`,
/// `X-Sdk-Date`), a value with control characters or surrounding spaces; a
/// time before 1970 or after 9999.
///
/// ```
/// use koophone_wasm::engine::sign::{sign, AkSk};
/// let keys = AkSk::new("AK", "SK", None, None).unwrap();
/// let headers = [("content-type", "application/json")];
/// let url = "https://koophone.myhuaweicloud.com/v1/instances/batch-query-status";
/// let added = sign(&keys, "POST", url, &headers, b"{}", 1_578_128_722_000.0).unwrap();
/// assert_eq!(added[0], ("X-Sdk-Date", "20200104T090522Z".to_owned()));
/// assert!(added[1].1.starts_with("SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host;x-sdk-date, "));
/// ```
pub fn sign<K: AsRef<str>, V: AsRef<str>>(
    creds: &AkSk,
    method: &str,
    url: &str,
    headers: &[(K, V)],
    body: &[u8],
    now_ms: f64,
) -> Result<Vec<(&'static str, String)>, Error> {
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid("the method to sign must be upper-case letters, such as POST"));
    }
    let parts = UrlParts::split(url)?;
    let date = sdk_date(now_ms)?;

    let mut added: Vec<(&'static str, String)> = Vec::with_capacity(4);
    added.push(("X-Sdk-Date", date.clone()));
    if let Some(id) = &creds.project_id {
        added.push(("X-Project-Id", id.clone()));
    }
    if let Some(token) = &creds.security_token {
        added.push(("X-Security-Token", token.clone()));
    }

    let mut signed: Vec<(String, &str)> = Vec::with_capacity(8);
    signed.push(("host".to_owned(), parts.host.as_str()));
    let mut payload_hash = None;
    for (name, value) in headers {
        let (name, value) = (name.as_ref(), value.as_ref());
        let lower = name.to_ascii_lowercase();
        check_header(name, &lower, value)?;
        if lower == "x-sdk-content-sha256" {
            // Huawei's signer takes a given body hash as is (e.g. UNSIGNED-PAYLOAD).
            payload_hash = Some(value);
        }
        if lower == "content-type" && value.as_bytes().windows(19).any(|w| w == b"multipart/form-data") {
            continue; // Huawei's signer leaves multipart content types unsigned.
        }
        signed.push((lower, value));
    }
    for (name, value) in &added {
        signed.push((name.to_ascii_lowercase(), value.as_str()));
    }
    if signed.len() > MAX_SIGNED_ITEMS {
        return Err(Error::invalid("more than 64 headers to sign")); // MAX_SIGNED_ITEMS (a test checks it)
    }
    insertion_sort(&mut signed, |a, b| utf16_order(a.0.as_bytes(), b.0.as_bytes()).is_lt());
    if let Some(pair) = signed.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(Error::invalid(cat(&["header ", &pair[0].0, " is given twice; send it once"])));
    }

    let mut signed_names = String::with_capacity(signed.len() * 16);
    for (i, (name, _)) in signed.iter().enumerate() {
        if i > 0 {
            signed_names.push(';');
        }
        signed_names.push_str(name);
    }
    let mut canonical = String::with_capacity(512);
    canonical.push_str(method);
    canonical.push('\n');
    canonical_uri(&mut canonical, parts.path);
    canonical.push('\n');
    canonical_query(&mut canonical, parts.query)?;
    canonical.push('\n');
    for (name, value) in &signed {
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(value);
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&signed_names);
    canonical.push('\n');
    match payload_hash {
        Some(hash) => canonical.push_str(hash),
        None => push_sha256_hex(&mut canonical, body),
    }

    let mut string_to_sign = cat(&[ALGORITHM, "\n", &date, "\n"]);
    push_sha256_hex(&mut string_to_sign, canonical.as_bytes());
    let signature = hmac_sha256(creds.secret_key.as_bytes(), string_to_sign.as_bytes())?;
    let mut authorization =
        cat(&[ALGORITHM, " Access=", &creds.access_key, ", SignedHeaders=", &signed_names, ", Signature="]);
    push_hex(&mut authorization, &signature);
    added.push(("Authorization", authorization));
    Ok(added)
}

/// Sign a KooPhone request in place: AK/SK replaces the token, so any
/// `X-Auth-Token` header is removed, then the headers of [`sign`] are appended.
pub fn sign_request(request: &mut HttpRequest, creds: &AkSk, now_ms: f64) -> Result<(), Error> {
    while let Some(at) =
        request.headers.iter().position(|(name, _)| name.eq_ignore_ascii_case("x-auth-token"))
    {
        request.headers.remove(at);
    }
    let added = sign(creds, "POST", &request.url, &request.headers, request.body.as_bytes(), now_ms)?;
    request.headers.extend(added);
    Ok(())
}

/// `X-Sdk-Date` for an instant: `YYYYMMDDTHHMMSSZ` in UTC, milliseconds dropped.
pub fn sdk_date(now_ms: f64) -> Result<String, Error> {
    if !(now_ms.is_finite() && (0.0..END_OF_YEAR_9999_MS).contains(&now_ms)) {
        return Err(Error::invalid(
            "the clock reads a time before 1970 or after 9999; cannot date the signature",
        ));
    }
    let secs = now_ms as i64 / 1000; // `as` truncates, as JavaScript's Date does
    let (days, day_secs) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let (era, doe) = (z / 146_097, z % 146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (hour, minute, second) = (day_secs / 3_600, day_secs / 60 % 60, day_secs % 60);
    // Every value is non-negative and within its width (years 1970 to 9999).
    let mut date = String::with_capacity(16);
    push_digits(&mut date, year, 1000);
    push_digits(&mut date, month, 10);
    push_digits(&mut date, day, 10);
    date.push('T');
    push_digits(&mut date, hour, 10);
    push_digits(&mut date, minute, 10);
    push_digits(&mut date, second, 10);
    date.push('Z');
    Ok(date)
}

/// `value`'s last digits, from the one of `unit` (a power of ten) down.
fn push_digits(out: &mut String, value: i64, mut unit: i64) {
    while unit > 0 {
        out.push(char::from(b'0' + (value / unit % 10) as u8));
        unit /= 10;
    }
}

const PORT_RANGE: &str = "the port must be a number from 1 to 65535";

/// The parts of a URL that are signed.
struct UrlParts<'a> {
    /// `host[:port]`, lower-case, without a default port.
    host: String,
    path: &'a str,
    query: &'a str,
}

impl<'a> UrlParts<'a> {
    fn split(url: &'a str) -> Result<UrlParts<'a>, Error> {
        UrlParts::read(url).map_err(|why| Error::invalid(cat(&["cannot sign the URL \"", url, "\": ", why])))
    }

    /// The parts, or why the URL cannot be signed.
    fn read(url: &'a str) -> Result<UrlParts<'a>, &'static str> {
        // No `split_once("://")`: a string pattern brings a two-way searcher to the wasm.
        let colon = url.bytes().position(|b| b == b':').unwrap_or(url.len());
        let (scheme, rest) = url.split_at_checked(colon).unwrap_or((url, ""));
        let rest = rest.strip_prefix("://").ok_or("it is not absolute")?;
        let default_port = match scheme.to_ascii_lowercase().as_str() {
            "https" => "443",
            "http" => "80",
            _ => return Err("only http and https URLs are signed"),
        };
        if rest.bytes().any(|b| b == b'#') {
            return Err("it has a fragment");
        }
        let authority_end = rest.bytes().position(|b| b == b'/' || b == b'?').unwrap_or(rest.len());
        let (authority, rest) = rest.split_at_checked(authority_end).ok_or("bad host")?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        // Bytes, not `rfind`: a reverse char searcher costs half a kilobyte of wasm.
        let (host, port) = match authority.bytes().rposition(|b| b == b':') {
            Some(i) if !authority.get(i..).unwrap_or_default().contains(']') => {
                (authority.get(..i).unwrap_or_default(), authority.get(i + 1..).unwrap_or_default())
            }
            _ => (authority, default_port),
        };
        let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(ip6) => {
                !ip6.is_empty() && ip6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            }
            None => {
                !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            }
        };
        if !host_ok {
            return Err("the host is missing or not plain ASCII letters, digits, dots and dashes");
        }
        let mut number = 0u32;
        for b in port.bytes() {
            let digit = if b.is_ascii_digit() { b - b'0' } else { return Err(PORT_RANGE) };
            number = number.saturating_mul(10).saturating_add(u32::from(digit));
        }
        if !(1..=65_535).contains(&number) {
            return Err(PORT_RANGE);
        }
        let mut host = host.to_ascii_lowercase();
        if port != default_port {
            host.push(':');
            host.push_str(port);
        }
        // Characters `fetch` or Node's url.parse would escape or rewrite, so what
        // is signed would differ from what is sent.
        let path_ok = path
            .bytes()
            .all(|b| b >= 0x80 || b.is_ascii_alphanumeric() || b"-._~!$&()*+,;=:@%/".contains(&b));
        if !path_ok || path.split('/').any(|seg| seg == "." || seg == "..") {
            return Err(
                "its path has spaces, quotes, '.' or '..' segments, or other characters that get rewritten",
            );
        }
        if !query.bytes().all(|b| b.is_ascii_graphic() && b != b'+') {
            return Err("its query has spaces, non-ASCII characters or '+' (write %20 or %2B)");
        }
        Ok(UrlParts { host, path: if path.is_empty() { "/" } else { path }, query })
    }
}

/// Header names are signed lower-cased and sorted; only letters, digits and `-`
/// sort the same in Huawei's two sorts (code units and locale collation).
fn check_header(name: &str, lower: &str, value: &str) -> Result<(), Error> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Error::invalid(cat(&[
            "header name \"",
            name,
            "\" cannot be signed: use letters, digits and '-' only",
        ])));
    }
    if matches!(lower, "host" | "authorization" | "x-sdk-date") {
        return Err(Error::invalid(cat(&["header ", name, " is set by the signer; do not pass it"])));
    }
    let blank = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    let bytes = value.as_bytes();
    let printable = bytes.iter().all(|&b| b.is_ascii_graphic() || b == b' ' || b == b'\t');
    if !printable || blank(bytes.first()) || blank(bytes.last()) {
        return Err(Error::invalid(cat(&[
            "the value of header ",
            name,
            " has control or non-ASCII characters or surrounding spaces, which would not be sent as signed",
        ])));
    }
    Ok(())
}

/// Each path segment percent-encoded, with a trailing `/`.
fn canonical_uri(out: &mut String, path: &str) {
    percent_encode(out, path.as_bytes(), b'/'); // the segments, joined with `/`
    if out.as_bytes().last() != Some(&b'/') {
        out.push('/');
    }
}

/// `key=value` pairs, decoded then re-encoded, sorted by key then value in
/// UTF-16 code-unit order (JavaScript's default sort), joined with `&`.
fn canonical_query(out: &mut String, query: &str) -> Result<(), Error> {
    let mut pairs = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(key), Some(value)) = (percent_decode(key), percent_decode(value)) else {
            return Err(Error::invalid(
                "the URL query has a '%' not followed by two hex digits, or is not UTF-8",
            ));
        };
        pairs.push((key, value));
    }
    if pairs.len() > MAX_SIGNED_ITEMS {
        // MAX_SIGNED_ITEMS (a test checks it)
        return Err(Error::invalid("the URL query has more than 64 parameters to sign"));
    }
    insertion_sort(&mut pairs, |a, b| utf16_order(&a.0, &b.0).then(utf16_order(&a.1, &b.1)).is_lt());
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode(out, key, b'-');
        out.push('=');
        percent_encode(out, value, b'-');
    }
    Ok(())
}

/// How two UTF-8 strings compare in UTF-16 code-unit order. That is their byte
/// order, except that characters U+E000 to U+FFFF (lead bytes EE and EF) come
/// after the supplementary ones (lead bytes F0 to F4), whose UTF-16 starts with
/// a surrogate (D800 to DBFF). At the first byte that differs, either both
/// strings start a character there, or both are inside characters with the
/// same lead byte, where byte order is code-point order.
fn utf16_order(a: &[u8], b: &[u8]) -> Ordering {
    let key = |byte: u8| if byte == 0xee || byte == 0xef { u16::from(byte) + 0x100 } else { u16::from(byte) };
    let mut i = 0;
    loop {
        match (a.get(i), b.get(i)) {
            (Some(&x), Some(&y)) if x == y => i += 1,
            (Some(&x), Some(&y)) => return key(x).cmp(&key(y)),
            (x, y) => return x.is_some().cmp(&y.is_some()),
        }
    }
}

/// RFC 3986 encoding: everything but `A-Z a-z 0-9 - . _ ~` and `keep` as
/// `%XX` (upper-case hex); the query passes `-`, which is kept anyway.
fn percent_encode(out: &mut String, bytes: &[u8], keep: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || b == keep {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

/// `%XX` escapes decoded; `None` unless each `%` has two hex digits and the
/// result is UTF-8, as `decodeURIComponent` requires.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let (bytes, mut out, mut i) = (text.as_bytes(), Vec::with_capacity(text.len()), 0);
    let hex = |at: usize| bytes.get(at).and_then(|&h| hex_digit(h));
    let mut escapes_ok = true;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        if b == b'%' {
            match (hex(i), hex(i + 1)) {
                (Some(high), Some(low)) => out.push(high << 4 | low),
                _ => escapes_ok = false,
            }
            i += 2;
        } else {
            out.push(b);
        }
    }
    (escapes_ok && is_utf8(&out)).then_some(out)
}

fn hex_digit(h: u8) -> Option<u8> {
    match h {
        b'0'..=b'9' => Some(h - b'0'),
        b'a'..=b'f' => Some(h - b'a' + 10),
        b'A'..=b'F' => Some(h - b'A' + 10),
        _ => None,
    }
}

/// Whether `bytes` is UTF-8: no overlong forms, surrogates or code points
/// past U+10FFFF (a small loop; the standard library's check is large).
fn is_utf8(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        let (more, min) = match lead {
            0..=0x7f => (0, 0),
            0xc2..=0xdf => (1, 0x80),
            0xe0..=0xef => (2, 0x800),
            0xf0..=0xf4 => (3, 0x1_0000),
            _ => return false,
        };
        let mut code = u32::from(lead & (0x7f >> more));
        for k in 1..=more {
            match bytes.get(i + k) {
                Some(&c) if c & 0xc0 == 0x80 => code = code << 6 | u32::from(c & 0x3f),
                _ => return false,
            }
        }
        if code < min || (0xd800..0xe000).contains(&code) || code > 0x10_ffff {
            return false;
        }
        i += 1 + more;
    }
    true
}

/// A stable sort for the few headers and query pairs of a request; the
/// standard library's sorts add kilobytes to the wasm.
fn insertion_sort<T>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// The lower-case hex SHA-256 of `bytes`, appended to `out`.
fn push_sha256_hex(out: &mut String, bytes: &[u8]) {
    push_hex(out, &Sha256::digest(bytes));
}

/// HMAC-SHA256 of `message` keyed with `key`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Result<[u8; 32], Error> {
    let mut mac = <SimpleHmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|_| Error::invalid("secretKey cannot be used as an HMAC key"))?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().into())
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::request::batch_status_request;
    use crate::engine::validate::Endpoint;

    const AK: &str = "QTWAOYTTINDUT2QVKYUC";
    const SK: &str = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc";

    fn authorization<'a>(added: &'a [(&'static str, String)]) -> &'a str {
        added.iter().find(|(name, _)| *name == "Authorization").map_or("", |(_, v)| v.as_str())
    }

    // Vectors signed by Huawei's AKSKSigner (@huaweicloud/huaweicloud-sdk-core 3.1.211).

    #[test]
    fn batch_status_with_a_project_id_matches_huaweis_signer() {
        let keys = AkSk::new(AK, SK, Some("0123456789abcdef0123456789abcdef"), None).unwrap();
        let headers =
            [("content-type", "application/json"), ("x-request-id", "2b9f4e3a-1c1d-4e5f-8a9b-0c1d2e3f4a5b")];
        let url = "https://koophone.myhuaweicloud.com/v1/instances/batch-query-status";
        let body = br#"{"instance_ids":["a44uhlf7","efjy72gs"]}"#;
        let added = sign(&keys, "POST", url, &headers, body, 1_578_128_722_000.0).unwrap();
        let names: Vec<&str> = added.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["X-Sdk-Date", "X-Project-Id", "Authorization"]);
        assert_eq!(added[0].1, "20200104T090522Z");
        assert_eq!(added[1].1, "0123456789abcdef0123456789abcdef");
        assert_eq!(
            authorization(&added),
            "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, \
             SignedHeaders=content-type;host;x-project-id;x-request-id;x-sdk-date, \
             Signature=2b7db3f193711a7e5e0f342867a1aa75c2033a85a92b3bff6a64f95fe62fc89f"
        );
    }

    #[test]
    fn prepare_progress_behind_a_prefix_with_a_security_token_matches_huaweis_signer() {
        let keys = AkSk::new(AK, SK, None, Some("gQpzb3V0aC0xiHRva2Vu+/=")).unwrap();
        let headers = [("Content-Type", "application/json"), ("accept", "application/json")];
        let url = "http://127.0.0.1:8080/api/koophone/v1/instances/prepare-progress";
        let body = br#"{"user_id":"1008600000104285462","instance_id":"iRJEVP9"}"#;
        let added = sign(&keys, "POST", url, &headers, body, 4_102_444_799_999.0).unwrap();
        assert_eq!(added[0].1, "20991231T235959Z");
        assert_eq!(added[1], ("X-Security-Token", "gQpzb3V0aC0xiHRva2Vu+/=".to_owned()));
        assert_eq!(
            authorization(&added),
            "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, \
             SignedHeaders=accept;content-type;host;x-sdk-date;x-security-token, \
             Signature=4402851e1a88bd0cc8bbed647ebb0b8712d57f71a568062d0dfa3113e258094f"
        );
    }

    #[test]
    fn query_unicode_path_and_body_match_huaweis_signer() {
        let keys = AkSk::new("AK", "SK", None, None).unwrap();
        let url =
            "https://Example.COM:8443/p%41th/é/v1/instances/batch-query-status?b=2&a%20b=x%2Fy&b=1&%C3%A9=";
        let body = "{\"instance_ids\":[\"中文 😀 \\\"q\\\"\\n\"]}";
        let added =
            sign(&keys, "POST", url, &[("content-type", "application/json")], body.as_bytes(), 0.0).unwrap();
        assert_eq!(added[0].1, "19700101T000000Z");
        assert_eq!(
            authorization(&added),
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host;x-sdk-date, \
             Signature=5bae61ff7a93a012a31dffed96c625cf27d877a8c6c3068970938054e9fa33cc"
        );
    }

    #[test]
    fn an_empty_body_without_headers_matches_huaweis_signer() {
        let keys = AkSk::new("AK", "SK", None, None).unwrap();
        let url = "https://example.com/v1/instances/batch-query-status";
        let added = sign::<&str, &str>(&keys, "GET", url, &[], b"", 1_709_208_000_000.0).unwrap();
        assert_eq!(added[0].1, "20240229T120000Z");
        assert_eq!(
            authorization(&added),
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, \
             Signature=7f594324ac29bc4c45d1a46d4249d5f425873e33443c641c084d548422edcf72"
        );
    }

    #[test]
    fn the_utf8_check_agrees_with_the_standard_library() {
        // Every 1- and 2-byte sequence, and every lead byte followed by up to
        // three bytes from each continuation range edge and a few non-continuations.
        let edges =
            [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xff];
        let mut checked = 0;
        for a in 0..=255u8 {
            assert_eq!(is_utf8(&[a]), std::str::from_utf8(&[a]).is_ok(), "{a:x}");
            for b in 0..=255u8 {
                assert_eq!(is_utf8(&[a, b]), std::str::from_utf8(&[a, b]).is_ok(), "{a:x} {b:x}");
                for c in edges {
                    for d in edges {
                        let bytes = [a, b, c, d];
                        for len in 3..=4 {
                            let s = &bytes[..len];
                            assert_eq!(is_utf8(s), std::str::from_utf8(s).is_ok(), "{s:x?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 256 * 256 * 16 * 16 * 2);
        for c in
            ['\u{0}', '\u{7ff}', '\u{800}', '\u{d7ff}', '\u{e000}', '\u{ffff}', '\u{10000}', '\u{10ffff}']
        {
            assert!(is_utf8(c.to_string().as_bytes()), "{c:?}");
        }
    }

    #[test]
    fn the_query_order_is_utf16_code_unit_order() {
        let chars = [
            "",
            "a",
            "b",
            "\u{7f}",
            "é",
            "\u{7ff}",
            "中",
            "\u{d7ff}",
            "\u{e000}",
            "\u{fffd}",
            "\u{ffff}",
            "😀",
            "\u{10000}",
            "\u{10ffff}",
        ];
        let mut strings = Vec::new();
        for x in chars {
            for y in chars {
                for z in ["", "a", "\u{ffff}", "😀"] {
                    strings.push([x, y, z].concat());
                }
            }
        }
        assert_eq!(strings.len(), 14 * 14 * 4);
        for a in &strings {
            for b in &strings {
                let expected = a.encode_utf16().cmp(b.encode_utf16());
                assert_eq!(utf16_order(a.as_bytes(), b.as_bytes()), expected, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn the_signed_item_limit_is_the_one_the_messages_name() {
        use crate::engine::output::decimal;
        let keys = AkSk::new("AK", "SK", None, None).unwrap();
        let limit = decimal(MAX_SIGNED_ITEMS as i64);
        // host and X-Sdk-Date are signed too.
        let names: Vec<String> =
            (0..MAX_SIGNED_ITEMS - 1).map(|i| cat(&["x-h", &decimal(i as i64)])).collect();
        let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
        let url = "https://h.example.com/p";
        assert!(sign(&keys, "POST", url, &headers[1..], b"", 0.0).is_ok());
        let e = sign(&keys, "POST", url, &headers, b"", 0.0).unwrap_err();
        assert_eq!(e.message, cat(&["more than ", &limit, " headers to sign"]));
        let mut query = cat(&[url, "?"]);
        for name in &names[..MAX_SIGNED_ITEMS - 1] {
            query.push_str(name);
            query.push_str("=1&");
        }
        assert!(sign(&keys, "POST", &cat(&[&query, "z=1"]), &[("a", "b")], b"", 0.0).is_ok());
        let e = sign(&keys, "POST", &cat(&[&query, "z=1&y=2"]), &[("a", "b")], b"", 0.0).unwrap_err();
        assert_eq!(e.message, cat(&["the URL query has more than ", &limit, " parameters to sign"]));
    }

    #[test]
    fn ports_are_1_to_65535_in_digits() {
        for (authority, host) in [
            ("h:1", Some("h:1")),
            ("h:0080", Some("h:0080")),
            ("h:443", Some("h")),
            ("H:65535", Some("h:65535")),
            ("[::1]:8443", Some("[::1]:8443")),
            ("[::1]", Some("[::1]")),
            ("h:", None),
            ("h:0", None),
            ("h:65536", None),
            ("h:99999999999999999999", None),
            ("h:+80", None),
            ("h:-1", None),
            ("h:8o", None),
        ] {
            let url = cat(&["https://", authority, "/p"]);
            match (UrlParts::read(&url), host) {
                (Ok(parts), Some(host)) => assert_eq!(parts.host, host, "{url}"),
                (Err(why), None) => assert_eq!(why, "the port must be a number from 1 to 65535", "{url}"),
                (Ok(parts), None) => panic!("{url} read as {}", parts.host),
                (Err(why), Some(_)) => panic!("{url}: {why}"),
            }
        }
    }

    #[test]
    fn sign_request_replaces_the_token_with_a_signature() {
        let keys = AkSk::new("AK", "SK", Some("p1"), None).unwrap();
        let mut request = batch_status_request(&Endpoint::default(), &["a44uhlf7".to_owned()], "rid");
        request.set_token("tok");
        sign_request(&mut request, &keys, 1_578_128_722_000.0).unwrap();
        let names: Vec<&str> = request.headers.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            ["content-type", "accept", "x-request-id", "X-Sdk-Date", "X-Project-Id", "Authorization"]
        );
        let auth = &request.headers[5].1;
        assert!(
            auth.starts_with("SDK-HMAC-SHA256 Access=AK, SignedHeaders=accept;content-type;host;x-project-id;x-request-id;x-sdk-date, Signature="),
            "{auth}"
        );
        assert_eq!(auth.len() - auth.rfind('=').unwrap() - 1, 64);
    }
}
