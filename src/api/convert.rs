//! Rust results to plain JavaScript objects, once, at the boundary.

use crate::client::BatchOutcome;
use crate::core::poll::ProgressReport;
use crate::core::response::PrepareProgress;
use crate::core::state::instance_state;
use crate::core::Error;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

fn set(target: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

fn opt_str(value: &Option<String>) -> JsValue {
    value.as_deref().map_or(JsValue::NULL, JsValue::from_str)
}

fn strings<'a>(items: impl IntoIterator<Item = &'a String>) -> Array {
    items.into_iter().map(|s| JsValue::from_str(s)).collect()
}

/// `{ statuses: [{ instanceId, status, state }], missing, requestIds, errors? }`.
pub fn batch_outcome_to_js(outcome: BatchOutcome, with_errors: bool) -> JsValue {
    let statuses: Array = outcome
        .merged
        .statuses
        .iter()
        .map(|r| {
            let item = Object::new();
            set(&item, "instanceId", r.instance_id.as_str());
            set(&item, "status", r.status as f64);
            set(&item, "state", instance_state(r.status));
            JsValue::from(item)
        })
        .collect();
    let result = Object::new();
    set(&result, "statuses", statuses);
    set(&result, "missing", strings(&outcome.merged.missing));
    set(&result, "requestIds", strings(&outcome.request_ids));
    if with_errors {
        let errors: Array = outcome
            .errors
            .iter()
            .map(|(ids, error)| {
                let item = Object::new();
                set(&item, "instanceIds", strings(ids));
                set(&item, "error", error_to_js(error));
                JsValue::from(item)
            })
            .collect();
        set(&result, "errors", errors);
    }
    result.into()
}

fn progress_object(progress: &PrepareProgress, request_id: &str) -> Object {
    let item = Object::new();
    set(&item, "status", progress.status as f64);
    set(&item, "state", progress.state().name());
    set(&item, "waitingCount", progress.waiting_count.map_or(JsValue::NULL, |c| JsValue::from(c as f64)));
    set(&item, "requestId", request_id);
    item
}

/// `{ status, state, waitingCount, requestId }`.
pub fn progress_to_js(progress: &PrepareProgress, request_id: &str) -> JsValue {
    progress_object(progress, request_id).into()
}

/// `{ status, state, waitingCount, requestId, attempt, elapsedMs }`.
pub fn report_to_js(report: &ProgressReport) -> JsValue {
    let item = progress_object(&report.progress, &report.request_id);
    set(&item, "attempt", report.attempt);
    set(&item, "elapsedMs", report.elapsed_ms as f64);
    item.into()
}

/// The rejection payload the JS entry turns into a `KooPhoneError`.
pub fn error_to_js(error: &Error) -> JsValue {
    let payload = Object::new();
    set(&payload, "name", "KooPhoneError");
    set(&payload, "code", error.kind.code());
    set(&payload, "message", error.message.as_str());
    set(&payload, "httpStatus", error.http_status.map_or(JsValue::NULL, JsValue::from));
    set(&payload, "errorCode", opt_str(&error.error_code));
    set(&payload, "errorMsg", opt_str(&error.error_msg));
    set(&payload, "requestId", opt_str(&error.request_id));
    set(&payload, "retryable", error.retryable());
    set(&payload, "progress", error.progress.as_deref().map_or(JsValue::NULL, report_to_js));
    payload.into()
}
