//! The `#[wasm_bindgen]` exports: convert arguments, run the operation,
//! convert the result. No logic here that a native test could cover.
//!
//! These exports are internal: the package's JavaScript entry wraps them to
//! add lazy initialisation and to turn rejection payloads into
//! `KooPhoneError` instances (see `pkg-template/src/index.js`).

mod convert;
mod input;
mod interop;

use crate::client;
use crate::engine::Error;
use convert::{batch_outcome_to_js, error_to_js, progress_to_js, report_to_js};
use input::{call_context, instance_ids, prepare_request};
use std::future::Future;
use wasm_bindgen::prelude::*;

/// Run an operation and map its error, once, to the payload the JS entry
/// turns into a `KooPhoneError`.
async fn settle(operation: impl Future<Output = Result<JsValue, Error>>) -> Result<JsValue, JsValue> {
    operation.await.map_err(|e| error_to_js(&e))
}

/// `batchStatus(instanceIds, options)`: resolves with
/// `{ statuses, missing, requestIds, errors? }`, rejects with an error payload.
#[wasm_bindgen(js_name = batchStatus)]
pub async fn batch_status(instance_ids_value: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    settle(async {
        let (ctx, _) = call_context(&options)?;
        let ids = instance_ids(&instance_ids_value)?;
        let outcome = client::batch_status(&ctx, ids).await?;
        Ok(batch_outcome_to_js(outcome, ctx.options.batch.allow_partial))
    })
    .await
}

/// `prepareProgress({ userId, instanceId }, options)`: one reading,
/// `{ status, state, waitingCount, requestId }`.
#[wasm_bindgen(js_name = prepareProgress)]
pub async fn prepare_progress(request: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    settle(async {
        let (ctx, _) = call_context(&options)?;
        let (user_id, instance_id) = prepare_request(&request)?;
        let (progress, request_id) = client::prepare_progress(&ctx, &user_id, &instance_id).await?;
        Ok(progress_to_js(&progress, &request_id))
    })
    .await
}

/// `waitPrepared({ userId, instanceId }, options)`: resolves with the final
/// progress report once the instance is `normal`.
#[wasm_bindgen(js_name = waitPrepared)]
pub async fn wait_prepared(request: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    settle(async {
        let (ctx, on_progress) = call_context(&options)?;
        let (user_id, instance_id) = prepare_request(&request)?;
        let notify = |report: &_| {
            if let Some(callback) = &on_progress {
                // A throwing callback must not end the wait; its error is the caller's own.
                let _ = callback.call1(&JsValue::UNDEFINED, &report_to_js(report));
            }
        };
        let report = client::wait_prepared(&ctx, &user_id, &instance_id, &notify).await?;
        Ok(report_to_js(&report))
    })
    .await
}
