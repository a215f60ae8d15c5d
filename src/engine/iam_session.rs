//! One IAM token provider, sans I/O: its checked options, the token request,
//! the cache that decides when to send it, and what each answer means.
//!
//! `iamTokenProvider` (pkg-template/src/iam.js) holds one [`IamSession`]
//! through a wasm handle: it asks [`IamSession::decide`] on every call, sends
//! the request itself when told to fetch (one in flight, whoever asks), and
//! reports the answer with [`IamSession::answered`] or
//! [`IamSession::unreachable`]. Every error is `AUTH`, with the password
//! scrubbed from it.

use crate::engine::call::TransportFailure;
use crate::engine::error::Error;
use crate::engine::iam::{
    refresh_margin, CacheDecision, IamCredentials, IamRequest, ProjectScope, TokenCache, AUTH_ERROR,
};
use crate::engine::json::{self, Json};
use crate::engine::options::{unknown_name, DEFAULT_TIMEOUT_MS};
use crate::engine::output::cat;
use crate::engine::redact::Secret;
use crate::prelude::*;

/// The option names of `iamTokenProvider` (also `createProxy({ iam })` and the CLI).
pub const IAM_OPTIONS: [&str; 8] = [
    "domainName",
    "userName",
    "password",
    "projectName",
    "projectId",
    "iamEndpoint",
    "refreshMarginMs",
    "fetch",
];

/// Where `refreshMarginMs` and `fetch` stand in [`IAM_OPTIONS`] (options are
/// matched by position: no second string comparison).
const MARGIN_AT: usize = 6;
const FETCH_AT: usize = 7;

/// Largest IAM answer read (with `nocatalog=true` it is about a kilobyte).
pub const MAX_IAM_BODY_BYTES: u32 = 256 * 1024;

/// Checked provider options, the request and the cache.
#[derive(Debug)]
pub struct IamSession {
    creds: IamCredentials,
    cache: TokenCache,
    request: IamRequest,
    /// The password, to scrub from every error (`Debug` shows `Secret(•••)`).
    secret: Option<Secret>,
}

impl IamSession {
    /// Read the options as the JS entry describes them (functions as
    /// `{"$":"function"}`). Errors (`InvalidArgument`) name the option and
    /// never quote the password.
    pub fn from_json(text: &str) -> Result<IamSession, Error> {
        let Ok(doc) = json::parse(text) else {
            return Err(Error::invalid("iamTokenProvider options must be a plain object"));
        };
        let Json::Object(members) = &doc else {
            return Err(Error::invalid(
                "iamTokenProvider needs an object { domainName, userName, password, projectName | projectId }",
            ));
        };
        let mut text_of: [Option<&str>; 6] = [None; 6];
        let mut margin = None;
        for (name, value) in members {
            let Some(at) = IAM_OPTIONS.iter().position(|o| o == name) else {
                return Err(unknown_name("unknown IAM option `", name, "`", &IAM_OPTIONS));
            };
            match (at, value) {
                (_, Json::Null) => {}
                (MARGIN_AT, Json::Number(n)) => margin = Some(*n),
                (MARGIN_AT, _) => return Err(Error::invalid("refreshMarginMs must be a number")),
                (FETCH_AT, v) if v.get("$").and_then(Json::as_str) == Some("function") => {}
                (FETCH_AT, _) => return Err(Error::invalid("fetch must be a function")),
                (_, Json::String(s)) => text_of[at] = Some(s),
                (_, other) => {
                    return Err(Error::invalid(cat(&[name, " must be a string, got ", other.type_name()])))
                }
            }
        }
        let [domain, user, password, project_name, project_id, endpoint] = text_of;
        let missing = |field: &str| Error::invalid(cat(&["iamTokenProvider needs `", field, "`"]));
        let project = match (project_name, project_id) {
            (Some(name), None) => ProjectScope::Name(name.to_owned()),
            (None, Some(id)) => ProjectScope::Id(id.to_owned()),
            (Some(_), Some(_)) => {
                return Err(Error::invalid("pass either projectName or projectId, not both"))
            }
            (None, None) => return Err(missing("projectName` (such as cn-south-1) or `projectId")),
        };
        let (Some(domain), Some(user), Some(password)) = (domain, user, password) else {
            // The first of domainName, userName and password (IAM_OPTIONS[..3]) not given.
            let at = text_of.iter().position(Option::is_none).unwrap_or_default();
            return Err(missing(IAM_OPTIONS[at]));
        };
        let creds = IamCredentials::new(domain, user, password, project, endpoint)?;
        let request = creds.token_request();
        Ok(IamSession {
            cache: TokenCache::new(refresh_margin(margin)?),
            secret: Secret::everywhere(password),
            request,
            creds,
        })
    }

    /// The token request (its body holds the password: send it, never log it).
    pub fn request(&self) -> &IamRequest {
        &self.request
    }

    /// How long the request may take.
    pub fn timeout_ms(&self) -> u32 {
        DEFAULT_TIMEOUT_MS
    }

    /// A caller asks for a token at `now_ms` (the wall clock: IAM dates expiry).
    pub fn decide(&mut self, now_ms: f64, force_refresh: bool) -> CacheDecision {
        self.cache.token(now_ms, force_refresh)
    }

    /// IAM answered: the token for the fetcher and every joiner, or why not.
    pub fn answered(
        &mut self,
        now_ms: f64,
        status: u16,
        subject_token: Option<&str>,
        body: &str,
    ) -> Result<String, Error> {
        let parsed = self.creds.parse_token_response(status, subject_token, body);
        self.cache.fetched(parsed, now_ms)
    }

    /// The request failed before an answer: an `AUTH` error saying how.
    pub fn unreachable(&mut self, failure: TransportFailure) -> Error {
        const FAILED: &str = "the IAM token request failed: ";
        let message = match &failure {
            TransportFailure::Network(cause) => {
                cat(&[FAILED, "could not reach IAM at ", &self.request.url, ": ", &cause.message])
            }
            // The numbers are DEFAULT_TIMEOUT_MS and MAX_IAM_BODY_BYTES (a test checks them).
            TransportFailure::Timeout => cat(&[FAILED, "IAM did not answer within 10000 ms"]),
            TransportFailure::Redirect(_) => {
                cat(&[FAILED, "IAM answered with a redirect, which is never followed"])
            }
            TransportFailure::TooLarge(_) => cat(&[FAILED, "IAM's answer is larger than 262144 bytes"]),
            TransportFailure::NotAResponse(what) => cat(&[FAILED, "unexpected response from fetch: ", what]),
        };
        let mut error = Error::new(AUTH_ERROR, message);
        if let TransportFailure::Network(cause) = failure {
            error.cause = Some(Box::new(cause));
        }
        if let Some(secret) = &self.secret {
            error.redact(secret);
        }
        self.cache.failed();
        error
    }

    /// Forget the cached token.
    pub fn invalidate(&mut self) {
        self.cache.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::error::{Cause, ErrorKind};

    const OPTIONS: &str = r#"{"domainName":"d","userName":"u","password":"Pa55-w0rd!","projectName":"cn-south-1","iamEndpoint":"http://127.0.0.1:9","fetch":{"$":"function"}}"#;
    const OK: &str = r#"{"token":{"expires_at":"2020-01-04T09:05:22.701000Z"}}"#;
    const EXPIRES: f64 = 1_578_128_722_701.0;
    const HOUR: f64 = 3_600_000.0;

    #[test]
    fn one_request_serves_every_caller_until_the_margin() {
        let mut s = IamSession::from_json(OPTIONS).unwrap();
        assert_eq!(s.request().url, "http://127.0.0.1:9/v3/auth/tokens?nocatalog=true");
        let t0 = EXPIRES - 5.0 * HOUR;
        assert_eq!(s.decide(t0, false), CacheDecision::Fetch);
        assert_eq!(s.decide(t0, false), CacheDecision::Join);
        assert_eq!(s.decide(t0, true), CacheDecision::Join);
        assert_eq!(s.answered(t0, 201, Some("tok-1"), OK).unwrap(), "tok-1");
        assert_eq!(s.decide(EXPIRES - HOUR - 1.0, false), CacheDecision::Use("tok-1".into()));
        assert_eq!(s.decide(EXPIRES - HOUR, false), CacheDecision::Fetch);
    }

    #[test]
    fn failures_are_auth_errors_without_the_password() {
        let mut s = IamSession::from_json(OPTIONS).unwrap();
        assert_eq!(s.decide(0.0, false), CacheDecision::Fetch);
        let echo = r#"{"error":{"code":401,"message":"password Pa55-w0rd! is wrong"}}"#;
        let e = s.answered(0.0, 401, None, echo).unwrap_err();
        assert_eq!((e.kind, e.http_status), (ErrorKind::Auth, Some(401)));
        assert!(!format!("{e:?}").contains("Pa55-w0rd!"), "{e:?}");
        assert_eq!(s.decide(0.0, false), CacheDecision::Fetch, "a failure is not cached");
        let cause = Cause { name: "TypeError".into(), message: "fetch failed Pa55-w0rd!".into(), code: None };
        let e = s.unreachable(TransportFailure::Network(cause));
        assert_eq!(e.kind, ErrorKind::Auth);
        assert!(
            e.message.starts_with(
                "the IAM token request failed: could not reach IAM at http://127.0.0.1:9/v3/auth/tokens"
            ),
            "{}",
            e.message
        );
        assert!(!format!("{e:?}").contains("Pa55-w0rd!"), "{e:?}");
        assert!(!format!("{s:?}").contains("Pa55-w0rd!"));
    }

    #[test]
    fn timeouts_and_oversized_answers_name_the_limits() {
        use crate::engine::output::decimal;
        let mut s = IamSession::from_json(OPTIONS).unwrap();
        let failed = "the IAM token request failed: ";
        let e = s.unreachable(TransportFailure::Timeout);
        let timeout = decimal(i64::from(DEFAULT_TIMEOUT_MS));
        assert_eq!(e.message, cat(&[failed, "IAM did not answer within ", &timeout, " ms"]));
        assert_eq!(s.timeout_ms(), DEFAULT_TIMEOUT_MS);
        let e = s.unreachable(TransportFailure::TooLarge(201));
        let cap = decimal(i64::from(MAX_IAM_BODY_BYTES));
        assert_eq!(e.message, cat(&[failed, "IAM's answer is larger than ", &cap, " bytes"]));
        let e = s.unreachable(TransportFailure::Redirect(Some(302)));
        assert_eq!(e.message, cat(&[failed, "IAM answered with a redirect, which is never followed"]));
        let e = s.unreachable(TransportFailure::NotAResponse("a string".into()));
        assert_eq!(e.message, cat(&[failed, "unexpected response from fetch: a string"]));
        assert_eq!((e.kind, e.cause), (ErrorKind::Auth, None));
    }

    #[test]
    fn option_positions_name_the_options() {
        assert_eq!((IAM_OPTIONS[MARGIN_AT], IAM_OPTIONS[FETCH_AT]), ("refreshMarginMs", "fetch"));
    }

    #[test]
    fn options_are_checked_without_quoting_the_password() {
        for (json, expected) in [
            (r#"{"domainName":"d","userName":"u","password":"p"}"#, "iamTokenProvider needs `projectName`"),
            (r#"{"userName":"u","password":"p","projectId":"x"}"#, "iamTokenProvider needs `domainName`"),
            (r#"{"domainName":"d","password":"p","projectId":"x"}"#, "iamTokenProvider needs `userName`"),
            (r#"{"domainName":"d","userName":"u","projectId":"x"}"#, "iamTokenProvider needs `password`"),
            (
                r#"{"domainName":"d","userName":"u","password":"p","projectId":"x","projectName":"y"}"#,
                "pass either projectName or projectId",
            ),
            (
                r#"{"domainName":"d","userName":"u","passwd":"s3cr3t","projectId":"x"}"#,
                "unknown IAM option `passwd`; did you mean `password`?",
            ),
            (
                r#"{"domainName":"d","userName":"u","password":5,"projectId":"x"}"#,
                "password must be a string, got a number",
            ),
            (
                r#"{"domainName":"d","userName":"u","password":"p","projectId":"x","refreshMarginMs":-1}"#,
                "refreshMarginMs must be a whole number",
            ),
            (
                r#"{"domainName":"d","userName":"u","password":"p","projectId":"x","iamEndpoint":"http://iam.example.com"}"#,
                "iamEndpoint: endpoint",
            ),
        ] {
            let e = IamSession::from_json(json).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidArgument);
            assert!(e.message.starts_with(expected), "{json}: {}", e.message);
            assert!(!e.message.contains("s3cr3t"));
        }
    }
}
