//! The operations: they drive the core's decisions through the transport.
//!
//! - `attempt`: one logical request with retries.
//! - `batch`: `batchStatus`, chunks sent with bounded concurrency.
//! - `prepare`: `prepareProgress` and the `waitPrepared` polling loop.

mod attempt;
mod batch;
mod join;
mod prepare;

pub use batch::{batch_status, BatchOutcome};
pub use prepare::{prepare_progress, wait_prepared};

use crate::engine::options::Options;
use crate::transport::{TokenSource, Transport};
use web_sys::AbortSignal;

/// Everything one call needs: checked options, where to send, how to authenticate.
pub struct Context {
    pub options: Options,
    pub transport: Transport,
    pub token: TokenSource,
    /// The caller's `signal`, if any.
    pub signal: Option<AbortSignal>,
}
