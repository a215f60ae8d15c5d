//! The one error type of the crate.
//!
//! Every failure, whatever layer notices it, ends up as an [`Error`]: a
//! [`ErrorKind`] (which becomes the JavaScript `code`), a message a person can
//! act on, and whatever the server told us (HTTP status, `error_code`,
//! `error_msg`) plus the `x-request-id` of the request that failed. The API
//! layer maps it once to the JavaScript `KooPhoneError`.
//!
//! Errors never hold the auth token: the token only ever goes into a request
//! header, and [`Error::redact`] scrubs it from anything the server echoed back
//! (see [`crate::engine::redact`] for the rule).

use crate::engine::poll::ProgressReport;
use crate::engine::redact::Secret;
use crate::prelude::*;
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
    /// `waitPrepared`, `waitForState`: `maxWaitMs` passed first.
    WaitTimeout,
    /// `waitForState`: an instance entered a `failOn` state.
    StateFailed,
    /// The `token` function threw, rejected or returned something unusable.
    Auth,
    /// The server answered with a redirect; requests are never re-sent elsewhere.
    Redirect,
    /// A bug or a trap inside the library.
    Internal,
}

/// Every kind, for exhaustive tests (the typings list the same codes).
pub const ALL_KINDS: [ErrorKind; 13] = [
    ErrorKind::InvalidArgument,
    ErrorKind::Network,
    ErrorKind::Timeout,
    ErrorKind::Aborted,
    ErrorKind::Http,
    ErrorKind::Api,
    ErrorKind::BadResponse,
    ErrorKind::PrepareFailed,
    ErrorKind::WaitTimeout,
    ErrorKind::StateFailed,
    ErrorKind::Auth,
    ErrorKind::Redirect,
    ErrorKind::Internal,
];

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
            ErrorKind::StateFailed => "STATE_FAILED",
            ErrorKind::Auth => "AUTH",
            ErrorKind::Redirect => "REDIRECT",
            ErrorKind::Internal => "INTERNAL",
        }
    }
}

pub use crate::engine::redact::REDACTED;

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
    /// `x-request-id` of the request that failed (ours).
    pub request_id: Option<String>,
    /// `request_id` the server or its API gateway put in the error body.
    pub server_request_id: Option<String>,
    /// The underlying failure (a `fetch` rejection, a token function's throw).
    pub cause: Option<Box<Cause>>,
    /// With `allowPartial`, when every chunk failed: each chunk's IDs and error.
    pub chunk_errors: Vec<(Vec<String>, Error)>,
    /// Server-requested delay before trying again (`Retry-After`), in milliseconds.
    pub retry_after_ms: Option<u64>,
    /// The last progress seen, for `PrepareFailed` and `WaitTimeout`.
    pub progress: Option<Box<ProgressReport>>,
}

impl Error {
    /// An error of `kind` with a message and no server details.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error::with_message(kind, message.into())
    }

    // One copy of the struct's construction, whatever the message's type.
    #[inline(never)]
    fn with_message(kind: ErrorKind, message: String) -> Self {
        Error::bare(kind, message)
    }

    /// [`Error::new`] inlined, for a struct update (`Error { field, ..Error::bare(kind, message) }`):
    /// the fields it sets are seen to be empty, so replacing them drops nothing.
    #[inline(always)]
    pub(crate) fn bare(kind: ErrorKind, message: String) -> Self {
        Error {
            kind,
            message,
            http_status: None,
            error_code: None,
            error_msg: None,
            request_id: None,
            server_request_id: None,
            cause: None,
            chunk_errors: Vec::new(),
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

    /// Whether trying the same request again may succeed.
    pub fn retryable(&self) -> bool {
        match self.kind {
            ErrorKind::Network | ErrorKind::Timeout => true,
            ErrorKind::Http => self.http_status.is_some_and(|s| RETRYABLE_HTTP_STATUSES.contains(&s)),
            _ => false,
        }
    }

    /// Scrub `secret` from every text of this error (and of its chunk errors).
    pub fn redact(&mut self, secret: &Secret) {
        secret.scrub_in_place(&mut self.message);
        if let Some(cause) = &mut self.cause {
            secret.scrub_in_place(&mut cause.name);
            secret.scrub_in_place(&mut cause.message);
            if let Some(code) = &mut cause.code {
                secret.scrub_in_place(code);
            }
        }
        // Not `.flatten()`: its adapter costs about 80 B gzip of wasm.
        #[allow(clippy::manual_flatten)]
        for text in
            [&mut self.error_code, &mut self.error_msg, &mut self.request_id, &mut self.server_request_id]
        {
            if let Some(text) = text {
                secret.scrub_in_place(text);
            }
        }
        for (_, error) in &mut self.chunk_errors {
            error.redact(secret);
        }
    }
}

/// The underlying failure of an error, as plain text: it becomes the
/// JavaScript error's standard `cause` (an `Error` with this name, message and
/// Node's `code`, such as `ECONNREFUSED`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    pub name: String,
    pub message: String,
    pub code: Option<String>,
}

impl fmt::Display for Error {
    // For native callers and test output; nothing in the wasm formats an error, so
    // this stays out of the module (see scripts/clippy-release/clippy.toml).
    #[allow(clippy::disallowed_macros)]
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
        let secret = Secret::new("s3cr3t").unwrap();
        let mut e = Error {
            error_msg: Some("bad token s3cr3t".into()),
            error_code: Some("s3cr3t".into()),
            server_request_id: Some("s3cr3t".into()),
            cause: Some(Box::new(Cause { name: "TypeError".into(), message: "s3cr3t!".into(), code: None })),
            chunk_errors: vec![(vec!["a".into()], Error::new(ErrorKind::Http, "s3cr3t"))],
            ..Error::new(ErrorKind::Http, "body: s3cr3t s3cr3t")
        };
        e.redact(&secret);
        assert_eq!(e.message, "body: ••• •••");
        assert_eq!(e.error_msg.as_deref(), Some("bad token •••"));
        assert_eq!(e.error_code.as_deref(), Some("•••"));
        assert_eq!(e.server_request_id.as_deref(), Some("•••"));
        assert_eq!(e.cause.unwrap().message, "•••!");
        assert_eq!(e.chunk_errors[0].1.message, "•••");
    }

    #[test]
    fn codes_are_the_documented_strings() {
        let codes: Vec<&str> = ALL_KINDS.iter().map(|k| k.code()).collect();
        assert_eq!(
            codes,
            [
                "INVALID_ARGUMENT",
                "NETWORK",
                "TIMEOUT",
                "ABORTED",
                "HTTP",
                "API",
                "BAD_RESPONSE",
                "PREPARE_FAILED",
                "WAIT_TIMEOUT",
                "STATE_FAILED",
                "AUTH",
                "REDIRECT",
                "INTERNAL"
            ]
        );
        assert_eq!(Error::aborted().to_string().split(':').next(), Some("ABORTED"));
    }
}
