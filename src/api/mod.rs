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
use crate::engine::prepare::{PrepareCall, Target, WaitCall};
use crate::engine::prepare_all::parse_targets;
use crate::engine::wait_state::parse_until;
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

/// The shared state of a call's requests (with the client's scheduler, when
/// the call belongs to a client: `ClientScheduler.none()` for the standalone
/// functions). `now_ms` is the call's (monotonic) clock at its start.
fn shared(call: &mut CallOptions, seed: f64, now_ms: f64, client: &ClientScheduler) -> Shared {
    // The options are not read again: their endpoint and auth move into the call.
    let endpoint = call.options.endpoint.take();
    let auth = core::mem::replace(&mut call.auth, Auth::None);
    let o = &call.options;
    // Only signatures need the wall clock: other calls skip the crossing.
    let signed = matches!(auth, Auth::AkSk(_));
    let mut shared = Shared::new(endpoint, auth, o.retry, o.timeout_ms, seed as u64);
    if signed {
        shared = shared.with_wall_clock(now_ms, date_now());
    }
    shared.scheduler = client.shared();
    shared.hooks = call.fleet.hooks;
    shared
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
    // Everything that can fail is read before anything is built, so a refusal
    // drops the read options in one place.
    let begin = || {
        let mut call = CallOptions::read(options, token.as_deref(), page_origin.as_deref())?;
        let args = Args::read(kind, first, until, &call)?;
        let shared = shared(&mut call, seed, now_ms, client);
        Ok(args.start(&mut call, shared, Start { host, aborted, now_ms }))
    };
    begin().map_err(|e| start_error(&e))
}

/// A call's own arguments, read and checked.
enum Args {
    /// `batchStatus(instanceIds, options)`.
    BatchStatus(Vec<String>),
    /// `prepareProgress({ userId, instanceId }, options)`: one reading.
    PrepareProgress(Target),
    /// `waitPrepared({ userId, instanceId }, options)`: poll until final.
    WaitPrepared(Target),
    /// `watchStatus(instanceIds, options)`.
    WatchStatus(Vec<String>),
    /// `waitForState(instanceIds, until, options)`.
    WaitForState(Vec<String>, Vec<&'static str>),
    /// `waitPreparedAll(requests, options)`.
    WaitPreparedAll(Vec<Target>),
}

impl Args {
    fn read(kind: u8, first: &str, until: &str, call: &CallOptions) -> Result<Args, Error> {
        Ok(match kind {
            kind::PREPARE_PROGRESS | kind::WAIT_PREPARED => {
                let target = parse_target(first)?;
                if kind == kind::PREPARE_PROGRESS {
                    Args::PrepareProgress(target)
                } else {
                    Args::WaitPrepared(target)
                }
            }
            kind::WAIT_PREPARED_ALL => Args::WaitPreparedAll(parse_targets(first)?),
            kind::BATCH_STATUS | kind::WATCH_STATUS | kind::WAIT_FOR_STATE => {
                // A watch of no IDs is valid (it reports an empty initial event).
                let report = call.fleet.report_invalid;
                let (ids, _) = read_ids(first, report, report || kind == kind::WATCH_STATUS)?;
                match kind {
                    kind::BATCH_STATUS => Args::BatchStatus(ids),
                    kind::WATCH_STATUS => Args::WatchStatus(ids),
                    _ => Args::WaitForState(ids, parse_until(until)?),
                }
            }
            _ => return Err(Error::invalid("unknown call kind")),
        })
    }

    /// Build the call's machine and hand it to the driver.
    fn start(self, call: &mut CallOptions, shared: Shared, start: Start) -> Call {
        let (o, now_ms) = (&call.options, start.now_ms);
        match self {
            Args::BatchStatus(ids) => {
                start.call(BatchCall::new(ids, o.batch, shared), |m, out| batch_json(out, m.allow_partial()))
            }
            Args::PrepareProgress(target) => start
                .call(PrepareCall::new(target, shared, now_ms), |_, (progress, request_id)| {
                    progress_json(progress, request_id)
                }),
            Args::WaitPrepared(target) => {
                start.call(WaitCall::new(target, shared, o.poll, now_ms), |_, report| report_json(report))
            }
            Args::WatchStatus(ids) => fleet::watch_status(start, ids, call, shared),
            Args::WaitForState(ids, until) => fleet::wait_for_state(start, ids, until, call, shared),
            Args::WaitPreparedAll(targets) => fleet::wait_prepared_all(start, targets, call, shared),
        }
    }
}

/// What every call starts with besides its own arguments.
pub(crate) struct Start {
    pub host: Host,
    pub aborted: bool,
    pub now_ms: f64,
}

impl Start {
    /// Hand `machine` to the driver.
    pub fn call<M: Machine + 'static>(self, machine: M, render: Render<M>) -> Call {
        Call::start(self.host, machine, render, self.aborted, self.now_ms)
    }
}
