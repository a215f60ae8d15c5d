//! The client-wide scheduler: every request of every call of one client asks
//! it before it is sent (rate and concurrency) and before it is retried (the
//! retry budget). Pure and clock-fed like the machines; a client owns one
//! behind `Rc<RefCell<_>>` and hands it to each call's [`Shared`].
//!
//! - Rate: a token bucket refilled at the current rate, holding `burst`
//!   tokens but never more than one second of the current rate (so an idle
//!   client does not burst past a limit it has learnt). The rate adapts as in
//!   the AWS SDKs' "adaptive" retry mode: a throttled answer (HTTP 429) lowers
//!   it to 70 %, once per rate: 429s of requests sent before the last
//!   decrease do not lower it again, and the saved-up burst is dropped.
//!   From 20 s after the last decrease, answers that succeed raise it again
//!   additively, by 0.2 % of the configured rate per second, never above the
//!   configured rate. (The AWS SDKs raise it along a cubic curve and probe
//!   past the old rate sooner; this slower climb keeps a limit it has found
//!   from being hit again for a while: about 40 s with a gateway limit of 100
//!   per second and a client set to 200.)
//! - Concurrency: at most `max_concurrent` requests hold a slot; a slot is
//!   held from the moment a request is due until its answer (or until the
//!   request is dropped).
//! - Retry budget, the AWS SDKs' "standard" mode numbers: a quota of 500; a
//!   retry costs 5 (10 after a timeout); a success gives 1 back. When it is
//!   empty, failures come back without retrying.
//!
//! [`Shared`]: crate::engine::call::Shared

#[cfg(all(target_arch = "wasm32", not(debug_assertions)))]
use crate::prelude::F64Ext;
use alloc::rc::Rc;
use std::cell::RefCell;

/// A scheduler shared by the calls of one client.
pub type SharedScheduler = Rc<RefCell<Scheduler>>;

/// Default `rateLimit.requestsPerSecond` (the gateway's per-API default is 200).
pub const DEFAULT_RATE: f64 = 50.0;
/// Default `maxConcurrentRequests`.
pub const DEFAULT_MAX_CONCURRENT: u32 = 16;
/// The retry budget (AWS SDK "standard" mode).
pub const RETRY_CAPACITY: u32 = 500;
pub const RETRY_COST: u32 = 5;
pub const TIMEOUT_RETRY_COST: u32 = 10;
pub const SUCCESS_REFUND: u32 = 1;
/// Multiplicative decrease after a throttle.
const DECREASE: f64 = 0.7;
/// Lowest adaptive rate, requests per second.
const MIN_RATE: f64 = 0.5;
/// After a decrease, successes raise the rate by this share of the configured rate per second,
/// once this long has passed.
const RAISE_PER_SECOND: f64 = 0.002;
const HOLD_MS: f64 = 20_000.0;

/// What a client was configured with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SchedulerConfig {
    pub requests_per_second: f64,
    pub burst: u32,
    pub max_concurrent: u32,
    pub retry_budget: bool,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            requests_per_second: DEFAULT_RATE,
            burst: DEFAULT_RATE as u32,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            retry_budget: true,
        }
    }
}

/// Why a request may not be sent yet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Wait {
    /// Not before this time (rate limit).
    Until(f64),
    /// Until a slot is released (concurrency limit).
    ForSlot,
}

/// The state of one client's limits.
#[derive(Clone, Debug)]
pub struct Scheduler {
    config: SchedulerConfig,
    /// Current (adaptive) fill rate, requests per second.
    rate: f64,
    tokens: f64,
    refilled_at: Option<f64>,
    in_flight: u32,
    /// Someone was refused a slot since the last [`Scheduler::take_slot_waiters`].
    slot_wanted: bool,
    budget: u32,
    /// Counts decreases: a request sent under an older rate does not lower it again.
    epoch: u32,
    /// When the rate was last raised (or held).
    raised_at: f64,
    /// No raise before this time (a while after a decrease).
    hold_until: f64,
}

impl Scheduler {
    pub fn new(config: SchedulerConfig) -> Self {
        Scheduler {
            rate: config.requests_per_second,
            tokens: f64::from(config.burst),
            refilled_at: None,
            in_flight: 0,
            slot_wanted: false,
            budget: RETRY_CAPACITY,
            epoch: 0,
            raised_at: 0.0,
            hold_until: 0.0,
            config,
        }
    }

    /// A scheduler to share between calls.
    pub fn shared(config: SchedulerConfig) -> SharedScheduler {
        Rc::new(RefCell::new(Scheduler::new(config)))
    }

    /// The current rate limit, requests per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Requests holding a slot.
    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }

    /// What is left of the retry budget.
    pub fn budget(&self) -> u32 {
        self.budget
    }

    fn refill(&mut self, now_ms: f64) {
        let last = *self.refilled_at.get_or_insert(now_ms);
        if now_ms > last {
            let capacity = f64::from(self.config.burst).min(self.rate.ceil()).max(1.0);
            self.tokens = (self.tokens + (now_ms - last) * self.rate / 1000.0).min(capacity);
            self.refilled_at = Some(now_ms);
        }
    }

    /// Take a slot and a token to send now, or say how long to wait.
    pub fn acquire(&mut self, now_ms: f64) -> Result<(), Wait> {
        if self.in_flight >= self.config.max_concurrent {
            self.slot_wanted = true;
            return Err(Wait::ForSlot);
        }
        self.refill(now_ms);
        if self.tokens < 1.0 {
            return Err(Wait::Until(now_ms + ((1.0 - self.tokens) * 1000.0 / self.rate).ceil().max(1.0)));
        }
        self.tokens -= 1.0;
        self.in_flight += 1;
        Ok(())
    }

    /// A request let go of its slot (answered, or dropped).
    pub fn release(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Whether a request was refused a slot since the last call (and reset):
    /// the driver then wakes the client's calls so they try again.
    pub fn take_slot_waiters(&mut self) -> bool {
        std::mem::take(&mut self.slot_wanted)
    }

    /// An answer came back to a request sent under rate `epoch` (see
    /// [`Slot::epoch`]): `throttled` for HTTP 429.
    pub fn answered(&mut self, throttled: bool, epoch: u32, now_ms: f64) {
        self.refill(now_ms);
        if throttled {
            if epoch == self.epoch {
                self.epoch = self.epoch.wrapping_add(1);
                self.rate = (self.rate * DECREASE).max(MIN_RATE);
                // Over the limit now: no saved-up burst either.
                self.tokens = self.tokens.min(0.0);
                self.hold_until = now_ms + HOLD_MS;
            }
            return;
        }
        self.budget = (self.budget + SUCCESS_REFUND).min(RETRY_CAPACITY);
        let configured = self.config.requests_per_second;
        if self.rate < configured && now_ms >= self.hold_until {
            let seconds = ((now_ms - self.raised_at) / 1000.0).clamp(0.0, 1.0);
            self.rate = (self.rate + configured * RAISE_PER_SECOND * seconds).min(configured);
        }
        self.raised_at = now_ms;
    }

    /// May a failed request be tried again? Takes its cost from the budget.
    pub fn allow_retry(&mut self, after_timeout: bool) -> bool {
        if !self.config.retry_budget {
            return true;
        }
        let cost = if after_timeout { TIMEOUT_RETRY_COST } else { RETRY_COST };
        if self.budget < cost {
            return false;
        }
        self.budget -= cost;
        true
    }
}

/// A slot held by one request; dropping it gives the slot back.
#[derive(Debug)]
pub struct Slot(SharedScheduler, u32);

impl Slot {
    /// Take a slot and a token from `scheduler` at `now_ms`.
    pub fn acquire(scheduler: &SharedScheduler, now_ms: f64) -> Result<Slot, Wait> {
        let epoch = {
            let mut s = scheduler.borrow_mut();
            s.acquire(now_ms)?;
            s.epoch
        };
        Ok(Slot(scheduler.clone(), epoch))
    }

    /// The rate the request was sent under (it changes with each decrease).
    pub fn epoch(&self) -> u32 {
        self.1
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut scheduler) = self.0.try_borrow_mut() {
            scheduler.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(rate: f64, burst: u32, max_concurrent: u32) -> SchedulerConfig {
        SchedulerConfig { requests_per_second: rate, burst, max_concurrent, retry_budget: true }
    }

    #[test]
    fn the_bucket_allows_a_burst_then_the_rate() {
        let mut s = Scheduler::new(config(10.0, 3, 100));
        for _ in 0..3 {
            assert_eq!(s.acquire(0.0), Ok(()));
        }
        assert_eq!(s.acquire(0.0), Err(Wait::Until(100.0)));
        assert_eq!(s.acquire(100.0), Ok(()));
        assert_eq!(s.acquire(150.0), Err(Wait::Until(200.0)));
    }

    #[test]
    fn a_lowered_rate_also_lowers_the_burst() {
        let mut s = Scheduler::new(config(200.0, 200, 1000));
        s.answered(true, 0, 0.0);
        // Idle for 10 s: at most one second of the lowered rate (140) is saved up.
        let mut sent = 0;
        while s.acquire(10_000.0).is_ok() {
            sent += 1;
        }
        assert_eq!(sent, 140);
    }

    #[test]
    fn slots_are_held_until_released() {
        let shared = Scheduler::shared(config(1000.0, 100, 2));
        let a = Slot::acquire(&shared, 0.0).unwrap();
        let _b = Slot::acquire(&shared, 0.0).unwrap();
        assert_eq!(Slot::acquire(&shared, 0.0).unwrap_err(), Wait::ForSlot);
        assert!(shared.borrow_mut().take_slot_waiters());
        assert!(!shared.borrow_mut().take_slot_waiters());
        drop(a);
        assert_eq!(shared.borrow().in_flight(), 1);
        assert!(Slot::acquire(&shared, 0.0).is_ok());
    }

    #[test]
    fn the_budget_empties_and_successes_refill_it() {
        let mut s = Scheduler::new(SchedulerConfig::default());
        let mut retries = 0;
        while s.allow_retry(false) {
            retries += 1;
        }
        assert_eq!(retries, RETRY_CAPACITY / RETRY_COST);
        for _ in 0..9 {
            s.answered(false, 0, 0.0);
        }
        assert!(!s.allow_retry(true), "a timeout retry costs 10");
        assert!(s.allow_retry(false));
        let mut off = Scheduler::new(SchedulerConfig { retry_budget: false, ..SchedulerConfig::default() });
        assert!((0..1000).all(|_| off.allow_retry(true)));
    }

    #[test]
    fn a_throttle_lowers_the_rate_once_per_rate_and_successes_restore_it() {
        let mut s = Scheduler::new(config(100.0, 100, 100));
        s.answered(true, 0, 2_000.0);
        assert_eq!(s.rate(), 70.0);
        s.answered(true, 0, 2_010.0);
        assert_eq!(s.rate(), 70.0, "429s of requests sent at the old rate count once");
        s.answered(true, 1, 2_020.0);
        assert_eq!(s.rate(), 49.0, "a 429 at the lowered rate lowers it again");
        for i in 1..=19 {
            s.answered(false, 2, 2_020.0 + f64::from(i) * 1_000.0);
        }
        assert_eq!(s.rate(), 49.0, "held for 20 s after a decrease");
        for i in 20..=29 {
            s.answered(false, 2, 2_020.0 + f64::from(i) * 1_000.0);
        }
        assert!((s.rate() - 51.0).abs() < 1e-9, "0.2 % of the configured rate per second: {}", s.rate());
        for i in 30..=1_000 {
            s.answered(false, 2, 2_020.0 + f64::from(i) * 1_000.0);
        }
        assert_eq!(s.rate(), 100.0, "recovers to the configured rate, never above");
    }
}
