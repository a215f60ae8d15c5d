//! Exports of the fleet features: a client's scheduler handle, `watchStatus`,
//! `waitForState`, `waitPreparedAll` and `checkInstanceIds`.

use super::Start;
use crate::driver::{start_error, Call};
use crate::engine::call::Shared;
use crate::engine::fleet_options::parse_scheduler_config;
use crate::engine::fleet_output::{checked_json, prepared_all_json, state_outcome_json};
use crate::engine::id_check::read_ids;
use crate::engine::options::CallOptions;
use crate::engine::prepare::Target;
use crate::engine::prepare_all::{PrepareAllCall, DEFAULT_WAITS};
use crate::engine::scheduler::{Scheduler, SharedScheduler};
use crate::engine::wait_state::{StateCall, DEFAULT_MAX_WAIT_MS};
use crate::engine::watch::{WatchCall, DEFAULT_INTERVAL_MS};
use crate::prelude::*;
use wasm_bindgen::prelude::*;

/// The scheduler of one client (`createClient`), shared by all its calls.
#[wasm_bindgen]
pub struct ClientScheduler {
    inner: Option<SharedScheduler>,
}

impl ClientScheduler {
    pub(super) fn shared(&self) -> Option<SharedScheduler> {
        self.inner.clone()
    }
}

#[wasm_bindgen]
impl ClientScheduler {
    /// From the described `{ rateLimit, maxConcurrentRequests, retryBudget }`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> Result<ClientScheduler, JsValue> {
        let config = match parse_scheduler_config(options) {
            Ok(config) => config,
            Err(error) => return Err(start_error(&error)),
        };
        Ok(ClientScheduler { inner: Some(Scheduler::shared(config)) })
    }

    /// No scheduler: the standalone functions' per-call behaviour.
    pub fn none() -> ClientScheduler {
        ClientScheduler { inner: None }
    }

    /// Whether a request waited for a slot since the last call: the client
    /// then wakes its calls so they try again.
    #[wasm_bindgen(js_name = takeSlotWaiters)]
    pub fn take_slot_waiters(&self) -> bool {
        let scheduler = self.inner.as_ref().and_then(|s| s.try_borrow_mut().ok());
        scheduler.is_some_and(|mut s| s.take_slot_waiters())
    }
}

/// `checkInstanceIds(ids)`: `{ valid, invalid }` as JSON; throws the error
/// payload when `ids` is not an array at all.
#[wasm_bindgen(js_name = checkInstanceIds)]
pub fn check_instance_ids(ids: &str) -> Result<String, JsValue> {
    match read_ids(ids, true, true) {
        Ok((valid, invalid)) => Ok(checked_json(&valid, &invalid)),
        Err(error) => Err(start_error(&error)),
    }
}

/// `watchStatus(instanceIds, options)`: events come through `host.notify("watch", …)`.
pub(super) fn watch_status(start: Start, ids: Vec<String>, call: &CallOptions, shared: Shared) -> Call {
    let f = &call.fleet;
    let machine = WatchCall::new(
        ids,
        call.options.batch,
        shared,
        f.interval_ms.unwrap_or(DEFAULT_INTERVAL_MS),
        f.emit_initial.unwrap_or(true),
        start.now_ms,
    );
    start.call(machine, |_, ()| "null".to_owned())
}

/// `waitForState(instanceIds, until, options)`.
pub(super) fn wait_for_state(
    start: Start,
    ids: Vec<String>,
    until: Vec<&'static str>,
    call: &mut CallOptions,
    shared: Shared,
) -> Call {
    let max_wait_ms =
        if call.given.max_wait_ms { call.options.poll.max_wait_ms } else { DEFAULT_MAX_WAIT_MS };
    let machine = StateCall::new(
        ids,
        until,
        core::mem::take(&mut call.fleet.fail_on),
        call.options.batch,
        shared,
        call.fleet.interval_ms.unwrap_or(DEFAULT_INTERVAL_MS),
        max_wait_ms,
        start.now_ms,
    );
    start.call(machine, |_, outcome| state_outcome_json(outcome))
}

/// `waitPreparedAll(requests, options)`.
pub(super) fn wait_prepared_all(
    start: Start,
    targets: Vec<Target>,
    call: &CallOptions,
    shared: Shared,
) -> Call {
    let concurrency = if call.given.concurrency { call.options.batch.concurrency } else { DEFAULT_WAITS };
    start.call(PrepareAllCall::new(targets, shared, call.options.poll, concurrency), |_, outcomes| {
        prepared_all_json(outcomes)
    })
}
