//! `prepareProgress` (one reading, with retries) and `waitPrepared` (poll
//! until the instance is ready, has failed, or `maxWaitMs` passed) as state
//! machines. The poll policy itself is [`Poller`]'s.

use crate::engine::call::{Action, Answer, Event, ExchangeId, Machine, Notice, Request, Shared, Wake};
use crate::engine::error::Error;
use crate::engine::poll::{PollDecision, PollPolicy, Poller, ProgressReport};
use crate::engine::request::{prepare_progress_request, PREPARE_PROGRESS_PATH};
use crate::engine::response::{parse_prepare_progress, PrepareProgress};
use crate::prelude::*;

/// The user and instance a prepare-progress call is about (validated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub user_id: String,
    pub instance_id: String,
}

impl Target {
    fn request(
        &self,
    ) -> impl Fn(&crate::engine::validate::Endpoint, &str) -> crate::engine::request::HttpRequest + '_ {
        move |endpoint, request_id| {
            prepare_progress_request(endpoint, &self.user_id, &self.instance_id, request_id)
        }
    }
}

/// What `event` means for a prepare-progress request: its answer, if it has
/// one now (a wake-up means the timer is gone; an abort gives up).
fn prepare_answer(
    request: &mut Request,
    shared: &mut Shared,
    target: &Target,
    wake: &mut Wake,
    event: Event,
    now_ms: f64,
) -> Option<Answer<PrepareProgress>> {
    match event {
        Event::Aborted => Some(Answer::GaveUp(Error::aborted())),
        Event::Woke => {
            wake.fired();
            None
        }
        Event::Token { id, outcome } => request.token_arrived(id, outcome, now_ms, shared, target.request()),
        Event::Exchanged { id, outcome } => {
            request.exchanged(id, outcome, now_ms, shared, PREPARE_PROGRESS_PATH, parse_prepare_progress)
        }
    }
}

/// A `prepareProgress` call: one reading and the `x-request-id` that got it.
#[derive(Debug)]
pub struct PrepareCall {
    shared: Shared,
    target: Target,
    request: Request,
    outcome: Option<Result<(PrepareProgress, String), Error>>,
    finished: bool,
    wake: Wake,
}

impl PrepareCall {
    pub fn new(target: Target, shared: Shared, now_ms: f64) -> Self {
        PrepareCall {
            shared,
            target,
            request: Request::new(now_ms),
            outcome: None,
            finished: false,
            wake: Wake::default(),
        }
    }

    fn answered(&mut self, answer: Answer<PrepareProgress>) {
        match answer {
            Answer::Retrying => {}
            Answer::Value(progress, request_id) => self.outcome = Some(Ok((progress, request_id))),
            Answer::GaveUp(error) | Answer::Deadline(error) => self.outcome = Some(Err(error)),
        }
    }
}

impl Machine for PrepareCall {
    type Output = (PrepareProgress, String);

    fn handle(&mut self, event: Event, now_ms: f64) {
        if self.outcome.is_some() {
            return;
        }
        let answer =
            prepare_answer(&mut self.request, &mut self.shared, &self.target, &mut self.wake, event, now_ms);
        if let Some(answer) = answer {
            self.answered(answer);
        }
    }

    fn next_action(&mut self, now_ms: f64) -> Option<Action<Self::Output>> {
        if let Some(notice) = self.shared.take_notice() {
            return Some(Action::Notify(notice));
        }
        if self.finished {
            return None;
        }
        if self.outcome.is_none() {
            match self.request.next_action(now_ms, &mut self.shared, self.target.request()) {
                Ok(Some(step)) => return Some(step.into()),
                Ok(None) => {
                    let wake = self.request.wake_at(self.shared.timeout_ms);
                    return self.wake.ask(wake);
                }
                Err(answer) => self.answered(answer),
            }
        }
        self.finished = true;
        self.outcome.take().map(Action::Finish)
    }
}

/// A `waitPrepared` call.
#[derive(Debug)]
pub struct WaitCall {
    shared: Shared,
    target: Target,
    poller: Poller,
    /// The poll under way (or due), and when it was first due.
    poll: Request,
    polled_at: f64,
    notice: Option<ProgressReport>,
    outcome: Option<Result<ProgressReport, Error>>,
    finished: bool,
    wake: Wake,
}

impl WaitCall {
    /// The poll on the wire, if any (a wait can end on its deadline while one is).
    pub fn exchange_in_flight(&self) -> Option<ExchangeId> {
        self.poll.exchange_in_flight()
    }

    pub fn new(target: Target, mut shared: Shared, policy: PollPolicy, now_ms: f64) -> Self {
        shared.deadline_ms = Some(now_ms + f64::from(policy.max_wait_ms));
        WaitCall {
            poller: Poller::new(policy, &target.instance_id, now_ms),
            shared,
            target,
            poll: Request::new(now_ms),
            polled_at: now_ms,
            notice: None,
            outcome: None,
            finished: false,
            wake: Wake::default(),
        }
    }

    fn answered(&mut self, answer: Answer<PrepareProgress>, now_ms: f64) {
        let error = match answer {
            Answer::Retrying => return,
            Answer::GaveUp(error) => self.poller.with_last_progress(error),
            Answer::Deadline(error) => self.poller.timeout_error(Some(&error)),
            Answer::Value(progress, request_id) => {
                let (report, decision) = self.poller.observe(progress, &request_id, self.polled_at, now_ms);
                self.notice = Some(report.clone());
                match decision {
                    PollDecision::Ready => {
                        self.outcome = Some(Ok(report));
                        return;
                    }
                    PollDecision::Stop(error) => *error,
                    PollDecision::PollIn(delay) => {
                        self.polled_at = now_ms + delay as f64;
                        self.poll = Request::new(self.polled_at);
                        return;
                    }
                }
            }
        };
        self.outcome = Some(Err(error));
    }
}

impl Machine for WaitCall {
    type Output = ProgressReport;

    fn handle(&mut self, event: Event, now_ms: f64) {
        if self.outcome.is_some() {
            return;
        }
        let answer =
            prepare_answer(&mut self.poll, &mut self.shared, &self.target, &mut self.wake, event, now_ms);
        if let Some(answer) = answer {
            self.answered(answer, now_ms);
        }
    }

    fn next_action(&mut self, now_ms: f64) -> Option<Action<ProgressReport>> {
        if let Some(notice) = self.shared.take_notice() {
            return Some(Action::Notify(notice));
        }
        if self.finished {
            return None;
        }
        if let Some(report) = self.notice.take() {
            return Some(Action::Notify(Notice::Progress(report)));
        }
        if self.outcome.is_none() {
            match self.poll.next_action(now_ms, &mut self.shared, self.target.request()) {
                Ok(Some(step)) => return Some(step.into()),
                Ok(None) => {
                    let wake = self.poll.wake_at(self.shared.timeout_ms);
                    return self.wake.ask(wake);
                }
                Err(answer) => {
                    self.answered(answer, now_ms);
                    return self.next_action(now_ms);
                }
            }
        }
        self.finished = true;
        self.outcome.take().map(Action::Finish)
    }
}
