//! `waitPreparedAll` as a state machine: one [`WaitCall`] per instance, at
//! most `concurrency` of them under way, each outcome kept in input order.
//!
//! One instance's failure is its own outcome; only the caller's abort ends
//! the whole call. Each wait numbers its exchanges from `(index + 1) << 16`,
//! so an event's ID says which wait it belongs to.

use crate::engine::call::{Action, Event, ExchangeId, Machine, Notice, Shared, Wake};
use crate::engine::error::Error;
use crate::engine::fleet::{earliest, FleetNotice};
use crate::engine::input::target_from_json;
use crate::engine::json::{self, Json};
use crate::engine::output::{cat, decimal};
use crate::engine::poll::{PollPolicy, ProgressReport};
use crate::engine::prepare::{Target, WaitCall};
use crate::prelude::*;

/// Default `concurrency` of `waitPreparedAll`.
pub const DEFAULT_WAITS: usize = 8;
/// Most instances one call takes (exchange IDs carry the index in 16 bits).
pub const MAX_TARGETS: usize = 10_000;

/// The `requests` argument: an array of `{ userId, instanceId }`.
pub fn parse_targets(text: &str) -> Result<Vec<Target>, Error> {
    let doc = json::parse(text).unwrap_or(Json::Null);
    let Some(items) = doc.as_array() else {
        return Err(Error::invalid("requests must be an array of { userId, instanceId } objects"));
    };
    if items.len() > MAX_TARGETS {
        return Err(Error::invalid("requests has more than 10000 entries; at most 10000 per call"));
    }
    let mut targets = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match target_from_json(item) {
            Ok(target) => targets.push(target),
            Err(e) => return Err(Error::invalid(cat(&["requests[", &decimal(i as i64), "]: ", &e.message]))),
        }
    }
    Ok(targets)
}

/// What became of one instance.
pub type PreparedOutcome = (Target, Result<ProgressReport, Error>);

/// One wait under way.
#[derive(Debug)]
struct Active {
    index: usize,
    call: WaitCall,
    wake: Option<f64>,
}

/// A `waitPreparedAll` call.
#[derive(Debug)]
pub struct PrepareAllCall {
    shared: Shared,
    targets: Vec<Target>,
    policy: PollPolicy,
    concurrency: usize,
    next: usize,
    active: Vec<Active>,
    outcomes: Vec<Option<Result<ProgressReport, Error>>>,
    aborted: bool,
    finished: bool,
    wake: Wake,
}

fn owner(id: ExchangeId) -> usize {
    ((id >> 16) as usize).wrapping_sub(1)
}

impl PrepareAllCall {
    /// Waits for `targets` (validated, at most [`MAX_TARGETS`]).
    pub fn new(targets: Vec<Target>, shared: Shared, policy: PollPolicy, concurrency: usize) -> Self {
        // Filled without `Clone` (vec![None; n] would clone outcomes, errors and all).
        let mut outcomes = Vec::new();
        outcomes.resize_with(targets.len(), || None);
        PrepareAllCall {
            outcomes,
            shared,
            targets,
            policy,
            concurrency: concurrency.max(1),
            next: 0,
            active: Vec::new(),
            aborted: false,
            finished: false,
            wake: Wake::default(),
        }
    }
}

impl Machine for PrepareAllCall {
    type Output = Vec<PreparedOutcome>;

    fn handle(&mut self, event: Event, now_ms: f64) {
        if self.finished {
            return;
        }
        let id = match &event {
            Event::Aborted => {
                self.aborted = true;
                self.active.clear();
                return;
            }
            Event::Woke => {
                self.wake.fired();
                for active in &mut self.active {
                    active.wake = None;
                    active.call.handle(Event::Woke, now_ms);
                }
                return;
            }
            Event::Exchanged { id, .. } | Event::Token { id, .. } => *id,
        };
        if let Some(active) = self.active.iter_mut().find(|a| a.index == owner(id)) {
            active.call.handle(event, now_ms);
        }
    }

    fn next_action(&mut self, now_ms: f64) -> Option<Action<Self::Output>> {
        if self.finished {
            return None;
        }
        if self.aborted {
            self.finished = true;
            return Some(Action::Finish(Err(Error::aborted())));
        }
        while self.active.len() < self.concurrency && self.next < self.targets.len() {
            let index = self.next;
            self.next += 1;
            let shared = self.shared.fork(((index as u32) + 1) << 16);
            let call = WaitCall::new(self.targets[index].clone(), shared, self.policy, now_ms);
            self.active.push(Active { index, call, wake: None });
        }
        let mut slot = 0;
        while slot < self.active.len() {
            let active = &mut self.active[slot];
            match active.call.next_action(now_ms) {
                None => slot += 1,
                Some(Action::WakeAt(at)) => active.wake = Some(at),
                Some(Action::Finish(result)) => {
                    let index = active.index;
                    let on_the_wire = active.call.exchange_in_flight();
                    self.outcomes[index] = Some(result);
                    self.active.swap_remove(slot);
                    // A wait that ended on its deadline with a poll on the wire: that poll goes too.
                    if let Some(id) = on_the_wire {
                        return Some(Action::Cancel(id));
                    }
                    return self.next_action(now_ms);
                }
                Some(Action::Notify(Notice::Progress(report))) => {
                    let target = self.targets[active.index].clone();
                    return Some(Action::Notify(Notice::Fleet(FleetNotice::Prepared(target, report))));
                }
                Some(Action::Notify(notice)) => return Some(Action::Notify(notice)),
                Some(Action::Send(out)) => return Some(Action::Send(out)),
                Some(Action::Cancel(id)) => return Some(Action::Cancel(id)),
                Some(Action::GetToken { id, force_refresh }) => {
                    return Some(Action::GetToken { id, force_refresh })
                }
            }
        }
        if self.active.is_empty() && self.next >= self.targets.len() {
            self.finished = true;
            let mut all = Vec::with_capacity(self.targets.len());
            for (target, outcome) in self.targets.iter().zip(&mut self.outcomes) {
                all.push((target.clone(), outcome.take().unwrap_or_else(|| Err(Error::aborted()))));
            }
            return Some(Action::Finish(Ok(all)));
        }
        let mut at = None;
        for active in &self.active {
            at = earliest(at, active.wake);
        }
        self.wake.ask(at)
    }
}
