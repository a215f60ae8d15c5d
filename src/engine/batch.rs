//! `batchStatus` as a state machine: IDs cut into chunks, at most
//! `concurrency` chunks under way at once, each chunk a [`Request`] with its
//! own retries, answers merged in input order.
//!
//! Without `allowPartial`, the first chunk that fails for good ends the call
//! with its error (the driver cancels the chunks still in flight when the
//! call finishes). With it, failed chunks are reported beside the statuses,
//! unless every chunk failed: then nothing succeeded, and the call fails with
//! the first error, every chunk's error attached. The caller's abort always
//! ends the call with `ABORTED`.

use crate::engine::call::{Action, Answer, Event, ExchangeId, Machine, Request, Shared, Step, Wake};
use crate::engine::chunk::{ChunkMerge, ChunkPlan, MergedStatuses};
use crate::engine::error::Error;
use crate::engine::options::BatchOptions;
use crate::engine::request::{batch_status_request, BATCH_STATUS_PATH};
use crate::engine::response::parse_batch_status;
use crate::prelude::*;

/// The result of one `batchStatus` call.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchOutcome {
    pub merged: MergedStatuses,
    /// Every `x-request-id` sent, in sending order.
    pub request_ids: Vec<String>,
    /// With `allowPartial`: the chunks that failed, with their IDs.
    pub errors: Vec<(Vec<String>, Error)>,
}

/// One chunk under way.
#[derive(Debug)]
struct Slot {
    chunk: usize,
    request: Request,
}

/// A `batchStatus` call.
#[derive(Debug)]
pub struct BatchCall {
    shared: Shared,
    options: BatchOptions,
    plan: ChunkPlan,
    merge: ChunkMerge,
    next_chunk: usize,
    slots: Vec<Slot>,
    request_ids: Vec<String>,
    errors: Vec<(Vec<String>, Error)>,
    /// The error that ends the call, once there is one.
    fatal: Option<Error>,
    finished: bool,
    wake: Wake,
}

impl BatchCall {
    /// A call for `ids` (already validated).
    pub fn new(ids: Vec<String>, options: BatchOptions, shared: Shared) -> Self {
        let plan = ChunkPlan::new(ids, options.chunk_size);
        BatchCall {
            merge: ChunkMerge::new(&plan),
            plan,
            shared,
            options,
            next_chunk: 0,
            slots: Vec::new(),
            request_ids: Vec::new(),
            errors: Vec::new(),
            fatal: None,
            finished: false,
            wake: Wake::default(),
        }
    }

    /// The shared state of its requests, for the next call of a series
    /// (rounds of a watch keep numbering exchanges where the last one stopped).
    pub fn into_shared(self) -> Shared {
        self.shared
    }

    /// Whether failed chunks are reported beside the statuses.
    pub fn allow_partial(&self) -> bool {
        self.options.allow_partial
    }

    /// Exchanges on the wire right now.
    pub fn in_flight(&self) -> usize {
        self.slots.iter().filter(|s| s.request.in_flight()).count()
    }

    /// The IDs of the exchanges on the wire right now.
    pub fn exchanges_in_flight(&self) -> impl Iterator<Item = ExchangeId> + '_ {
        self.slots.iter().filter_map(|s| s.request.exchange_in_flight())
    }

    /// What became of slot `slot`'s attempt.
    fn answered(&mut self, slot: usize, answer: Answer<Vec<crate::engine::response::StatusResult>>) {
        if let Answer::Retrying = answer {
            return;
        }
        // Answered or failed for good: the chunk leaves its slot.
        let chunk = self.slots.swap_remove(slot).chunk;
        match answer {
            Answer::Retrying => {}
            Answer::Value(results, _) => self.merge.add(&self.plan, chunk, results),
            Answer::GaveUp(error) | Answer::Deadline(error) => {
                self.merge.fail(chunk);
                if self.options.allow_partial {
                    self.errors.push((self.plan.chunk(chunk).to_vec(), error));
                } else {
                    self.fatal.get_or_insert(error);
                }
            }
        }
    }

    // Out of line: inlined, it weighed more in next_action than the call.
    #[inline(never)]
    fn outcome(&mut self) -> Result<BatchOutcome, Error> {
        if let Some(error) = self.fatal.take() {
            return Err(error);
        }
        let errors = std::mem::take(&mut self.errors);
        if !errors.is_empty() && errors.len() == self.plan.chunk_count() {
            // Nothing succeeded: an outage, not a partial answer.
            let mut first = errors[0].1.clone();
            first.chunk_errors = errors;
            return Err(first);
        }
        Ok(BatchOutcome {
            merged: self.merge.finish(&self.plan),
            request_ids: std::mem::take(&mut self.request_ids),
            errors,
        })
    }
}

impl Machine for BatchCall {
    type Output = BatchOutcome;

    fn handle(&mut self, event: Event, now_ms: f64) {
        if self.finished || self.fatal.is_some() {
            return;
        }
        let id = match &event {
            Event::Aborted => {
                self.fatal = Some(Error::aborted());
                return;
            }
            Event::Woke => {
                self.wake.fired();
                return;
            }
            Event::Token { id, .. } | Event::Exchanged { id, .. } => *id,
        };
        let Some(slot) = self.slots.iter().position(|s| s.request.owns(id)) else { return };
        let ids = self.plan.chunk(self.slots[slot].chunk);
        let request = &mut self.slots[slot].request;
        let answer = match event {
            Event::Token { id, outcome } => {
                request.token_arrived(id, outcome, now_ms, &mut self.shared, |e, rid| {
                    batch_status_request(e, ids, rid)
                })
            }
            Event::Exchanged { id, outcome } => request.exchanged(
                id,
                outcome,
                now_ms,
                &mut self.shared,
                BATCH_STATUS_PATH,
                parse_batch_status,
            ),
            Event::Aborted | Event::Woke => None,
        };
        if let Some(answer) = answer {
            self.answered(slot, answer);
        }
    }

    fn next_action(&mut self, now_ms: f64) -> Option<Action<BatchOutcome>> {
        if let Some(notice) = self.shared.take_notice() {
            return Some(Action::Notify(notice));
        }
        if self.finished {
            return None;
        }
        while self.fatal.is_none() {
            if self.slots.is_empty() && self.next_chunk >= self.plan.chunk_count() {
                break;
            }
            while self.slots.len() < self.options.concurrency && self.next_chunk < self.plan.chunk_count() {
                self.slots.push(Slot {
                    chunk: self.next_chunk,
                    request: Request::for_ids(now_ms, self.plan.chunk(self.next_chunk).len()),
                });
                self.next_chunk += 1;
            }
            let mut failed = None;
            for slot in 0..self.slots.len() {
                let ids = self.plan.chunk(self.slots[slot].chunk);
                let request = &mut self.slots[slot].request;
                match request
                    .next_action(now_ms, &mut self.shared, |e, rid| batch_status_request(e, ids, rid))
                {
                    Ok(None) => {}
                    Ok(Some(step)) => {
                        if let Step::Send(outgoing) = &step {
                            self.request_ids.push(outgoing.request.request_id.clone());
                        }
                        return Some(step.into());
                    }
                    Err(answer) => {
                        failed = Some((slot, answer));
                        break;
                    }
                }
            }
            let Some((slot, answer)) = failed else {
                let timeout_ms = self.shared.timeout_ms;
                let mut wake = None;
                for slot in &self.slots {
                    if let Some(at) = slot.request.wake_at(timeout_ms) {
                        wake = Some(wake.map_or(at, |w: f64| w.min(at)));
                    }
                }
                return self.wake.ask(wake);
            };
            self.answered(slot, answer);
        }
        self.finished = true;
        Some(Action::Finish(self.outcome()))
    }
}
