//! The only code that touches the JavaScript runtime's I/O: `fetch`,
//! `AbortController`, timers, the clock, randomness and the caller's token
//! function. It moves bytes and sleeps; every decision is made in `engine`.
//!
//! Everything binds globals (`globalThis.fetch`, `setTimeout`), never
//! `window`, so the same code runs in browsers, web workers and Node.

mod abort;
mod attempt;
mod fetch;
mod timer;
mod token;

pub use abort::AbortScope;
pub use attempt::Attempt;
pub use fetch::Transport;
pub use timer::{monotonic_ms, now_ms, random_unit, request_id, sleep};
pub use token::TokenSource;

use wasm_bindgen::JsValue;

/// The message of a thrown JavaScript value (an `Error`'s `message`, or the
/// value itself if it is a string), for wrapping into our own errors.
fn error_message(thrown: &JsValue) -> String {
    if let Some(text) = thrown.as_string() {
        return text;
    }
    js_sys::Reflect::get(thrown, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
