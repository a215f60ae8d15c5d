//! Hook events (`hooks: { onRequest, onResponse, onRetry }`), for logging,
//! metrics and tracing. A [`Request`] makes them only when the call has hooks
//! (nothing is built otherwise); the machine hands them out as
//! [`Notice::Hook`]. No token, header or body ever goes into one.
//!
//! [`Request`]: crate::engine::call::Request
//! [`Notice::Hook`]: crate::engine::call::Notice::Hook

use crate::engine::error::Error;
use crate::prelude::*;

/// One hook call.
#[derive(Clone, Debug, PartialEq)]
pub enum Hook {
    /// An attempt is about to be sent.
    Request { attempt: Attempt, url: String, id_count: Option<u32> },
    /// An attempt came back, with a response or a transport failure.
    Response {
        attempt: Attempt,
        http_status: Option<u16>,
        /// The server's `error_code`, when it sent one that is not success.
        error_code: Option<String>,
        /// The library's error code when the attempt failed.
        code: Option<&'static str>,
        duration_ms: u64,
    },
    /// A failed attempt will be sent again after `delay_ms`.
    Retry { attempt: Attempt, delay_ms: u64, error: Box<Error> },
}

/// Which attempt of which request a hook event is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    /// `"batch-query-status"` or `"prepare-progress"`.
    pub operation: &'static str,
    pub request_id: String,
    /// 1 for the first attempt of a request.
    pub number: u32,
}

impl Hook {
    /// The name of the hook this event is for.
    pub fn name(&self) -> &'static str {
        match self {
            Hook::Request { .. } => "onRequest",
            Hook::Response { .. } => "onResponse",
            Hook::Retry { .. } => "onRetry",
        }
    }
}
