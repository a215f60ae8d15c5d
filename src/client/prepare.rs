//! `prepareProgress` (one reading) and `waitPrepared` (poll until final).

use super::attempt::{send_with_retry, Failure};
use super::Context;
use crate::engine::poll::{PollDecision, Poller, ProgressReport};
use crate::engine::request::prepare_progress_request;
use crate::engine::response::{parse_prepare_progress, PrepareProgress};
use crate::engine::Error;
use crate::transport::{monotonic_ms, sleep};
use std::cell::RefCell;
use web_sys::AbortSignal;

async fn read_progress(
    ctx: &Context,
    signal: Option<&AbortSignal>,
    user_id: &str,
    instance_id: &str,
    deadline_ms: Option<f64>,
) -> Result<(PrepareProgress, String), Failure> {
    let sent = RefCell::new(Vec::new());
    send_with_retry(
        ctx,
        signal,
        |rid, token| prepare_progress_request(&ctx.options.endpoint, user_id, instance_id, rid, token),
        parse_prepare_progress,
        deadline_ms,
        &sent,
    )
    .await
}

/// One `prepare-progress` reading (with retries). Returns it and its request ID.
pub async fn prepare_progress(
    ctx: &Context,
    user_id: &str,
    instance_id: &str,
) -> Result<(PrepareProgress, String), Error> {
    read_progress(ctx, ctx.signal.as_ref(), user_id, instance_id, None).await.map_err(Failure::into_error)
}

/// Poll until the instance is `normal`, has failed, or `maxWaitMs` passed;
/// `on_progress` sees every reading. See [`crate::engine::poll`] for the policy.
pub async fn wait_prepared(
    ctx: &Context,
    user_id: &str,
    instance_id: &str,
    on_progress: &dyn Fn(&ProgressReport),
) -> Result<ProgressReport, Error> {
    // The caller's signal is followed directly: each attempt has its own
    // scope (see `Transport::send`) and sleeps listen to it.
    let signal = ctx.signal.as_ref();
    let started = monotonic_ms();
    let mut poller = Poller::new(ctx.options.poll, instance_id, started);
    let deadline = started + f64::from(ctx.options.poll.max_wait_ms);
    loop {
        let polled_at = monotonic_ms();
        let (progress, request_id) =
            match read_progress(ctx, signal, user_id, instance_id, Some(deadline)).await {
                Ok(reading) => reading,
                Err(Failure::Deadline(e)) => return Err(poller.timeout_error(Some(&e))),
                Err(Failure::GaveUp(e)) => return Err(poller.with_last_progress(e)),
            };
        let (report, decision) = poller.observe(progress, &request_id, polled_at, monotonic_ms());
        on_progress(&report);
        match decision {
            PollDecision::Ready => return Ok(report),
            PollDecision::Stop(error) => return Err(error),
            PollDecision::PollIn(delay) => {
                sleep(delay, signal).await.map_err(|e| poller.with_last_progress(e))?;
            }
        }
    }
}
