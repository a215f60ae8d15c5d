//! `batchStatus`: chunks sent with bounded concurrency, merged in input order.

use super::attempt::send_with_retry;
use super::join::join_all;
use super::Context;
use crate::engine::chunk::{ChunkMerge, ChunkPlan, MergedStatuses};
use crate::engine::request::batch_status_request;
use crate::engine::response::parse_batch_status;
use crate::engine::{Error, ErrorKind};
use crate::transport::AbortScope;
use std::cell::{Cell, RefCell};
use web_sys::AbortSignal;

/// The result of one `batchStatus` call.
pub struct BatchOutcome {
    pub merged: MergedStatuses,
    /// Every `x-request-id` sent, in sending order.
    pub request_ids: Vec<String>,
    /// With `allowPartial`: the chunks that failed, with their IDs.
    pub errors: Vec<(Vec<String>, Error)>,
}

/// Query the status of `ids` (already validated).
///
/// Without `allowPartial`, the first failed chunk aborts the chunks still in
/// flight and becomes the call's error. With it, failed chunks are reported in
/// [`BatchOutcome::errors`] and the rest still succeed. An abort by the
/// caller's signal always fails the whole call.
pub async fn batch_status(ctx: &Context, ids: Vec<String>) -> Result<BatchOutcome, Error> {
    let opts = ctx.options.batch;
    let plan = ChunkPlan::new(ids, opts.chunk_size);
    // Several chunks share a scope so that the first failure can cancel the
    // rest; a single chunk just follows the caller's signal (an AbortController
    // is not free: about 20 µs in Node).
    let scope = if plan.chunk_count() > 1 { Some(AbortScope::new(ctx.signal.as_ref())?) } else { None };
    let signal = scope.as_ref().map(AbortScope::signal).or_else(|| ctx.signal.clone());
    let cancelled = || signal.as_ref().is_some_and(AbortSignal::aborted);
    let next_chunk = Cell::new(0);
    let merge = RefCell::new(ChunkMerge::new(&plan));
    let sent = RefCell::new(Vec::new());
    let errors = RefCell::new(Vec::new());
    let fatal = RefCell::new(None::<Error>);

    let worker = || async {
        loop {
            let index = next_chunk.get();
            if index >= plan.chunk_count() || cancelled() {
                return;
            }
            next_chunk.set(index + 1);
            let chunk = plan.chunk(index);
            let outcome = send_with_retry(
                ctx,
                signal.as_ref(),
                |rid, token| batch_status_request(&ctx.options.endpoint, chunk, rid, token),
                parse_batch_status,
                None,
                &sent,
            )
            .await;
            match outcome {
                Ok((results, _)) => merge.borrow_mut().add(&plan, index, results),
                Err(failure) => {
                    let error = failure.into_error();
                    merge.borrow_mut().fail(index);
                    if opts.allow_partial && error.kind != ErrorKind::Aborted {
                        errors.borrow_mut().push((chunk.to_vec(), error));
                    } else {
                        // Keep the first real failure; the aborts it causes are noise.
                        fatal.borrow_mut().get_or_insert(error);
                        if let Some(scope) = &scope {
                            scope.abort();
                        }
                        return;
                    }
                }
            }
        }
    };
    let workers = opts.concurrency.min(plan.chunk_count()).max(1);
    join_all((0..workers).map(|_| worker()).collect()).await;

    if let Some(error) = fatal.into_inner() {
        return Err(error);
    }
    // Workers also stop early when the caller's signal fired before or between chunks.
    if cancelled() {
        return Err(Error::aborted());
    }
    if let Some(scope) = scope {
        scope.finish();
    }
    Ok(BatchOutcome {
        merged: merge.into_inner().finish(&plan),
        request_ids: sent.into_inner(),
        errors: errors.into_inner(),
    })
}
