//! One HTTP exchange through `fetch`, bounded in time and size.

use crate::core::request::HttpRequest;
use crate::core::response::RawResponse;
use crate::core::{Error, ErrorKind};
use gloo_timers::callback::Timeout;
use js_sys::{Function, Object, Promise, Reflect};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::{error_message, now_ms, AbortScope};

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
        Reflect::get(&js_sys::global(), &JsValue::from_str("fetch"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .map(|fetch| Transport { fetch })
            .ok_or_else(|| Error::invalid("this runtime has no global fetch; pass one as the `fetch` option"))
    }

    /// Send `req` once. Fails with `TIMEOUT` after `timeout_ms`, `ABORTED` when
    /// `signal` aborts, `NETWORK` when `fetch` rejects, and `BAD_RESPONSE` for
    /// bodies over [`MAX_BODY_BYTES`].
    pub async fn send(
        &self,
        req: &HttpRequest,
        timeout_ms: u32,
        signal: &AbortSignal,
    ) -> Result<RawResponse, Error> {
        let attempt = AbortScope::new(Some(signal))?;
        let timed_out = Rc::new(Cell::new(false));
        let _timer = {
            let timed_out = timed_out.clone();
            let controller = attempt.controller();
            Timeout::new(timeout_ms, move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let failed = |thrown: JsValue| {
            let mut e = if signal.aborted() {
                Error::aborted()
            } else if timed_out.get() {
                Error::new(
                    ErrorKind::Timeout,
                    format!("no complete response within timeoutMs ({timeout_ms} ms)"),
                )
            } else {
                Error::new(
                    ErrorKind::Network,
                    format!(
                        "could not reach KooPhone at {}: {}. In a browser this is also how a CORS refusal looks: \
                         check the endpoint, or route through a same-origin proxy",
                        req.url,
                        network_detail(&thrown)
                    ),
                )
            };
            e.request_id = Some(req.request_id.clone());
            e
        };

        let init = request_init(req, &attempt.signal());
        let pending =
            self.fetch.call2(&JsValue::UNDEFINED, &JsValue::from_str(&req.url), &init).map_err(&failed)?;
        let response = JsFuture::from(Promise::resolve(&pending)).await.map_err(&failed)?;

        let bad = |what: &str| {
            Error::new(ErrorKind::BadResponse, format!("unexpected response from fetch: {what}"))
                .with_request_id(&req.request_id)
        };
        let status = get(&response, "status")
            .as_f64()
            .filter(|s| (100.0..=599.0).contains(s) && s.fract() == 0.0)
            .ok_or_else(|| bad("no valid HTTP status"))? as u16;
        let headers = get(&response, "headers");
        if header(&headers, "content-length")
            .and_then(|len| len.trim().parse::<u64>().ok())
            .is_some_and(|len| len > MAX_BODY_BYTES as u64)
        {
            return Err(too_large(status, req));
        }
        let retry_after = header(&headers, "retry-after");
        let text = get(&response, "text")
            .dyn_into::<Function>()
            .map_err(|_| bad("the response has no text() method"))?;
        let pending = text.call0(&response).map_err(&failed)?;
        let body = JsFuture::from(Promise::resolve(&pending)).await.map_err(&failed)?;
        let body = body.as_string().ok_or_else(|| bad("text() did not give a string"))?;
        if body.len() > MAX_BODY_BYTES {
            return Err(too_large(status, req));
        }
        Ok(RawResponse { status, body, retry_after, received_at_ms: now_ms() })
    }
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `headers.get(name)` on a `Headers`-like object.
fn header(headers: &JsValue, name: &str) -> Option<String> {
    let get = get(headers, "get").dyn_into::<Function>().ok()?;
    get.call1(headers, &JsValue::from_str(name)).ok()?.as_string()
}

fn request_init(req: &HttpRequest, signal: &AbortSignal) -> Object {
    let headers = Object::new();
    for (name, value) in &req.headers {
        let _ = Reflect::set(&headers, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    let init = Object::new();
    let _ = Reflect::set(&init, &JsValue::from_str("method"), &JsValue::from_str("POST"));
    let _ = Reflect::set(&init, &JsValue::from_str("headers"), &headers);
    let _ = Reflect::set(&init, &JsValue::from_str("body"), &JsValue::from_str(&req.body));
    let _ = Reflect::set(&init, &JsValue::from_str("signal"), signal);
    init
}

/// The most specific reason a `fetch` rejection carries: Node puts the socket
/// error (`ECONNREFUSED`, `ECONNRESET`) in `cause`.
fn network_detail(thrown: &JsValue) -> String {
    let message = error_message(thrown);
    let cause = get(thrown, "cause");
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
