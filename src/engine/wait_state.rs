//! `waitForState` as a state machine: rounds of `batch-query-status`
//! `interval_ms` apart (start to start) until every ID is in one of the
//! wanted states.
//!
//! It fails with `STATE_FAILED` as soon as an ID is reported in a `failOn`
//! state, with `WAIT_TIMEOUT` when `maxWaitMs` passes (a round under way is
//! dropped then), with an error the next round would meet again (see
//! [`is_permanent`]), and with `ABORTED`. Other failed rounds are simply
//! followed by the next one. Missing IDs count as pending.

use crate::engine::batch::BatchOutcome;
use crate::engine::call::{Action, Event, Machine, Notice, Shared, Wake};
use crate::engine::error::{Error, ErrorKind};
use crate::engine::fleet::{
    apply_round, distinct, earliest, is_permanent, view_lists, FleetNotice, Rounds, StateRound, Step, View,
};
use crate::engine::json::{self, Json};
use crate::engine::options::BatchOptions;
use crate::engine::response::StatusResult;
use crate::engine::state::instance_state;
use crate::prelude::*;

/// Default `maxWaitMs` of `waitForState` (10 minutes).
pub const DEFAULT_MAX_WAIT_MS: u32 = 600_000;
/// Every state name `until` and `failOn` may use.
pub const STATE_NAMES: [&str; 7] =
    ["unknown", "stopped", "running", "offline", "starting", "shutdown", "unrecognized"];
/// IDs named in an error message, at most.
const LISTED: usize = 20;

/// The result: the final statuses, how long it took, how many rounds.
#[derive(Clone, Debug, PartialEq)]
pub struct StateOutcome {
    pub statuses: Vec<StatusResult>,
    pub elapsed_ms: u64,
    pub rounds: u32,
}

/// A list of state names (`until`, `failOn`): one name or an array of them.
pub fn parse_states(what: &str, value: &Json, allow_empty: bool) -> Result<Vec<&'static str>, Error> {
    let states = || {
        let items = match value {
            Json::String(_) => core::slice::from_ref(value),
            Json::Array(items) if !items.is_empty() || allow_empty => items.as_slice(),
            _ => return None,
        };
        let mut states = Vec::with_capacity(items.len());
        for item in items {
            let text = item.as_str()?;
            states.push(*STATE_NAMES.iter().find(|name| **name == text)?);
        }
        Some(states)
    };
    states().ok_or_else(|| {
        Error::invalid(
            what.to_owned()
                + " must be a state name or an array of them: unknown, stopped, running, offline, starting, shutdown, unrecognized",
        )
    })
}

/// The `until` argument, from its JSON.
pub fn parse_until(text: &str) -> Result<Vec<&'static str>, Error> {
    let value = json::parse(text).unwrap_or(Json::Null);
    parse_states("until", &value, false)
}

/// A `waitForState` call.
#[derive(Debug)]
pub struct StateCall {
    ids: Vec<String>,
    view: View,
    until: Vec<&'static str>,
    fail_on: Vec<&'static str>,
    rounds: Rounds,
    interval_ms: f64,
    started_at: f64,
    deadline: f64,
    round: u32,
    next_round_at: f64,
    notice: Option<StateRound>,
    outcome: Option<Result<StateOutcome, Error>>,
    finished: bool,
    wake: Wake,
}

impl StateCall {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ids: Vec<String>,
        until: Vec<&'static str>,
        fail_on: Vec<&'static str>,
        batch: BatchOptions,
        mut shared: Shared,
        interval_ms: u32,
        max_wait_ms: u32,
        now_ms: f64,
    ) -> Self {
        let ids = distinct(ids);
        let deadline = now_ms + f64::from(max_wait_ms);
        shared.deadline_ms = Some(deadline);
        StateCall {
            view: vec![None; ids.len()],
            ids,
            until,
            fail_on,
            rounds: Rounds::new(shared, batch),
            interval_ms: f64::from(interval_ms),
            started_at: now_ms,
            deadline,
            round: 0,
            next_round_at: now_ms,
            notice: None,
            outcome: None,
            finished: false,
            wake: Wake::default(),
        }
    }

    fn state(&self, i: usize) -> Option<&'static str> {
        self.view[i].map(instance_state)
    }

    fn elapsed(&self, now_ms: f64) -> u64 {
        (now_ms - self.started_at).max(0.0) as u64
    }

    fn round_done(&mut self, result: Result<BatchOutcome, Error>, now_ms: f64) {
        match result {
            Err(error) if is_permanent(&error) => self.outcome = Some(Err(error)),
            Err(_) => {}
            Ok(outcome) => {
                apply_round(&self.ids, &mut self.view, &outcome);
                let failed = self.listing(&self.fail_on, true);
                if !failed.is_empty() {
                    let message = String::from("an instance entered a failOn state: ") + &failed;
                    self.outcome = Some(Err(Error::new(ErrorKind::StateFailed, message)));
                    return;
                }
                let mut round = StateRound {
                    round: self.round,
                    elapsed_ms: self.elapsed(now_ms),
                    done: Vec::new(),
                    pending: Vec::new(),
                    missing: Vec::new(),
                };
                for (i, id) in self.ids.iter().enumerate() {
                    match self.state(i) {
                        Some(s) if self.until.contains(&s) => round.done.push(id.clone()),
                        Some(_) => round.pending.push(id.clone()),
                        None => {
                            round.pending.push(id.clone());
                            round.missing.push(id.clone());
                        }
                    }
                }
                if round.pending.is_empty() {
                    let (statuses, _) = view_lists(&self.ids, &self.view);
                    self.outcome =
                        Some(Ok(StateOutcome { statuses, elapsed_ms: round.elapsed_ms, rounds: self.round }));
                }
                self.notice = Some(round);
            }
        }
    }

    /// `id (state), ...` for the IDs whose state is (`inside`) or is not in
    /// `states` (an ID not reported is in none), at most [`LISTED`] of them;
    /// empty when there is none.
    fn listing(&self, states: &[&'static str], inside: bool) -> String {
        let mut text = String::new();
        let mut listed = 0;
        for (i, id) in self.ids.iter().enumerate() {
            let state = self.state(i);
            if state.is_some_and(|s| states.contains(&s)) != inside {
                continue;
            }
            listed += 1;
            if listed > LISTED {
                continue;
            }
            if listed > 1 {
                text.push_str(", ");
            }
            text.push_str(id);
            text.push_str(" (");
            text.push_str(state.unwrap_or("not reported"));
            text.push(')');
        }
        if listed > LISTED {
            text.push_str(" and more");
        }
        text
    }

    fn timed_out(&mut self) {
        self.rounds.stop();
        let pending = self.listing(&self.until, false);
        let mut message = String::from("not every instance reached ");
        for (i, state) in self.until.iter().enumerate() {
            message.push_str(if i > 0 { " or " } else { "" });
            message.push_str(state);
        }
        message.push_str(" within maxWaitMs; still pending: ");
        message.push_str(&pending);
        self.outcome = Some(Err(Error::new(ErrorKind::WaitTimeout, message)));
    }
}

impl Machine for StateCall {
    type Output = StateOutcome;

    fn handle(&mut self, event: Event, now_ms: f64) {
        if self.outcome.is_some() || self.finished {
            return;
        }
        self.outcome = self.rounds.handle(event, now_ms, &mut self.wake).map(Err);
    }

    fn next_action(&mut self, now_ms: f64) -> Option<Action<StateOutcome>> {
        if self.finished {
            return None;
        }
        loop {
            if let Some(round) = self.notice.take() {
                return Some(Action::Notify(Notice::Fleet(FleetNotice::StateRound(round))));
            }
            if let Some(outcome) = self.outcome.take() {
                self.rounds.stop();
                self.finished = true;
                return Some(Action::Finish(outcome));
            }
            if let Some(id) = self.rounds.take_cancel() {
                return Some(Action::Cancel(id));
            }
            if now_ms >= self.deadline {
                self.timed_out();
                continue;
            }
            if !self.rounds.running() {
                if self.next_round_at >= self.deadline {
                    return self.wake.ask(Some(self.deadline));
                }
                if now_ms < self.next_round_at {
                    return self.wake.ask(Some(self.next_round_at));
                }
                self.round += 1;
                self.next_round_at = now_ms + self.interval_ms;
                self.rounds.start(self.ids.clone());
                continue;
            }
            match self.rounds.next(now_ms) {
                Step::Act(action) => return Some(action),
                Step::Done(result) => self.round_done(result, now_ms),
                Step::Idle => return self.wake.ask(earliest(self.rounds.wake, Some(self.deadline))),
            }
        }
    }
}
