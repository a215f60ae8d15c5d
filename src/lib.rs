//! KooPhone (Huawei Cloud phone) instance API client, compiled to WebAssembly.
//!
//! The crate is split by what each part may touch:
//!
//! - [`engine`]: pure Rust. Validation, request building, response parsing, chunk
//!   planning, retry and polling decisions. No JavaScript, no I/O, no clocks: time
//!   and randomness come in as arguments, so everything is tested natively.
//! - `transport`: the only code touching `fetch`, `AbortController` and timers.
//! - `client`: drives the core's decisions through the transport (retry loops,
//!   chunk concurrency, the polling loop).
//! - `api`: the thin `#[wasm_bindgen]` layer that converts JavaScript values at
//!   the boundary, once, and exports `batchStatus`, `prepareProgress` and
//!   `waitPrepared`.
//!
//! Only `engine` compiles on native targets; the other layers exist for `wasm32`.

// `engine::Error` is large (it carries every detail a caller may need) but cold:
// it is built once per failure, so boxing it would buy nothing but allocations.
#![allow(clippy::result_large_err)]

pub mod engine;

/// The JavaScript-facing exports. Public only so the wasm-bindgen tests in
/// `tests/` can call them; JavaScript users import them from the npm package.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod api;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod transport;
