//! The client-wide scheduler: every request of every call of one client asks
//! it before it is sent (rate and concurrency) and before it is retried (the
//! retry budget). Pure and clock-fed like the machines; a client owns one
//! behind `Rc<RefCell<_>>` and hands it to each call's [`Shared`].
//!
//! - Rate: a token bucket of `burst` tokens refilled at the current rate. The
//!   rate adapts as in the AWS SDKs' "adaptive" retry mode: a throttled answer
//!   (HTTP 429) lowers it to 70 % of the rate measured when it happened (at
//!   most once a second, so one burst of 429s counts once); answers that
//!   succeed raise it again, quickly back to 95 % of that rate, then slowly
//!   (1 % of it per second), never above the configured rate.
//! - Concurrency: at most `max_concurrent` requests hold a slot; a slot is
//!   held from the moment a request is due until its answer (or until the
//!   request is dropped).
//! - Retry budget, the AWS SDKs' "standard" mode numbers: a quota of 500; a
//!   retry costs 5 (10 after a timeout); a success gives 1 back. When it is
//!   empty, failures come back without retrying.
//!
//! [`Shared`]: crate::engine::call::Shared

use std::cell::RefCell;
use std::rc::Rc;

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
/// Throttles within this long of a decrease belong to the same burst.
const THROTTLE_COOLDOWN_MS: f64 = 1_000.0;
/// The send rate is measured over buckets of this length, smoothed.
const MEASURE_BUCKET_MS: f64 = 500.0;
const MEASURE_SMOOTHING: f64 = 0.8;

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
    /// The rate measured when last throttled, and when the rate was lowered.
    throttled_rate: Option<f64>,
    decreased_at: f64,
    raised_at: f64,
    /// Sends in the current measuring bucket, when it started, the smoothed rate.
    bucket_sends: u32,
    bucket_start: f64,
    measured: f64,
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
            throttled_rate: None,
            decreased_at: f64::NEG_INFINITY,
            raised_at: 0.0,
            bucket_sends: 0,
            bucket_start: 0.0,
            measured: 0.0,
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
            self.tokens =
                (self.tokens + (now_ms - last) * self.rate / 1000.0).min(f64::from(self.config.burst));
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
        self.measure(now_ms, 1);
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

    fn measure(&mut self, now_ms: f64, sends: u32) {
        self.bucket_sends += sends;
        let elapsed = now_ms - self.bucket_start;
        if elapsed >= MEASURE_BUCKET_MS {
            let current = f64::from(self.bucket_sends) * 1000.0 / elapsed;
            self.measured = current * MEASURE_SMOOTHING + self.measured * (1.0 - MEASURE_SMOOTHING);
            self.bucket_sends = 0;
            self.bucket_start = now_ms;
        }
    }

    /// An answer came back: `throttled` for HTTP 429.
    pub fn answered(&mut self, throttled: bool, now_ms: f64) {
        self.refill(now_ms);
        if throttled {
            if now_ms - self.decreased_at >= THROTTLE_COOLDOWN_MS {
                let at = if self.measured > 0.0 { self.measured.min(self.rate) } else { self.rate };
                self.throttled_rate = Some(at);
                self.rate = (at * DECREASE).max(MIN_RATE);
                self.decreased_at = now_ms;
                self.raised_at = now_ms;
            }
            return;
        }
        self.budget = (self.budget + SUCCESS_REFUND).min(RETRY_CAPACITY);
        let Some(peak) = self.throttled_rate else { return };
        let seconds = ((now_ms - self.raised_at) / 1000.0).clamp(0.0, 1.0);
        self.raised_at = now_ms;
        let step = if self.rate < peak * 0.95 { peak * 0.25 } else { peak * 0.01 };
        self.rate = (self.rate + step * seconds).min(self.config.requests_per_second);
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
pub struct Slot(SharedScheduler);

impl Slot {
    /// Take a slot and a token from `scheduler` at `now_ms`.
    pub fn acquire(scheduler: &SharedScheduler, now_ms: f64) -> Result<Slot, Wait> {
        scheduler.borrow_mut().acquire(now_ms)?;
        Ok(Slot(scheduler.clone()))
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
            s.answered(false, 0.0);
        }
        assert!(!s.allow_retry(true), "a timeout retry costs 10");
        assert!(s.allow_retry(false));
        let mut off = Scheduler::new(SchedulerConfig { retry_budget: false, ..SchedulerConfig::default() });
        assert!((0..1000).all(|_| off.allow_retry(true)));
    }

    #[test]
    fn a_throttle_lowers_the_rate_once_per_burst_and_successes_restore_it() {
        let mut s = Scheduler::new(config(100.0, 100, 100));
        let mut now = 0.0;
        // Send at the full rate for two seconds so the rate is measured.
        while now < 2_000.0 {
            while s.acquire(now).is_ok() {
                s.release();
            }
            now += 10.0;
        }
        s.answered(true, now);
        let lowered = s.rate();
        assert!((60.0..=75.0).contains(&lowered), "lowered to {lowered}");
        s.answered(true, now + 10.0);
        assert_eq!(s.rate(), lowered, "one burst of 429s counts once");
        for i in 1..=100 {
            s.answered(false, now + f64::from(i) * 100.0);
        }
        assert_eq!(s.rate(), 100.0, "recovers to the configured rate, never above");
    }
}
