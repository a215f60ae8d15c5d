//! Time, randomness and abortable sleeps.

use crate::engine::request::format_request_id;
use crate::engine::Error;
use gloo_timers::callback::Timeout;
use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::abort::AbortListener;

/// Wall-clock milliseconds since the Unix epoch (`Date.now()`).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Milliseconds on a monotonic clock (`performance.now()`), for durations and
/// deadlines: unlike the wall clock it never jumps when the system time is set.
pub fn monotonic_ms() -> f64 {
    performance_now()
}

/// A uniform sample from `[0, 1)` (`Math.random()`); used for jitter and IDs,
/// neither of which needs cryptographic strength.
pub fn random_unit() -> f64 {
    js_sys::Math::random()
}

/// A fresh `x-request-id`.
pub fn request_id() -> String {
    let word = || (random_unit() * 4_294_967_296.0) as u32;
    format_request_id([word(), word(), word(), word()])
}

/// Sleep `ms` milliseconds, or fail with `ABORTED` as soon as `signal` aborts.
///
/// The timer and the listener are released whichever comes first (or when the
/// future is dropped), so nothing keeps a Node process alive afterwards.
pub async fn sleep(ms: u64, signal: Option<&AbortSignal>) -> Result<(), Error> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(Error::aborted());
    }
    if ms == 0 {
        return Ok(());
    }
    let mut settle = None;
    let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let Some((resolve, reject)) = settle else {
        return Err(Error::aborted());
    };
    let _timer = Timeout::new(ms.min(i32::MAX as u64) as u32, move || {
        let _ = resolve.call0(&JsValue::UNDEFINED);
    });
    let _listener = signal.map(|signal| {
        AbortListener::new(signal, move || {
            let _ = reject.call0(&JsValue::UNDEFINED);
        })
    });
    JsFuture::from(promise).await.map(drop).map_err(|_| Error::aborted())
}
