//! One logical request: attempts, retry sleeps and request-ID bookkeeping.

use super::Context;
use crate::engine::request::HttpRequest;
use crate::engine::response::RawResponse;
use crate::engine::retry::RetryDecision;
use crate::engine::Error;
use crate::transport::{monotonic_ms, random_unit, request_id, sleep, Attempt};
use std::cell::RefCell;
use web_sys::AbortSignal;

/// Why a logical request failed.
pub enum Failure {
    /// The retry policy gave up (or the error was not retryable).
    GaveUp(Error),
    /// The next retry would have started after the caller's deadline.
    Deadline(Error),
}

impl Failure {
    pub fn into_error(self) -> Error {
        match self {
            Failure::GaveUp(e) | Failure::Deadline(e) => e,
        }
    }
}

/// Send a request built by `build(request_id, token)` and read it with
/// `parse`, retrying as the core's [`RetryPolicy`](crate::engine::retry::RetryPolicy)
/// decides. Each attempt gets a fresh `x-request-id`, appended to `sent`.
/// No retry starts after `deadline_ms` (a [`monotonic_ms`] reading), if given.
/// Returns the parsed value and the request ID that produced it.
pub async fn send_with_retry<T>(
    ctx: &Context,
    signal: Option<&AbortSignal>,
    build: impl Fn(&str, &str) -> HttpRequest,
    parse: impl Fn(&RawResponse, &str) -> Result<T, Error>,
    deadline_ms: Option<f64>,
    sent: &RefCell<Vec<String>>,
) -> Result<(T, String), Failure> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let bounds = Attempt::start(signal, ctx.options.timeout_ms).map_err(Failure::GaveUp)?;
        let id = request_id();
        let exchange = async {
            let token = ctx.token.get(&bounds).await?;
            sent.borrow_mut().push(id.clone());
            let request = build(&id, &token);
            ctx.transport.send(&bounds, &request).await.and_then(|response| parse(&response, &id)).map_err(
                |mut error| {
                    error.redact(&token);
                    error
                },
            )
        };
        let error = match exchange.await {
            Ok(value) => {
                bounds.finish();
                return Ok((value, id));
            }
            Err(error) => error,
        };
        drop(bounds);
        let RetryDecision::RetryIn(delay) = ctx.options.retry.decide(attempt, &error, random_unit()) else {
            return Err(Failure::GaveUp(error));
        };
        if deadline_ms.is_some_and(|deadline| monotonic_ms() + delay as f64 >= deadline) {
            return Err(Failure::Deadline(error));
        }
        sleep(delay, signal).await.map_err(Failure::GaveUp)?;
    }
}
