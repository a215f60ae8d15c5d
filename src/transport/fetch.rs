//! One HTTP exchange through `fetch`, bounded in time and size.

use crate::engine::request::HttpRequest;
use crate::engine::response::RawResponse;
use crate::engine::{Error, ErrorKind};
use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use super::attempt::{Attempt, Interrupted};
use super::{error_message, now_ms};

#[wasm_bindgen(module = "/src/transport/fetch.js")]
extern "C" {
    /// `globalThis.fetch`, read at each call so later polyfills and interceptors apply.
    #[wasm_bindgen(js_name = globalFetch)]
    fn global_fetch() -> Option<Function>;
    /// `{ method: 'POST', headers, body, signal }` from `[name, value, name, value, ...]`.
    #[wasm_bindgen(js_name = requestInit)]
    fn request_init(header_pairs: Array, body: &str, signal: &AbortSignal) -> JsValue;
}

// A `Response` as `fetch` resolves it, read structurally so injected `fetch`
// implementations only need `status`, `headers.get()` and `text()`. Every
// access may throw on a hostile object, hence `catch`.
#[wasm_bindgen]
extern "C" {
    type ResponseLike;
    #[wasm_bindgen(method, getter, catch)]
    fn status(this: &ResponseLike) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn headers(this: &ResponseLike) -> Result<HeadersLike, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn text(this: &ResponseLike) -> Result<JsValue, JsValue>;

    type HeadersLike;
    #[wasm_bindgen(method, catch)]
    fn get(this: &HeadersLike, name: &str) -> Result<JsValue, JsValue>;

    type ErrorLike;
    #[wasm_bindgen(method, getter, catch)]
    fn cause(this: &ErrorLike) -> Result<JsValue, JsValue>;
}

/// Largest response body read, in bytes (UTF-16 code units once decoded).
/// Real responses are a few KiB; anything near this is not KooPhone.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The `fetch` function requests go through.
pub struct Transport {
    fetch: Function,
}

impl Transport {
    /// Use the caller's `fetch` if given, else the global one
    /// (`globalThis.fetch`, so Node and workers work; never `window`).
    pub fn new(custom: Option<Function>) -> Result<Self, Error> {
        if let Some(fetch) = custom {
            return Ok(Transport { fetch });
        }
        global_fetch()
            .map(|fetch| Transport { fetch })
            .ok_or_else(|| Error::invalid("this runtime has no global fetch; pass one as the `fetch` option"))
    }

    /// Send `req` once, within `attempt`'s bounds. Fails with `TIMEOUT` after
    /// `timeoutMs`, `ABORTED` when the caller's signal aborts, `NETWORK` when
    /// `fetch` rejects, and `BAD_RESPONSE` for bodies over [`MAX_BODY_BYTES`].
    pub async fn send(&self, attempt: &Attempt, req: &HttpRequest) -> Result<RawResponse, Error> {
        let failed = |interrupted: Interrupted| {
            let e = match interrupted {
                Interrupted::Aborted => Error::aborted(),
                Interrupted::TimedOut => Error::new(
                    ErrorKind::Timeout,
                    format!("no complete response within timeoutMs ({} ms)", attempt.timeout_ms()),
                ),
                Interrupted::Rejected(thrown) => Error::new(
                    ErrorKind::Network,
                    format!(
                        "could not reach KooPhone at {}: {}. In a browser this is also how a CORS refusal looks: \
                         check the endpoint, or route through a same-origin proxy",
                        req.url,
                        network_detail(&thrown)
                    ),
                ),
            };
            e.with_request_id(&req.request_id)
        };

        let header_pairs: Array = req
            .headers
            .iter()
            .flat_map(|(name, value)| [JsValue::from_str(name), JsValue::from_str(value)])
            .collect();
        let init = request_init(header_pairs, &req.body, &attempt.signal());
        let pending = self
            .fetch
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(&req.url), &init)
            .map_err(|thrown| failed(attempt.interruption(thrown)))?;
        let response = attempt.settle(&pending).await.map_err(&failed)?;

        let bad = |what: &str| {
            Error::new(ErrorKind::BadResponse, format!("unexpected response from fetch: {what}"))
                .with_request_id(&req.request_id)
        };
        if !response.is_object() {
            return Err(bad("fetch did not resolve to a Response"));
        }
        let response: &ResponseLike = response.unchecked_ref();
        let status = response
            .status()
            .ok()
            .and_then(|s| s.as_f64())
            .filter(|s| (100.0..=599.0).contains(s) && s.fract() == 0.0)
            .ok_or_else(|| bad("no valid HTTP status"))? as u16;
        let headers = response.headers().ok().filter(|h| h.is_object());
        let header = |name: &str| headers.as_ref().and_then(|h| h.get(name).ok()).and_then(|v| v.as_string());
        if header("content-length")
            .and_then(|len| len.trim().parse::<u64>().ok())
            .is_some_and(|len| len > MAX_BODY_BYTES as u64)
        {
            return Err(too_large(status, req));
        }
        let retry_after = header("retry-after");
        let pending = response.text().map_err(|_| bad("the response has no working text() method"))?;
        let body = attempt.settle(&pending).await.map_err(&failed)?;
        let body = body.as_string().ok_or_else(|| bad("text() did not give a string"))?;
        if body.len() > MAX_BODY_BYTES {
            return Err(too_large(status, req));
        }
        Ok(RawResponse { status, body, retry_after, received_at_ms: now_ms() })
    }
}

/// The most specific reason a `fetch` rejection carries: Node puts the socket
/// error (`ECONNREFUSED`, `ECONNRESET`) in `cause`.
fn network_detail(thrown: &JsValue) -> String {
    let message = error_message(thrown);
    let cause = if thrown.is_object() {
        thrown.unchecked_ref::<ErrorLike>().cause().unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    };
    if cause.is_undefined() || cause.is_null() {
        return message;
    }
    format!("{message} ({})", error_message(&cause))
}

fn too_large(status: u16, req: &HttpRequest) -> Error {
    Error {
        http_status: Some(status),
        ..Error::new(
            ErrorKind::BadResponse,
            format!("the response body is larger than {MAX_BODY_BYTES} bytes; refusing to read it"),
        )
        .with_request_id(&req.request_id)
    }
}
