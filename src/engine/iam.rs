//! IAM password tokens, sans I/O: the request to send, what its answer means,
//! and a cache that decides when to fetch.
//!
//! `POST {iamEndpoint}/v3/auth/tokens?nocatalog=true` with the user's
//! password; success is HTTP 201, the token is the `X-Subject-Token` response
//! header and `token.expires_at` in the body says until when it is valid.
//! [`TokenCache`] keeps the token until `expires_at` minus a margin and makes
//! one request however many callers ask at once.
//!
//! The password never leaves in an error or `Debug` output, even when the IAM
//! server quotes it back; the token never appears in `Debug` output.

use crate::engine::error::{Error, ErrorKind};
use crate::engine::json::{self, write_string, Json};
use crate::engine::output::{cat, decimal};
use crate::engine::redact::Secret;
use crate::engine::validate::{parse_endpoint, validate_token, Endpoint};
use crate::prelude::*;
use std::fmt;

/// The global IAM service.
pub const DEFAULT_IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";
/// Path and query of the token request (`nocatalog`: no service catalog in the answer).
pub const TOKEN_PATH: &str = "/v3/auth/tokens?nocatalog=true";
/// Default `refreshMarginMs`: one hour before `expires_at`.
pub const DEFAULT_REFRESH_MARGIN_MS: u32 = 3_600_000;
/// Largest `refreshMarginMs`: a day, the lifetime of an IAM token.
pub const MAX_REFRESH_MARGIN_MS: u32 = 86_400_000;
/// The error kind of a failed token request.
pub const AUTH_ERROR: ErrorKind = ErrorKind::Auth;
/// Longest name, project or password accepted, in bytes.
const MAX_FIELD_BYTES: usize = 1024;

/// The project the token is scoped to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProjectScope {
    /// A project (region) name, such as `cn-south-1`.
    Name(String),
    /// A project ID.
    Id(String),
}

/// Checked IAM password credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct IamCredentials {
    domain_name: String,
    user_name: String,
    password: String,
    project: ProjectScope,
    endpoint: Endpoint,
}

impl fmt::Debug for IamCredentials {
    /// Everything but the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamCredentials")
            .field("domain_name", &self.domain_name)
            .field("user_name", &self.user_name)
            .field("password", &"***")
            .field("project", &self.project)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl IamCredentials {
    /// Check the options of an IAM token provider. `iam_endpoint` defaults to
    /// [`DEFAULT_IAM_ENDPOINT`] and follows the rules of `endpoint` (https, or
    /// http for loopback hosts).
    ///
    /// Errors (`InvalidArgument`) name the field; the password is never quoted.
    pub fn new(
        domain_name: &str,
        user_name: &str,
        password: &str,
        project: ProjectScope,
        iam_endpoint: Option<&str>,
    ) -> Result<IamCredentials, Error> {
        let check = |field: &str, value: &str| match field_complaint(value) {
            Some(complaint) => Err(Error::invalid(cat(&[field, complaint]))),
            None => Ok(()),
        };
        check("domainName", domain_name)?;
        check("userName", user_name)?;
        check("password", password)?;
        match &project {
            ProjectScope::Name(name) => check("projectName", name)?,
            ProjectScope::Id(id) => check("projectId", id)?,
        }
        let endpoint = match parse_endpoint(iam_endpoint.unwrap_or(DEFAULT_IAM_ENDPOINT), None) {
            Ok(endpoint) => endpoint,
            Err(e) => return Err(Error::invalid(cat(&["iamEndpoint: ", &e.message]))),
        };
        Ok(IamCredentials {
            domain_name: domain_name.to_owned(),
            user_name: user_name.to_owned(),
            password: password.to_owned(),
            project,
            endpoint,
        })
    }

    /// The token request: `POST {iamEndpoint}/v3/auth/tokens?nocatalog=true`.
    pub fn token_request(&self) -> IamRequest {
        let mut body = String::with_capacity(200);
        body.push_str(r#"{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"#);
        write_string(&mut body, &self.user_name);
        body.push_str(r#","password":"#);
        write_string(&mut body, &self.password);
        body.push_str(r#","domain":{"name":"#);
        write_string(&mut body, &self.domain_name);
        body.push_str(r#"}}}},"scope":{"project":{"#);
        let (key, value) = match &self.project {
            ProjectScope::Name(name) => ("\"name\":", name),
            ProjectScope::Id(id) => ("\"id\":", id),
        };
        body.push_str(key);
        write_string(&mut body, value);
        body.push_str("}}}}");
        IamRequest {
            url: self.endpoint.url(TOKEN_PATH),
            headers: vec![("content-type", "application/json".to_owned())],
            body,
        }
    }

    /// What IAM's answer means: the token and its expiry on HTTP 201 with an
    /// `X-Subject-Token` header (`subject_token`) and a `token.expires_at`.
    ///
    /// Any other answer is an [`AUTH_ERROR`] carrying the HTTP status and IAM's
    /// error code and message (from `{"error":{"code","message"}}` or
    /// `{"error_code","error_msg"}`), with the password scrubbed from them.
    pub fn parse_token_response(
        &self,
        status: u16,
        subject_token: Option<&str>,
        body: &str,
    ) -> Result<IamToken, Error> {
        let doc = json::parse(body).ok();
        let secret = Secret::everywhere(&self.password);
        let fail = |message: String| {
            let mut e = Error::new(AUTH_ERROR, message);
            e.http_status = Some(status);
            if let Some(doc) = &doc {
                let error = doc.get("error");
                let text = |outer: &str, inner: &str| {
                    let field = doc.get(outer).or_else(|| error.and_then(|e| e.get(inner)));
                    field.and_then(Json::as_str).map(str::to_owned)
                };
                e.error_code = text("error_code", "code");
                e.error_msg = text("error_msg", "message");
            }
            if let Some(secret) = &secret {
                e.redact(secret);
            }
            if status != 201 {
                // What IAM said, after `: `, space-separated; the whole is scrubbed again.
                let mut said = false;
                for part in [&e.error_code, &e.error_msg].into_iter().flatten() {
                    e.message.push_str(if said { " " } else { ": " });
                    e.message.push_str(part);
                    said = true;
                }
                if let (true, Some(secret)) = (said, &secret) {
                    e.redact(secret);
                }
            }
            e
        };
        if status != 201 {
            let what = if status == 401 { "refused the credentials" } else { "did not issue a token" };
            return Err(fail(cat(&[
                "IAM ",
                what,
                " (HTTP ",
                &decimal(i64::from(status)),
                "); check domainName, userName, password and the project",
            ])));
        }
        let Some(token) = subject_token.filter(|t| !t.is_empty()) else {
            return Err(fail(
                "IAM answered 201 without an X-Subject-Token header (in a browser, IAM or the proxy must expose it with Access-Control-Expose-Headers)".to_owned(),
            ));
        };
        if let Err(e) = validate_token(token) {
            return Err(fail(cat(&["IAM issued an unusable token: ", &e.message])));
        }
        let expires = doc.as_ref().and_then(|d| d.get("token")).and_then(|t| t.get("expires_at"));
        let Some(expires_at_ms) = expires.and_then(Json::as_str).and_then(parse_iso8601_ms) else {
            return Err(fail(
                "IAM answered 201 without a valid token.expires_at (ISO 8601) in the body".to_owned(),
            ));
        };
        Ok(IamToken { token: token.to_owned(), expires_at_ms })
    }
}

/// What is wrong with a field's value, after its name; `None` when it is usable.
fn field_complaint(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        Some(" is empty")
    } else if value.len() > MAX_FIELD_BYTES {
        Some(" is longer than 1024 bytes") // MAX_FIELD_BYTES (a test checks it)
    } else if value.chars().any(char::is_control) {
        Some(" contains control characters or line breaks")
    } else {
        None
    }
}

/// The token request. Its `Debug` output leaves out the body, which holds the password.
#[derive(Clone, PartialEq, Eq)]
pub struct IamRequest {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl fmt::Debug for IamRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamRequest")
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body", &"(withheld: it holds the password)")
            .finish()
    }
}

/// A token and when it expires (ms since the epoch). `Debug` masks the token.
#[derive(Clone, PartialEq)]
pub struct IamToken {
    token: String,
    pub expires_at_ms: f64,
}

impl IamToken {
    pub fn new(token: String, expires_at_ms: f64) -> IamToken {
        IamToken { token, expires_at_ms }
    }

    pub fn token(&self) -> &str {
        &self.token
    }
}

impl fmt::Debug for IamToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamToken").field("token", &"***").field("expires_at_ms", &self.expires_at_ms).finish()
    }
}

/// Check the `refreshMarginMs` option: a whole number of milliseconds from 0
/// to a day; [`DEFAULT_REFRESH_MARGIN_MS`] when absent.
pub fn refresh_margin(value: Option<f64>) -> Result<u32, Error> {
    match value {
        None => Ok(DEFAULT_REFRESH_MARGIN_MS),
        Some(ms)
            if ms.is_finite()
                && ms.fract() == 0.0
                && (0.0..=f64::from(MAX_REFRESH_MARGIN_MS)).contains(&ms) =>
        {
            Ok(ms as u32)
        }
        // MAX_REFRESH_MARGIN_MS (a test checks it)
        Some(_) => Err(Error::invalid("refreshMarginMs must be a whole number from 0 to 86400000 (a day)")),
    }
}

/// What a caller asking for a token should do.
#[derive(Clone, PartialEq, Eq)]
pub enum CacheDecision {
    /// Use this cached token.
    Use(String),
    /// Send one IAM request, then report its outcome with [`TokenCache::fetched`].
    Fetch,
    /// A request is in flight: wait for its outcome.
    Join,
}

impl fmt::Debug for CacheDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CacheDecision::Use(_) => "Use(***)",
            CacheDecision::Fetch => "Fetch",
            CacheDecision::Join => "Join",
        })
    }
}

/// When to fetch a token: cached until `expires_at - margin`, one request in
/// flight at most, whoever asks and however (forced refreshes included).
#[derive(Clone, Debug)]
pub struct TokenCache {
    margin_ms: f64,
    cached: Option<IamToken>,
    /// Until when the cached token is handed out.
    refresh_at_ms: f64,
    in_flight: bool,
}

impl TokenCache {
    /// A cache refreshing `margin_ms` before expiry (see [`refresh_margin`]).
    pub fn new(margin_ms: u32) -> TokenCache {
        TokenCache { margin_ms: f64::from(margin_ms), cached: None, refresh_at_ms: 0.0, in_flight: false }
    }

    /// Ask for a token at `now_ms`. `force_refresh` (after the API refused the
    /// token) skips the cached one, but joins a request already in flight.
    pub fn token(&mut self, now_ms: f64, force_refresh: bool) -> CacheDecision {
        if self.in_flight {
            return CacheDecision::Join;
        }
        if let (false, Some(cached)) = (force_refresh, &self.cached) {
            if now_ms < self.refresh_at_ms {
                return CacheDecision::Use(cached.token.clone());
            }
        }
        self.in_flight = true;
        CacheDecision::Fetch
    }

    /// Report the outcome of the request a [`CacheDecision::Fetch`] started;
    /// the result is what the fetcher and every joiner get.
    ///
    /// A token whose lifetime is shorter than the margin is kept for half of
    /// what remains (so short-lived tokens do not cause a request per call);
    /// one already expired by the local clock is handed out but not kept. A
    /// failure is handed out and leaves the cache as it was: the next ask that
    /// finds no usable token fetches again.
    pub fn fetched(&mut self, result: Result<IamToken, Error>, now_ms: f64) -> Result<String, Error> {
        self.in_flight = false;
        let fresh = result?;
        let remaining = fresh.expires_at_ms - now_ms;
        if remaining > self.margin_ms {
            self.refresh_at_ms = fresh.expires_at_ms - self.margin_ms;
        } else if remaining > 0.0 {
            self.refresh_at_ms = now_ms + remaining / 2.0;
        } else {
            self.cached = None;
            return Ok(fresh.token);
        }
        let token = fresh.token.clone();
        self.cached = Some(fresh);
        Ok(token)
    }

    /// Report that the request a [`CacheDecision::Fetch`] started failed
    /// before an answer: as a failed answer, it leaves the cache as it was.
    pub fn failed(&mut self) {
        self.in_flight = false;
    }

    /// Forget the cached token: the next ask fetches (a request in flight
    /// still completes and its token is kept).
    pub fn invalidate(&mut self) {
        self.cached = None;
    }

    /// Whether an IAM request is in flight.
    pub fn is_fetching(&self) -> bool {
        self.in_flight
    }
}

/// Parse an ISO 8601 date-time as IAM writes it (`2020-01-04T09:05:22.701000Z`;
/// also offsets such as `+08:00` or `+0800`, and no fraction) into epoch
/// milliseconds (the fraction truncated to the millisecond).
pub fn parse_iso8601_ms(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    // The digits at `from..from + len` as a number.
    let num = |from: usize, len: usize| -> Option<i64> {
        let mut n = 0;
        for at in from..from + len {
            let digit = b.get(at)?.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            n = n * 10 + i64::from(digit);
        }
        Some(n)
    };
    // `YYYY-MM-DDTHH:MM:SS` (`T` also `t` or a space); the digits are read below.
    for (at, &shape) in b"0000-00-00T00:00:00".iter().enumerate() {
        let c = *b.get(at)?;
        if shape != b'0' && c != shape && !(shape == b'T' && (c == b't' || c == b' ')) {
            return None;
        }
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    // 31 days in odd months to July and even ones from August, 30 in the others, except February.
    let days_in_month = match month {
        2 => 28 + i64::from(leap),
        1..=12 => 30 + ((month + month / 8) & 1),
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // A fraction of at least one digit, truncated to milliseconds.
    let mut at = 19;
    let mut millis = 0;
    if matches!(b.get(at), Some(b'.' | b',')) {
        at += 1;
        let first = at;
        while let Some(digit) = num(at, 1) {
            if at < first + 3 {
                millis = millis * 10 + digit;
            }
            at += 1;
        }
        match at - first {
            0 => return None,
            1 => millis *= 100,
            2 => millis *= 10,
            _ => {}
        }
    }
    let offset_minutes = match b.get(at..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let minutes_at = match rest {
                [_, _, b':', _, _] => at + 4,
                [_, _, _, _] => at + 3,
                [_, _] => 0,
                _ => return None,
            };
            let h = num(at + 1, 2)?;
            let m = if minutes_at == 0 { 0 } else { num(minutes_at, 2)? };
            if h > 23 || m > 59 {
                return None;
            }
            (h * 60 + m) * if *sign == b'-' { -1 } else { 1 }
        }
        _ => return None,
    };
    // Days since 1970-01-01 (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some((secs * 1000 + millis) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_too_long_names_the_limit() {
        let long = "p".repeat(MAX_FIELD_BYTES + 1);
        let e = IamCredentials::new("d", "u", &long, ProjectScope::Id("x".into()), None).unwrap_err();
        let expected = cat(&["password is longer than ", &decimal(MAX_FIELD_BYTES as i64), " bytes"]);
        assert_eq!(e.message, expected);
        let fits = "p".repeat(MAX_FIELD_BYTES);
        assert!(IamCredentials::new("d", "u", &fits, ProjectScope::Id("x".into()), None).is_ok());
    }

    #[test]
    fn the_refresh_margin_message_names_the_limit() {
        let max = f64::from(MAX_REFRESH_MARGIN_MS);
        assert_eq!(refresh_margin(Some(max)).unwrap(), MAX_REFRESH_MARGIN_MS);
        assert_eq!(refresh_margin(Some(0.0)).unwrap(), 0);
        assert_eq!(refresh_margin(None).unwrap(), DEFAULT_REFRESH_MARGIN_MS);
        let expected = cat(&[
            "refreshMarginMs must be a whole number from 0 to ",
            &decimal(i64::from(MAX_REFRESH_MARGIN_MS)),
            " (a day)",
        ]);
        for bad in [max + 1.0, -1.0, 0.5, f64::NAN, f64::INFINITY] {
            assert_eq!(refresh_margin(Some(bad)).unwrap_err().message, expected, "{bad}");
        }
    }
}
