//! The `#[wasm_bindgen]` exports: read the described arguments, build the
//! call's state machine, hand it to the driver. No logic here that a native
//! test could cover.
//!
//! These exports are internal: the package's JavaScript entry
//! (`pkg-template/src/index.js`) describes the caller's arguments as JSON
//! behind guards, creates the host, and turns the settled JSON into results
//! and `KooPhoneError`s.

mod credentials;
mod fleet;

pub use fleet::ClientScheduler;

use crate::driver::{start_error, Call, Host};
use crate::engine::batch::BatchCall;
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
    page_origin: Option<String>,
    seed: f64,
    now_ms: f64,
    client: &ClientScheduler,
) -> Result<(CallOptions, Shared), Error> {
    let call = CallOptions::from_json(options, page_origin.as_deref())?;
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

/// `batchStatus(instanceIds, options)`.
#[wasm_bindgen(js_name = startBatchStatus)]
#[allow(clippy::too_many_arguments)]
pub fn start_batch_status(
    host: Host,
    ids: &str,
    options: &str,
    page_origin: Option<String>,
    aborted: bool,
    now_ms: f64,
    seed: f64,
    client: &ClientScheduler,
) -> Result<Call, JsValue> {
    let (call, shared) = setup(options, page_origin, seed, now_ms, client).map_err(|e| start_error(&e))?;
    let report = call.fleet.report_invalid;
    let (ids, _) = read_ids(ids, report, report).map_err(|e| start_error(&e))?;
    let machine = BatchCall::new(ids, call.options.batch, shared);
    Ok(Call::start(host, machine, |m, out| batch_json(out, m.allow_partial()), aborted, now_ms))
}

/// `prepareProgress({ userId, instanceId }, options)`: one reading.
#[wasm_bindgen(js_name = startPrepareProgress)]
#[allow(clippy::too_many_arguments)]
pub fn start_prepare_progress(
    host: Host,
    target: &str,
    options: &str,
    page_origin: Option<String>,
    aborted: bool,
    now_ms: f64,
    seed: f64,
    client: &ClientScheduler,
) -> Result<Call, JsValue> {
    let (_, shared) = setup(options, page_origin, seed, now_ms, client).map_err(|e| start_error(&e))?;
    let target = parse_target(target).map_err(|e| start_error(&e))?;
    let machine = PrepareCall::new(target, shared, now_ms);
    Ok(Call::start(
        host,
        machine,
        |_, (progress, request_id)| progress_json(progress, request_id),
        aborted,
        now_ms,
    ))
}

/// `waitPrepared({ userId, instanceId }, options)`: poll until final.
#[wasm_bindgen(js_name = startWaitPrepared)]
#[allow(clippy::too_many_arguments)]
pub fn start_wait_prepared(
    host: Host,
    target: &str,
    options: &str,
    page_origin: Option<String>,
    aborted: bool,
    now_ms: f64,
    seed: f64,
    client: &ClientScheduler,
) -> Result<Call, JsValue> {
    let (call, shared) = setup(options, page_origin, seed, now_ms, client).map_err(|e| start_error(&e))?;
    let target = parse_target(target).map_err(|e| start_error(&e))?;
    let machine = WaitCall::new(target, shared, call.options.poll, now_ms);
    Ok(Call::start(host, machine, |_, report| report_json(report), aborted, now_ms))
}
