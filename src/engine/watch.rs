//! `watchStatus` as a state machine: rounds of `batch-query-status` that never
//! overlap, started `interval_ms` apart (start to start), each yielding a
//! [`WatchEvent`] when something changed or the round failed.
//!
//! A failed round keeps the last known statuses, reports its error and
//! backs off: the next round starts 2, 4, then 8 intervals after it (reset
//! by a success, which is reported even when nothing changed). An error the next round would meet again (see
//! [`is_permanent`]) ends the watch with it; so does the caller's abort. A
//! watch never ends on its own otherwise.

use crate::engine::call::{Action, Event, Machine, Notice, Shared, Wake};
use crate::engine::error::Error;
use crate::engine::fleet::{
    apply_round, distinct, is_permanent, view_lists, FleetNotice, Rounds, StatusChange, Step, View,
    WatchEvent,
};
use crate::engine::options::BatchOptions;
use crate::prelude::*;

/// Default and smallest `intervalMs`.
pub const DEFAULT_INTERVAL_MS: u32 = 5_000;
pub const MIN_INTERVAL_MS: u32 = 100;
/// Longest backoff after failed rounds, in intervals.
pub const MAX_BACKOFF_INTERVALS: u32 = 8;

/// A `watchStatus` call.
#[derive(Debug)]
pub struct WatchCall {
    ids: Vec<String>,
    view: View,
    rounds: Rounds,
    interval_ms: f64,
    emit_initial: bool,
    round: u32,
    /// Failed rounds in a row.
    failures: u32,
    next_round_at: f64,
    round_started: f64,
    event: Option<WatchEvent>,
    outcome: Option<Error>,
    finished: bool,
    wake: Wake,
}

impl WatchCall {
    /// A watch of `ids` (validated), its first round due at `now_ms`.
    pub fn new(
        ids: Vec<String>,
        batch: BatchOptions,
        shared: Shared,
        interval_ms: u32,
        emit_initial: bool,
        now_ms: f64,
    ) -> Self {
        let ids = distinct(ids);
        WatchCall {
            view: vec![None; ids.len()],
            ids,
            rounds: Rounds::new(shared, batch),
            interval_ms: f64::from(interval_ms),
            emit_initial,
            round: 0,
            failures: 0,
            next_round_at: now_ms,
            round_started: now_ms,
            event: None,
            outcome: None,
            finished: false,
            wake: Wake::default(),
        }
    }

    fn start_round(&mut self, now_ms: f64) {
        self.round += 1;
        self.round_started = now_ms;
        if self.ids.is_empty() {
            // Nothing to ask: one (empty) initial event, then nothing ever changes.
            self.next_round_at = f64::INFINITY;
            if self.emit_initial {
                self.report(Vec::new(), None);
            }
            return;
        }
        self.rounds.start(self.ids.clone());
    }

    fn round_done(&mut self, result: Result<crate::engine::batch::BatchOutcome, Error>) {
        let outcome = match result {
            Err(error) if is_permanent(&error) => {
                self.outcome = Some(error);
                return;
            }
            Err(error) => {
                self.failures += 1;
                self.report(Vec::new(), Some(Box::new(error)));
                return;
            }
            Ok(outcome) => outcome,
        };
        let before = self.view.clone();
        apply_round(&self.ids, &mut self.view, &outcome);
        let first = self.round == 1;
        let mut changes = Vec::new();
        for (i, id) in self.ids.iter().enumerate() {
            let (previous, current) = (before[i], self.view[i]);
            if (first && self.emit_initial) || previous != current {
                changes.push(StatusChange { instance_id: id.clone(), previous, current });
            }
        }
        let error = outcome.errors.first().map(|(_, e)| Box::new(e.clone()));
        // The first good round after failed ones is reported even without
        // changes: it tells the caller the statuses are current again.
        let recovered = self.failures > 0 && error.is_none();
        if error.is_some() {
            self.failures += 1;
        } else {
            self.failures = 0;
        }
        let quiet = changes.is_empty() && error.is_none() && !recovered;
        if (first && !self.emit_initial && error.is_none()) || (quiet && !first) {
            return;
        }
        self.report(changes, error);
    }

    /// The event of this round: `changes`, `error`, and the current view.
    fn report(&mut self, changes: Vec<StatusChange>, error: Option<Box<Error>>) {
        let (statuses, missing) = view_lists(&self.ids, &self.view);
        self.event = Some(WatchEvent { round: self.round, changes, statuses, missing, error });
    }
}

impl Machine for WatchCall {
    type Output = ();

    fn handle(&mut self, event: Event, now_ms: f64) {
        if self.outcome.is_some() || self.finished {
            return;
        }
        self.outcome = self.rounds.handle(event, now_ms, &mut self.wake);
    }

    fn next_action(&mut self, now_ms: f64) -> Option<Action<()>> {
        if self.finished {
            return None;
        }
        loop {
            if let Some(event) = self.event.take() {
                return Some(Action::Notify(Notice::Fleet(FleetNotice::Watch(event))));
            }
            if let Some(error) = self.outcome.take() {
                self.rounds.stop();
                self.finished = true;
                return Some(Action::Finish(Err(error)));
            }
            if let Some(id) = self.rounds.take_cancel() {
                return Some(Action::Cancel(id));
            }
            if !self.rounds.running() {
                if now_ms < self.next_round_at {
                    return self.wake.ask(Some(self.next_round_at).filter(|at| at.is_finite()));
                }
                self.start_round(now_ms);
                continue;
            }
            match self.rounds.next(now_ms) {
                Step::Act(action) => return Some(action),
                Step::Done(result) => {
                    self.round_done(result);
                    // Start to start; after failed rounds 2, 4, then 8 intervals.
                    let backoff = (1u32 << self.failures.min(3)).min(MAX_BACKOFF_INTERVALS);
                    self.next_round_at = self.round_started + self.interval_ms * f64::from(backoff);
                }
                Step::Idle => return self.wake.ask(self.rounds.wake),
            }
        }
    }
}
