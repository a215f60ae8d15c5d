//! The `#[wasm_bindgen]` exports: read the described arguments, build the
//! call's state machine, hand it to the driver. No logic here that a native
//! test could cover.
//!
//! These exports are internal: the package's JavaScript entry
//! (`pkg-template/src/index.js`) describes the caller's arguments as JSON
//! behind guards, creates the host, and turns the settled JSON into results
//! and `KooPhoneError`s.

use crate::prelude::*;

mod credentials;
mod fleet;

pub use crate::driver::Call;
pub use fleet::ClientScheduler;

use crate::driver::{start_error, Host, Render};
use crate::engine::batch::BatchCall;
use crate::engine::call::Machine;
use crate::engine::call::{Auth, Shared};
use crate::engine::id_check::read_ids;
use crate::engine::input::parse_target;
use crate::engine::options::{CallOptions, KNOWN_OPTIONS};
use crate::engine::output::{batch_json, progress_json, report_json};
use crate::engine::prepare::{PrepareCall, WaitCall};
use crate::engine::Error;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The wall clock (epoch ms), which dates AK/SK signatures.
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    fn date_now() -> f64;
}

/// The option names the library knows, comma-separated (read once by the JS entry).
#[wasm_bindgen(js_name = knownOptions)]
pub fn known_options() -> String {
    let mut names = String::with_capacity(160);
    for name in KNOWN_OPTIONS {
        if !names.is_empty() {
            names.push(',');
        }
        names.push_str(name);
    }
    names
}

/// Options and the shared state of a call's requests (with the client's
/// scheduler, when the call belongs to a client: `ClientScheduler.none()`
/// for the standalone functions). `now_ms` is the call's (monotonic) clock
/// at its start.
fn setup(
    options: &str,
    token: Option<String>,
    page_origin: Option<String>,
    seed: f64,
    now_ms: f64,
    client: &ClientScheduler,
) -> Result<(CallOptions, Shared), Error> {
    let call = CallOptions::read(options, token.as_deref(), page_origin.as_deref())?;
    let o = &call.options;
    let mut shared = Shared::new(o.endpoint.clone(), call.auth.clone(), o.retry, o.timeout_ms, seed as u64);
    // Only signatures need the wall clock: other calls skip the crossing.
    if matches!(call.auth, Auth::AkSk(_)) {
        shared = shared.with_wall_clock(now_ms, date_now());
    }
    shared.scheduler = client.shared();
    shared.hooks = call.fleet.hooks;
    Ok((call, shared))
}

/// The calls [`start`] begins, numbered as `pkg-template/src/index.js` numbers them.
pub mod kind {
    pub const BATCH_STATUS: u8 = 0;
    pub const PREPARE_PROGRESS: u8 = 1;
    pub const WAIT_PREPARED: u8 = 2;
    pub const WATCH_STATUS: u8 = 3;
    pub const WAIT_FOR_STATE: u8 = 4;
    pub const WAIT_PREPARED_ALL: u8 = 5;
}

/// Start a call of `kind` (see [`kind`]): `first` is its first argument as the
/// JS entry describes it (instance IDs, `{ userId, instanceId }`, or the
/// requests of `waitPreparedAll`), `until` the states of `waitForState` (empty
/// otherwise), `token` a string token given beside the options JSON. Bad
/// arguments throw the error payload before any host call.
/// One export for every call: each export costs a wrapper in the wasm.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn start(
    kind: u8,
    host: Host,
    first: &str,
    until: &str,
    options: &str,
    token: Option<String>,
    page_origin: Option<String>,
    aborted: bool,
    now_ms: f64,
    seed: f64,
    client: &ClientScheduler,
) -> Result<Call, JsValue> {
    let begin = || {
        let (call, shared) = setup(options, token, page_origin, seed, now_ms, client)?;
        let start = Start { host, aborted, now_ms };
        match kind {
            kind::BATCH_STATUS => batch_status(start, first, call, shared),
            kind::PREPARE_PROGRESS => prepare_progress(start, first, shared),
            kind::WAIT_PREPARED => wait_prepared(start, first, call, shared),
            kind::WATCH_STATUS => fleet::watch_status(start, first, call, shared),
            kind::WAIT_FOR_STATE => fleet::wait_for_state(start, first, until, call, shared),
            kind::WAIT_PREPARED_ALL => fleet::wait_prepared_all(start, first, call, shared),
            _ => Err(Error::invalid("unknown call kind")),
        }
    };
    begin().map_err(|e| start_error(&e))
}

/// What every call starts with besides its own arguments.
pub(crate) struct Start {
    pub host: Host,
    pub aborted: bool,
    pub now_ms: f64,
}

impl Start {
    /// Hand `machine` to the driver.
    pub fn call<M: Machine + 'static>(self, machine: M, render: Render<M>) -> Result<Call, Error> {
        Ok(Call::start(self.host, machine, render, self.aborted, self.now_ms))
    }
}

/// `batchStatus(instanceIds, options)`.
fn batch_status(start: Start, ids: &str, call: CallOptions, shared: Shared) -> Result<Call, Error> {
    let report = call.fleet.report_invalid;
    let (ids, _) = read_ids(ids, report, report)?;
    start.call(BatchCall::new(ids, call.options.batch, shared), |m, out| batch_json(out, m.allow_partial()))
}

/// `prepareProgress({ userId, instanceId }, options)`: one reading.
fn prepare_progress(start: Start, target: &str, shared: Shared) -> Result<Call, Error> {
    let machine = PrepareCall::new(parse_target(target)?, shared, start.now_ms);
    start.call(machine, |_, (progress, request_id)| progress_json(progress, request_id))
}

/// `waitPrepared({ userId, instanceId }, options)`: poll until final.
fn wait_prepared(start: Start, target: &str, call: CallOptions, shared: Shared) -> Result<Call, Error> {
    let machine = WaitCall::new(parse_target(target)?, shared, call.options.poll, start.now_ms);
    start.call(machine, |_, report| report_json(report))
}
