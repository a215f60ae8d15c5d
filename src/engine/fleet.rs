//! Pieces the fleet calls share: their events ([`FleetNotice`]), rounds of
//! `batch-query-status` ([`Rounds`]), one timer for several wants
//! ([`Wake`](crate::engine::call::Wake)), and which errors end a watch or wait at once.

use crate::engine::batch::{BatchCall, BatchOutcome};
use crate::engine::call::{Action, Event, ExchangeId, Machine, Shared, Wake};
use crate::engine::error::{Error, ErrorKind};
use crate::engine::options::BatchOptions;
use crate::engine::poll::ProgressReport;
use crate::engine::prepare::Target;
use crate::engine::response::StatusResult;
use crate::prelude::*;

/// Events of the fleet calls, for the caller.
#[derive(Clone, Debug, PartialEq)]
pub enum FleetNotice {
    /// A `watchStatus` event.
    Watch(WatchEvent),
    /// A `waitForState` round (`onProgress`).
    StateRound(StateRound),
    /// A reading of one of `waitPreparedAll`'s instances (`onProgress`).
    Prepared(Target, ProgressReport),
}

/// One status change: `None` where the server did not report the instance.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusChange {
    pub instance_id: String,
    pub previous: Option<i64>,
    pub current: Option<i64>,
}

/// What a watch round yields.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchEvent {
    pub round: u32,
    pub changes: Vec<StatusChange>,
    /// The current view, in input order (last known statuses after a failed round).
    pub statuses: Vec<StatusResult>,
    pub missing: Vec<String>,
    pub error: Option<Box<Error>>,
}

/// A `waitForState` round, for `onProgress`.
#[derive(Clone, Debug, PartialEq)]
pub struct StateRound {
    pub round: u32,
    pub elapsed_ms: u64,
    pub done: Vec<String>,
    /// Not (yet) in a wanted state; missing IDs included.
    pub pending: Vec<String>,
    pub missing: Vec<String>,
}

/// Whether an error of a round means the next round would fail the same
/// way: bad arguments or credentials, a redirect, an `API` error, or a
/// client error status (other than 408 and 429).
pub fn is_permanent(error: &Error) -> bool {
    match error.kind {
        ErrorKind::InvalidArgument
        | ErrorKind::Auth
        | ErrorKind::Redirect
        | ErrorKind::Api
        | ErrorKind::Internal => true,
        ErrorKind::Http => error.http_status.is_some_and(|s| (400..500).contains(&s) && s != 408 && s != 429),
        _ => false,
    }
}

/// Known statuses of a set of IDs, by position (`None`: not reported).
pub type View = Vec<Option<i64>>;

/// Apply a round's outcome to `view` (positions of `ids`): reported IDs take
/// their status, IDs of a successful chunk that were not reported become
/// `None`, IDs of failed chunks keep what was known. Both lists of the
/// outcome follow the order of `ids`.
pub fn apply_round(ids: &[String], view: &mut View, outcome: &BatchOutcome) {
    let failed = |id: &String| outcome.errors.iter().any(|(chunk, _)| chunk.contains(id));
    let (statuses, missing) = (&outcome.merged.statuses, &outcome.merged.missing);
    // Both lists are walked once, alongside `ids`.
    let (mut found, mut gone) = (0, 0);
    for (id, known) in ids.iter().zip(view.iter_mut()) {
        if let Some(s) = statuses.get(found).filter(|s| s.instance_id == *id) {
            *known = Some(s.status);
            found += 1;
        } else if missing.get(gone) == Some(id) {
            *known = None;
            gone += 1;
        } else if !failed(id) {
            *known = None;
        }
    }
}

/// The statuses and missing IDs of a view.
pub fn view_lists(ids: &[String], view: &View) -> (Vec<StatusResult>, Vec<String>) {
    let mut statuses = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for i in 0..ids.len() {
        match view[i] {
            Some(status) => statuses.push(StatusResult { instance_id: ids[i].clone(), status }),
            None => missing.push(ids[i].clone()),
        }
    }
    (statuses, missing)
}

/// What a round asks for.
pub enum Step<T> {
    /// An action to pass on to the driver (not a wake-up, not a finish).
    Act(Action<T>),
    /// The round is over.
    Done(Result<BatchOutcome, Error>),
    /// Nothing to do now (see [`Rounds::wake`]).
    Idle,
}

/// Rounds of `batch-query-status`, one at a time, sharing one [`Shared`]
/// (so exchange IDs never repeat across rounds).
#[derive(Debug)]
pub struct Rounds {
    shared: Option<Shared>,
    /// Boxed: a round is started and dropped whole, and a pointer moves cheaply.
    batch: Option<Box<BatchCall>>,
    options: BatchOptions,
    /// When the round in progress wants to be woken.
    pub wake: Option<f64>,
    /// Exchanges of a dropped round still on the wire, to be cancelled.
    cancels: Vec<ExchangeId>,
}

impl Rounds {
    pub fn new(shared: Shared, options: BatchOptions) -> Self {
        Rounds { shared: Some(shared), batch: None, options, wake: None, cancels: Vec::new() }
    }

    /// Whether a round is under way.
    pub fn running(&self) -> bool {
        self.batch.is_some()
    }

    /// Start a round for `ids`.
    pub fn start(&mut self, ids: Vec<String>) {
        if let Some(shared) = self.shared.take() {
            self.batch = Some(Box::new(BatchCall::new(ids, self.options, shared)));
        }
    }

    /// Drop the round under way: its exchanges still on the wire are to be
    /// cancelled (see [`Rounds::take_cancel`]).
    pub fn stop(&mut self) {
        if let Some(batch) = self.batch.take() {
            for id in batch.exchanges_in_flight() {
                self.cancels.push(id);
            }
            self.shared = Some(batch.into_shared());
        }
        self.wake = None;
    }

    /// An exchange of a dropped round to cancel: the owner passes each on as
    /// [`Action::Cancel`] before it waits for anything else, so a failed round's
    /// other requests do not run on (a client's scheduler already counts their
    /// slots as free).
    pub fn take_cancel(&mut self) -> Option<ExchangeId> {
        self.cancels.pop()
    }

    /// Pass an event on to the round under way (`wake` is the owner's timer).
    /// The caller's abort stops the round and comes back as its error.
    pub fn handle(&mut self, event: Event, now_ms: f64, wake: &mut Wake) -> Option<Error> {
        match event {
            Event::Aborted => {
                self.stop();
                return Some(Error::aborted());
            }
            Event::Woke => {
                wake.fired();
                self.wake = None;
            }
            _ => {}
        }
        if let Some(batch) = &mut self.batch {
            batch.handle(event, now_ms);
        }
        None
    }

    /// The next thing the round needs.
    pub fn next<T>(&mut self, now_ms: f64) -> Step<T> {
        let Some(batch) = &mut self.batch else { return Step::Idle };
        match batch.next_action(now_ms) {
            None => Step::Idle,
            Some(Action::WakeAt(at)) => {
                self.wake = Some(at);
                Step::Idle
            }
            Some(Action::Finish(result)) => {
                self.stop();
                Step::Done(result)
            }
            Some(Action::Send(out)) => Step::Act(Action::Send(out)),
            Some(Action::GetToken { id, force_refresh }) => Step::Act(Action::GetToken { id, force_refresh }),
            Some(Action::Notify(notice)) => Step::Act(Action::Notify(notice)),
            Some(Action::Cancel(id)) => Step::Act(Action::Cancel(id)),
        }
    }
}

/// The earlier of two wanted times.
pub fn earliest(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The IDs of a call, distinct, in input order.
pub fn distinct(ids: Vec<String>) -> Vec<String> {
    crate::engine::chunk::ChunkPlan::new(ids, 1).into_ids()
}
