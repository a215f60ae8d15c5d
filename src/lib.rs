//! KooPhone (Huawei Cloud phone) instance API client, compiled to WebAssembly.
//!
//! The crate is split by what each part may touch:
//!
//! - [`core`]: pure Rust. Validation, request building, response parsing, chunk
//!   planning, retry and polling decisions. No JavaScript, no I/O, no clocks: time
//!   and randomness come in as arguments, so everything is tested natively.
//! - `transport`: the only code touching `fetch`, `AbortController` and timers.
//! - `client`: drives the core's decisions through the transport (retry loops,
//!   chunk concurrency, the polling loop).
//! - `api`: the thin `#[wasm_bindgen]` layer that converts JavaScript values at
//!   the boundary, once, and exports `batchStatus`, `prepareProgress` and
//!   `waitPrepared`.
//!
//! Only `core` compiles on native targets; the other layers exist for `wasm32`.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod transport;
