//! Rust results to plain JavaScript objects, once, at the boundary.
//!
//! The objects are built by the small JS constructors of `interop.js`, one call
//! per object: far cheaper than a `Reflect.set` (and a key string) per
//! property, which showed up at the top of the per-call profile.

use super::interop::{batch_result, chunk_error, error_payload, progress, report, status_entry};
use crate::client::BatchOutcome;
use crate::engine::poll::ProgressReport;
use crate::engine::response::PrepareProgress;
use crate::engine::state::instance_state;
use crate::engine::Error;
use js_sys::Array;
use wasm_bindgen::JsValue;

fn strings<'a>(items: impl IntoIterator<Item = &'a String>) -> Array {
    items.into_iter().map(|s| JsValue::from_str(s)).collect()
}

/// `{ statuses: [{ instanceId, status, state }], missing, requestIds, errors? }`.
pub fn batch_outcome_to_js(outcome: BatchOutcome, with_errors: bool) -> JsValue {
    let statuses: Array = outcome
        .merged
        .statuses
        .iter()
        .map(|r| status_entry(&r.instance_id, r.status as f64, instance_state(r.status)))
        .collect();
    let errors = with_errors.then(|| {
        outcome
            .errors
            .iter()
            .map(|(ids, error)| chunk_error(strings(ids), error_to_js(error)))
            .collect::<Array>()
    });
    batch_result(statuses, strings(&outcome.merged.missing), strings(&outcome.request_ids), errors)
}

/// `{ status, state, waitingCount, requestId }`.
pub fn progress_to_js(p: &PrepareProgress, request_id: &str) -> JsValue {
    progress(p.status as f64, p.state().name(), p.waiting_count.map(|c| c as f64), request_id)
}

/// `{ status, state, waitingCount, requestId, attempt, elapsedMs }`.
pub fn report_to_js(r: &ProgressReport) -> JsValue {
    let p = &r.progress;
    report(
        p.status as f64,
        p.state().name(),
        p.waiting_count.map(|c| c as f64),
        &r.request_id,
        r.attempt,
        r.elapsed_ms as f64,
    )
}

/// The rejection payload the JS entry turns into a `KooPhoneError`.
pub fn error_to_js(error: &Error) -> JsValue {
    error_payload(
        error.kind.code(),
        &error.message,
        error.http_status,
        error.error_code.clone(),
        error.error_msg.clone(),
        error.request_id.clone(),
        error.retryable(),
        error.progress.as_deref().map_or(JsValue::NULL, report_to_js),
    )
}
