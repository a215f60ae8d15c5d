//! `waitPrepared` decisions: when to poll again, when to stop.
//!
//! Policy (all tunable through options):
//! - Stop with success on `normal` (0) and with `PREPARE_FAILED` on `failed` (-1).
//! - Otherwise poll again after a delay that starts at `min_delay_ms` and grows
//!   by [`BACKOFF_FACTOR`] each time the reading is unchanged (same status and
//!   `waitingCount`), up to `max_delay_ms`. Any change resets it to the minimum,
//!   so a moving queue is followed closely and a stuck one is not hammered.
//!   Delays run from the start of one poll to the start of the next, so the
//!   cadence does not drift by the request's round trip.
//! - Never sleep past the deadline `max_wait_ms` after the start: the last poll
//!   happens at the deadline, and if that one is not final the wait ends with
//!   `WAIT_TIMEOUT`, carrying the last progress.

use crate::engine::error::{Error, ErrorKind};
use crate::engine::output::{cat, write_int};
use crate::engine::response::PrepareProgress;
use crate::engine::state::PrepareState;
use crate::prelude::*;

/// Growth of the poll delay while nothing changes.
pub const BACKOFF_FACTOR: f64 = 1.5;

/// Poll timing knobs; [`PollPolicy::default`] holds the documented defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    /// Give up this long after the start (`maxWaitMs`, default 300 000).
    pub max_wait_ms: u32,
    /// First and reset delay (`minDelayMs`, default 1 000).
    pub min_delay_ms: u32,
    /// Longest delay (`maxDelayMs`, default 10 000).
    pub max_delay_ms: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy { max_wait_ms: 300_000, min_delay_ms: 1_000, max_delay_ms: 10_000 }
    }
}

/// One progress reading as reported to `onProgress` and in results.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressReport {
    pub progress: PrepareProgress,
    /// 1 for the first poll, 2 for the second, ...
    pub attempt: u32,
    /// Milliseconds since the wait started.
    pub elapsed_ms: u64,
    /// `x-request-id` of the poll that produced the reading.
    pub request_id: String,
}

/// What the poll loop does next.
#[derive(Clone, Debug, PartialEq)]
pub enum PollDecision {
    /// The instance is ready.
    Ready,
    /// Sleep this many milliseconds, then poll again.
    PollIn(u64),
    /// Stop with this error (`PREPARE_FAILED` or `WAIT_TIMEOUT`).
    Stop(Box<Error>),
}

/// The state of one `waitPrepared` call.
#[derive(Debug)]
pub struct Poller {
    policy: PollPolicy,
    instance_id: String,
    started_at_ms: f64,
    polls: u32,
    last: Option<ProgressReport>,
    delay_ms: f64,
}

impl Poller {
    pub fn new(policy: PollPolicy, instance_id: &str, now_ms: f64) -> Self {
        Poller {
            policy,
            instance_id: instance_id.to_owned(),
            started_at_ms: now_ms,
            polls: 0,
            last: None,
            delay_ms: f64::from(policy.min_delay_ms),
        }
    }

    pub fn elapsed_ms(&self, now_ms: f64) -> u64 {
        let elapsed = now_ms - self.started_at_ms;
        if elapsed > 0.0 {
            elapsed as u64
        } else {
            0
        }
    }

    /// Milliseconds left before the deadline (0 once it has passed).
    pub fn remaining_ms(&self, now_ms: f64) -> u64 {
        u64::from(self.policy.max_wait_ms).saturating_sub(self.elapsed_ms(now_ms))
    }

    /// Feed one reading of the poll sent at `polled_at_ms` and answered at
    /// `now_ms`; returns the report for `onProgress` and what to do next.
    pub fn observe(
        &mut self,
        progress: PrepareProgress,
        request_id: &str,
        polled_at_ms: f64,
        now_ms: f64,
    ) -> (ProgressReport, PollDecision) {
        self.polls += 1;
        let report = ProgressReport {
            progress,
            attempt: self.polls,
            elapsed_ms: self.elapsed_ms(now_ms),
            request_id: request_id.to_owned(),
        };
        let unchanged = self.last.as_ref().is_some_and(|last| last.progress == progress);
        self.delay_ms = if unchanged {
            (self.delay_ms * BACKOFF_FACTOR).min(f64::from(self.policy.max_delay_ms))
        } else {
            f64::from(self.policy.min_delay_ms)
        };
        self.last = Some(report.clone());
        let decision = match progress.state() {
            PrepareState::Normal => PollDecision::Ready,
            PrepareState::Failed => {
                let mut message =
                    cat(&["preparation of instance ", &self.instance_id, " failed (status -1) after "]);
                write_int(&mut message, i64::from(self.polls));
                message.push_str(" poll(s)");
                PollDecision::Stop(Box::new(self.stop(ErrorKind::PrepareFailed, message)))
            }
            _ => match self.remaining_ms(now_ms) {
                0 => PollDecision::Stop(Box::new(self.timeout_error(None))),
                remaining => {
                    // Capped, so a clock that jumps cannot stretch a sleep past the delay.
                    // (`min`, not `f64::clamp`, whose panic message drags float
                    // formatting, ~13 KB, into the wasm.)
                    let next_poll_in = (polled_at_ms + self.delay_ms - now_ms).min(self.delay_ms);
                    let next_poll_in = if next_poll_in > 0.0 { next_poll_in as u64 } else { 0 };
                    PollDecision::PollIn(next_poll_in.min(remaining))
                }
            },
        };
        (report, decision)
    }

    /// Attach the last reading to an error that ends the wait early (an abort,
    /// a failed poll), so callers see how far preparation had come.
    pub fn with_last_progress(&self, mut error: Error) -> Error {
        if error.progress.is_none() {
            error.progress = self.last.clone().map(Box::new);
        }
        error
    }

    /// The `WAIT_TIMEOUT` error, with the last reading and, when the deadline
    /// passed while a poll kept failing, that failure.
    pub fn timeout_error(&self, last_failure: Option<&Error>) -> Error {
        let mut message = cat(&["instance ", &self.instance_id, " was not prepared within maxWaitMs ("]);
        write_int(&mut message, i64::from(self.policy.max_wait_ms));
        message.push_str(" ms)");
        if let Some(last) = &self.last {
            let p = last.progress;
            message.push_str("; last state: ");
            message.push_str(p.state().name());
            message.push_str(" (status ");
            write_int(&mut message, p.status);
            if let Some(count) = p.waiting_count {
                message.push_str(", waitingCount ");
                write_int(&mut message, count);
            }
            message.push(')');
        }
        if let Some(failure) = last_failure {
            message.push_str("; the last poll failed: ");
            message.push_str(&failure.message);
        }
        self.stop(ErrorKind::WaitTimeout, message)
    }

    /// The error that ends the wait, with the last reading and its `x-request-id`.
    fn stop(&self, kind: ErrorKind, message: String) -> Error {
        Error {
            progress: self.last.clone().map(Box::new),
            request_id: self.last.as_ref().map(|l| l.request_id.clone()),
            ..Error::bare(kind, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(status: i64, waiting_count: i64) -> PrepareProgress {
        PrepareProgress { status, waiting_count: Some(waiting_count) }
    }

    fn policy() -> PollPolicy {
        PollPolicy { max_wait_ms: 60_000, min_delay_ms: 1_000, max_delay_ms: 4_000 }
    }

    #[test]
    fn ready_on_normal_and_reports_each_poll() {
        let mut p = Poller::new(policy(), "i1", 1_000.0);
        let (report, decision) = p.observe(progress(1, 3), "r1", 1_200.0, 1_200.0);
        assert_eq!((report.attempt, report.elapsed_ms, report.request_id.as_str()), (1, 200, "r1"));
        assert_eq!(decision, PollDecision::PollIn(1_000));
        let (report, decision) = p.observe(progress(0, 0), "r2", 2_500.0, 2_500.0);
        assert_eq!(report.attempt, 2);
        assert_eq!(decision, PollDecision::Ready);
    }

    #[test]
    fn delay_backs_off_while_unchanged_and_resets_on_change() {
        let mut p = Poller::new(policy(), "i1", 0.0);
        let delays: Vec<_> = [
            progress(1, 3),
            progress(1, 3),
            progress(1, 3),
            progress(1, 3),
            progress(1, 3),
            progress(1, 2),
            progress(2, 0),
        ]
        .into_iter()
        .map(|pr| p.observe(pr, "r", 0.0, 0.0).1)
        .collect();
        let expect = [1_000, 1_500, 2_250, 3_375, 4_000, 1_000, 1_000].map(PollDecision::PollIn);
        assert_eq!(delays, expect);
    }

    #[test]
    fn the_round_trip_counts_towards_the_delay() {
        let mut p = Poller::new(policy(), "i1", 0.0);
        assert_eq!(p.observe(progress(1, 3), "r", 100.0, 400.0).1, PollDecision::PollIn(700));
        assert_eq!(
            p.observe(progress(1, 2), "r", 1_100.0, 2_600.0).1,
            PollDecision::PollIn(0),
            "slow answer: poll again at once"
        );
    }

    #[test]
    fn failure_stops_with_prepare_failed_and_the_last_progress() {
        let mut p = Poller::new(policy(), "iRJEVP9", 0.0);
        p.observe(progress(1, 1), "r1", 0.0, 0.0);
        let (_, decision) = p.observe(progress(-1, 0), "r2", 10.0, 10.0);
        let PollDecision::Stop(e) = decision else { panic!("{decision:?}") };
        assert_eq!(e.kind, ErrorKind::PrepareFailed);
        assert_eq!(e.request_id.as_deref(), Some("r2"));
        assert_eq!(e.progress.unwrap().progress.status, -1);
        assert!(e.message.contains("iRJEVP9"), "{}", e.message);
    }

    #[test]
    fn never_sleeps_past_the_deadline_then_times_out() {
        let mut p = Poller::new(policy(), "i1", 0.0);
        assert_eq!(p.observe(progress(1, 3), "r", 59_500.0, 59_500.0).1, PollDecision::PollIn(500));
        let (_, decision) = p.observe(progress(1, 3), "r9", 60_000.0, 60_000.0);
        let PollDecision::Stop(e) = decision else { panic!("{decision:?}") };
        assert_eq!(e.kind, ErrorKind::WaitTimeout);
        assert_eq!(e.progress.as_ref().map(|r| r.attempt), Some(2));
        assert!(e.message.contains("queuing") && e.message.contains("waitingCount 3"), "{}", e.message);
    }

    #[test]
    fn errors_that_end_the_wait_carry_the_last_reading() {
        let mut p = Poller::new(policy(), "i1", 0.0);
        assert!(p.with_last_progress(Error::aborted()).progress.is_none(), "no reading yet");
        p.observe(progress(1, 2), "r1", 0.0, 0.0);
        let e = p.with_last_progress(Error::aborted());
        assert_eq!(
            e.progress.map(|r| (r.progress.waiting_count, r.request_id)),
            Some((Some(2), "r1".to_owned()))
        );
    }

    #[test]
    fn unrecognized_states_keep_polling() {
        let mut p = Poller::new(policy(), "i1", 0.0);
        for status in [3, 4, 5, 6, 99] {
            assert!(
                matches!(p.observe(progress(status, 0), "r", 0.0, 0.0).1, PollDecision::PollIn(_)),
                "{status}"
            );
        }
    }

    #[test]
    fn timeout_error_mentions_the_last_failure() {
        let p = Poller::new(policy(), "i1", 0.0);
        let e = p.timeout_error(Some(&Error::new(ErrorKind::Network, "connection reset")));
        assert!(e.message.contains("connection reset") && e.progress.is_none(), "{}", e.message);
        assert_eq!(p.remaining_ms(70_000.0), 0);
        assert_eq!(p.elapsed_ms(-5.0), 0, "a clock step backwards is not negative time");
    }
}
