//! The pure core: everything that decides, nothing that does I/O.
//!
//! Nothing in here imports `wasm-bindgen`, `js-sys` or `web-sys`. Inputs that
//! come from the outside world (response bodies, header values, the clock,
//! random numbers) are passed in as plain values, so every decision can be
//! exercised deterministically by `cargo test`.

pub mod auth;
pub mod batch;
pub mod call;
pub mod chunk;
pub mod error;
pub mod fleet;
pub mod fleet_options;
pub mod fleet_output;
pub mod hooks;
pub mod iam;
pub mod iam_session;
pub mod id_check;
pub mod input;
pub mod json;
pub mod number;
pub mod options;
pub mod output;
pub mod poll;
pub mod prepare;
pub mod prepare_all;
pub mod redact;
pub mod request;
pub mod response;
pub mod retry;
pub mod scheduler;
pub mod sign;
pub mod sort;
pub mod state;
pub mod validate;
pub mod wait_state;
pub mod watch;

pub use error::{Error, ErrorKind};
