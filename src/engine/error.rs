//! The one error type of the crate.
//!
//! Every failure, whatever layer notices it, ends up as an [`Error`]: a
//! [`ErrorKind`] (which becomes the JavaScript `code`), a message a person can
//! act on, and whatever the server told us (HTTP status, `error_code`,
//! `error_msg`) plus the `x-request-id` of the request that failed. The API
//! layer maps it once to the JavaScript `KooPhoneError`.
//!
//! Errors never hold the auth token: the token only ever goes into a request
//! header, and [`Error::redact`] scrubs it from anything the server echoed back.

use crate::engine::poll::ProgressReport;
use std::fmt;

/// What went wrong, coarsely. Stable: each kind is a public JavaScript `code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller passed something unusable; no request was sent.
    InvalidArgument,
    /// `fetch` itself failed: DNS, refused or reset connection, CORS.
    Network,
    /// One attempt took longer than `timeoutMs`.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// The server answered with a non-2xx HTTP status.
    Http,
    /// The server answered HTTP 2xx but with a non-"0" `error_code`.
    Api,
    /// The body was not the JSON the API documents.
    BadResponse,
    /// `waitPrepared`: the instance reported preparation failure (status -1).
    PrepareFailed,
    /// `waitPrepared`: `maxWaitMs` passed before the instance was ready.
    WaitTimeout,
}

impl ErrorKind {
    /// The JavaScript `code` string of this kind.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::Network => "NETWORK",
            ErrorKind::Timeout => "TIMEOUT",
            ErrorKind::Aborted => "ABORTED",
            ErrorKind::Http => "HTTP",
            ErrorKind::Api => "API",
            ErrorKind::BadResponse => "BAD_RESPONSE",
            ErrorKind::PrepareFailed => "PREPARE_FAILED",
            ErrorKind::WaitTimeout => "WAIT_TIMEOUT",
        }
    }
}

/// What a redacted secret looks like in error texts.
pub const REDACTED: &str = "\u{2022}\u{2022}\u{2022}";

/// HTTP statuses worth another attempt: flow control and transient server trouble.
pub const RETRYABLE_HTTP_STATUSES: [u16; 5] = [429, 500, 502, 503, 504];

/// A failure, with everything the caller needs to understand and report it.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// HTTP status of the response, when there was one.
    pub http_status: Option<u16>,
    /// `error_code` exactly as the server sent it.
    pub error_code: Option<String>,
    /// `error_msg` exactly as the server sent it.
    pub error_msg: Option<String>,
    /// `x-request-id` of the request that failed.
    pub request_id: Option<String>,
    /// Server-requested delay before trying again (`Retry-After`), in milliseconds.
    pub retry_after_ms: Option<u64>,
    /// The last progress seen, for `PrepareFailed` and `WaitTimeout`.
    pub progress: Option<Box<ProgressReport>>,
}

impl Error {
    /// An error of `kind` with a message and no server details.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            http_status: None,
            error_code: None,
            error_msg: None,
            request_id: None,
            retry_after_ms: None,
            progress: None,
        }
    }

    /// Shorthand for [`ErrorKind::InvalidArgument`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// Shorthand for [`ErrorKind::Aborted`].
    pub fn aborted() -> Self {
        Error::new(ErrorKind::Aborted, "the operation was aborted by its AbortSignal")
    }

    /// Attach the `x-request-id` of the request this error belongs to.
    pub fn with_request_id(mut self, request_id: &str) -> Self {
        self.request_id = Some(request_id.to_owned());
        self
    }

    /// Whether trying the same request again may succeed.
    pub fn retryable(&self) -> bool {
        match self.kind {
            ErrorKind::Network | ErrorKind::Timeout => true,
            ErrorKind::Http => self.http_status.is_some_and(|s| RETRYABLE_HTTP_STATUSES.contains(&s)),
            _ => false,
        }
    }

    /// Replace every occurrence of `secret` in the texts of this error with
    /// [`REDACTED`].
    ///
    /// Defence in depth: a misbehaving proxy could echo request headers into an
    /// error body, and excerpts of bodies end up in messages. The mask has no
    /// ASCII character, and tokens are printable ASCII only, so no occurrence
    /// can straddle it: one left-to-right pass leaves no copy of the secret.
    pub fn redact(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        for text in [
            Some(&mut self.message),
            self.error_code.as_mut(),
            self.error_msg.as_mut(),
            self.request_id.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(scrubbed) = replace_all(text, secret, REDACTED) {
                *text = scrubbed;
            }
        }
    }
}

/// `text` with every `needle` replaced, or `None` if there was none. A plain
/// byte scan: `str::replace` brings a two-way searcher the wasm can do without.
fn replace_all(text: &str, needle: &str, with: &str) -> Option<String> {
    let (hay, pat) = (text.as_bytes(), needle.as_bytes());
    let mut out = Vec::new();
    let (mut i, mut last, mut found) = (0, 0, false);
    while i + pat.len() <= hay.len() {
        if hay.get(i..i + pat.len()) == Some(pat) {
            out.extend_from_slice(hay.get(last..i)?);
            out.extend_from_slice(with.as_bytes());
            i += pat.len();
            last = i;
            found = true;
        } else {
            i += 1;
        }
    }
    if !found {
        return None;
    }
    out.extend_from_slice(hay.get(last..)?);
    // Whole UTF-8 needles only ever match at character boundaries.
    String::from_utf8(out).ok()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> Error {
        Error { http_status: Some(status), ..Error::new(ErrorKind::Http, "x") }
    }

    #[test]
    fn transient_failures_are_retryable_and_client_errors_are_not() {
        for s in RETRYABLE_HTTP_STATUSES {
            assert!(http(s).retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 405, 413, 501] {
            assert!(!http(s).retryable(), "{s}");
        }
        assert!(Error::new(ErrorKind::Network, "x").retryable());
        assert!(Error::new(ErrorKind::Timeout, "x").retryable());
        for kind in [
            ErrorKind::InvalidArgument,
            ErrorKind::Aborted,
            ErrorKind::Api,
            ErrorKind::BadResponse,
            ErrorKind::PrepareFailed,
            ErrorKind::WaitTimeout,
        ] {
            assert!(!Error::new(kind, "x").retryable(), "{kind:?}");
        }
    }

    #[test]
    fn redact_scrubs_the_secret_from_every_text() {
        let mut e = Error {
            error_msg: Some("bad token s3cr3t".into()),
            error_code: Some("s3cr3t".into()),
            ..Error::new(ErrorKind::Http, "body: s3cr3t s3cr3t")
        };
        e.redact("s3cr3t");
        assert_eq!(e.message, "body: ••• •••");
        assert_eq!(e.error_msg.as_deref(), Some("bad token •••"));
        assert_eq!(e.error_code.as_deref(), Some("•••"));
    }

    #[test]
    fn redaction_cannot_rebuild_the_secret_from_its_surroundings() {
        // With a "***" mask, "**x*x" would become "****x", which still contains "**x".
        let mut e = Error::new(ErrorKind::Http, "**x*x");
        e.redact("**x");
        assert!(!e.message.contains("**x"), "{}", e.message);
        assert_eq!(e.message, "•••*x");
    }

    #[test]
    fn codes_are_the_documented_strings() {
        assert_eq!(ErrorKind::InvalidArgument.code(), "INVALID_ARGUMENT");
        assert_eq!(ErrorKind::BadResponse.code(), "BAD_RESPONSE");
        assert_eq!(ErrorKind::WaitTimeout.code(), "WAIT_TIMEOUT");
        assert_eq!(Error::aborted().to_string().split(':').next(), Some("ABORTED"));
    }
}
