//! The vocabulary of the call state machines: what the driver tells a call
//! ([`Event`]), what a call asks the driver to do ([`Action`]), and the pieces
//! every call shares (authentication, one request's retries, randomness).
//!
//! A call is a value fed with events and the time; it never waits, sleeps or
//! touches a network. The driver (in wasm: `src/driver`) loops: it takes
//! actions with [`Machine::next_action`] until there is none, performs them
//! (an HTTP exchange, a timer), and feeds back what happened with
//! [`Machine::handle`]. Native tests do the same with a simulated clock and
//! scripted exchanges.

pub use crate::engine::auth::Auth;
use crate::engine::auth::{is_refusal, Refresh};
use crate::engine::error::{Cause, Error, ErrorKind};
use crate::engine::hooks::{Attempt, Hook};
use crate::engine::output::{cat, decimal};
use crate::engine::poll::ProgressReport;
use crate::engine::redact::Secret;
use crate::engine::request::{format_request_id, HttpRequest};
use crate::engine::response::{RawResponse, MAX_BODY_BYTES};
use crate::engine::retry::{RetryDecision, RetryPolicy};
use crate::engine::scheduler::{SharedScheduler, Slot, Wait};
use crate::engine::validate::{validate_token, Endpoint};
use crate::prelude::*;

/// Identifies one exchange (one attempt of one request) within a call.
pub type ExchangeId = u32;

/// A request to send once, within `timeout_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    pub id: ExchangeId,
    pub request: HttpRequest,
    /// The attempt's time limit: the exchange gives up (failing with
    /// [`TransportFailure::Timeout`]) after this long.
    pub timeout_ms: u32,
    /// Largest body read; a longer one fails with [`TransportFailure::TooLarge`].
    pub max_body_bytes: u32,
}

/// How an exchange failed before a complete response arrived.
#[derive(Clone, Debug, PartialEq)]
pub enum TransportFailure {
    /// `fetch` rejected: DNS, refused or reset connection, CORS.
    Network(Cause),
    /// The attempt's `timeout_ms` passed.
    Timeout,
    /// The server answered with a redirect (status when the runtime shows it).
    Redirect(Option<u16>),
    /// The body was larger than the limit (status of the response).
    TooLarge(u16),
    /// `fetch` resolved to something that is not a usable response.
    NotAResponse(String),
}

/// What happened, as the driver reports it.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Exchange `id` finished, with a response or a failure.
    Exchanged { id: ExchangeId, outcome: Result<RawResponse, TransportFailure> },
    /// The token function asked for by [`Action::GetToken`] `id` answered:
    /// the token, or why it could not give one.
    Token { id: ExchangeId, outcome: Result<String, Cause> },
    /// The time asked for by [`Action::WakeAt`] came.
    Woke,
    /// The caller's `AbortSignal` fired.
    Aborted,
}

/// What a call asks of its driver.
#[derive(Clone, Debug, PartialEq)]
pub enum Action<T> {
    /// Call the caller's token function and report with [`Event::Token`];
    /// `force_refresh` after the API refused the token it gave.
    GetToken { id: ExchangeId, force_refresh: bool },
    /// Send this request and report with [`Event::Exchanged`] (boxed: the
    /// action is moved through every layer of a call, and a pointer moves cheaply).
    Send(Box<Outgoing>),
    /// Report [`Event::Woke`] at this time (ms, on the clock the call is fed).
    /// Replaces any earlier wake-up.
    WakeAt(f64),
    /// Tell the caller (`onProgress`); nothing to report back.
    Notify(Notice),
    /// Abort exchange `id`, still on the wire: the part of the call that sent it was
    /// dropped (a failed round of a watch or a wait). Its outcome is no longer wanted.
    Cancel(ExchangeId),
    /// The call is over. Exchanges still in flight are to be cancelled and
    /// their outcomes are no longer wanted.
    Finish(Result<T, Error>),
}

/// What one [`Request`] asks of the driver: a token or a send, never a
/// result, so one copy of its steps serves every machine.
#[derive(Debug)]
pub enum Step {
    /// [`Action::GetToken`].
    GetToken { id: ExchangeId, force_refresh: bool },
    /// [`Action::Send`].
    Send(Box<Outgoing>),
}

impl<T> From<Step> for Action<T> {
    fn from(step: Step) -> Self {
        match step {
            Step::GetToken { id, force_refresh } => Action::GetToken { id, force_refresh },
            Step::Send(outgoing) => Action::Send(outgoing),
        }
    }
}

/// Something the caller asked to be told about.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A `waitPrepared` reading.
    Progress(ProgressReport),
    /// A hook event (only made when the call has hooks).
    Hook(Hook),
    /// Fleet calls' events (watch events, wait rounds, readings of many waits).
    Fleet(crate::engine::fleet::FleetNotice),
}

/// A call state machine.
pub trait Machine {
    /// What the call resolves with.
    type Output;
    /// Feed an event that happened at `now_ms`.
    fn handle(&mut self, event: Event, now_ms: f64);
    /// The next thing to do at `now_ms`, or `None` to wait for an event.
    fn next_action(&mut self, now_ms: f64) -> Option<Action<Self::Output>>;
}

/// A small, fast generator (SplitMix64) for backoff jitter and request IDs,
/// seeded by the driver so tests are deterministic. Not for secrets.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform sample from `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A fresh `x-request-id` (a version-4 UUID).
    pub fn request_id(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format_request_id([(a >> 32) as u32, a as u32, (b >> 32) as u32, b as u32])
    }
}

/// One timer for several wants: asks the driver again only when the
/// earliest wanted time changes.
#[derive(Debug, Default)]
pub struct Wake {
    asked: Option<f64>,
}

impl Wake {
    /// The driver's timer fired (it is gone).
    pub fn fired(&mut self) {
        self.asked = None;
    }

    /// A `WakeAt` for `at` (the earliest wanted time), unless already asked for.
    pub fn ask<T>(&mut self, at: Option<f64>) -> Option<Action<T>> {
        let at = self.due(at)?;
        Some(Action::WakeAt(at))
    }

    #[inline(never)]
    fn due(&mut self, at: Option<f64>) -> Option<f64> {
        if at.is_some() && at != self.asked {
            self.asked = at;
            return at;
        }
        None
    }
}

/// What every request of a call shares: where and how to send, the retry
/// policy, randomness and exchange numbering.
#[derive(Debug)]
pub struct Shared {
    pub endpoint: Endpoint,
    pub auth: Auth,
    pub retry: RetryPolicy,
    pub timeout_ms: u32,
    pub rng: Rng,
    /// No retry starts at or after this time.
    pub deadline_ms: Option<f64>,
    /// The wall clock (epoch ms) minus the call's clock: dates AK/SK signatures.
    pub wall_offset_ms: f64,
    /// The forced token refresh the call's requests share.
    refresh: Refresh,
    /// The client's scheduler, when the call belongs to a client.
    pub scheduler: Option<SharedScheduler>,
    /// Whether hook events are wanted; they wait in `notices` for the machine.
    pub hooks: bool,
    notices: Vec<Notice>,
    next_id: ExchangeId,
}

impl Shared {
    pub fn new(endpoint: Endpoint, auth: Auth, retry: RetryPolicy, timeout_ms: u32, seed: u64) -> Self {
        Shared {
            endpoint,
            auth,
            retry,
            timeout_ms,
            rng: Rng::new(seed),
            deadline_ms: None,
            wall_offset_ms: 0.0,
            refresh: Refresh::Idle,
            scheduler: None,
            hooks: false,
            notices: Vec::new(),
            next_id: 1,
        }
    }

    /// Tell the call the wall clock: `wall_ms` (epoch ms) is `now_ms` on its clock.
    pub fn with_wall_clock(mut self, now_ms: f64, wall_ms: f64) -> Self {
        self.wall_offset_ms = wall_ms - now_ms;
        self
    }

    /// A copy for a sub-call (one wait of many): same settings and scheduler,
    /// its own randomness, exchange IDs starting at `first_id` so that the
    /// owner can route events by ID.
    pub fn fork(&mut self, first_id: ExchangeId) -> Shared {
        let seed = self.rng.next_u64();
        Shared {
            scheduler: self.scheduler.clone(),
            hooks: self.hooks,
            wall_offset_ms: self.wall_offset_ms,
            next_id: first_id,
            ..Shared::new(self.endpoint.clone(), self.auth.clone(), self.retry, self.timeout_ms, seed)
        }
    }

    /// The next hook event waiting to be handed out.
    pub fn take_notice(&mut self) -> Option<Notice> {
        // At most a few wait here at a time.
        (!self.notices.is_empty()).then(|| self.notices.remove(0))
    }

    fn hook(&mut self, make: impl FnOnce() -> Hook) {
        if self.hooks {
            self.notices.push(Notice::Hook(make()));
        }
    }

    fn exchange_id(&mut self) -> ExchangeId {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        id
    }
}

/// Where one logical request stands.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Due to be (re)sent at this time.
    DueAt(f64),
    /// Due, waiting for a slot of the client's scheduler.
    Blocked,
    /// Waiting for the token function of attempt `id` (`force`: a forced refresh).
    Token { id: ExchangeId, started_at: f64, force: bool },
    /// The API refused the token: to be re-sent with the call's forced refresh.
    Refresh,
    /// Built and authenticated, to be handed to the driver.
    Ready(Box<Outgoing>, Option<String>),
    /// Attempt `id` is on the wire; `token` is the one a token function gave.
    InFlight { id: ExchangeId, request_id: String, token: Option<String> },
    /// Answered, or failed for good.
    Done,
}

/// What became of an attempt that came back.
#[derive(Debug, PartialEq)]
pub enum Answer<V> {
    /// The answer, read.
    Value(V, String),
    /// It failed and will be sent again (at the time [`Request::wake_at`] gives).
    Retrying,
    /// It failed for good: the policy gave up, or the error is not retryable.
    GaveUp(Error),
    /// It failed and a retry would start after the deadline.
    Deadline(Error),
}

/// One logical request of a call through its attempts: token, sending,
/// reading the answer, retries with backoff or `Retry-After`. `build` makes
/// the request (without auth) for an endpoint and `x-request-id`; `parse`
/// reads a response.
#[derive(Debug)]
pub struct Request {
    stage: Stage,
    attempts: u32,
    /// Already re-sent once after a refusal: a second refusal fails it.
    refreshed: bool,
    /// The client scheduler's slot, held from due to answered.
    slot: Option<Slot>,
    /// When the current attempt was sent (for `onResponse`'s `durationMs`).
    sent_at: f64,
    /// How many IDs the request carries (for `onRequest`'s `idCount`).
    id_count: Option<u32>,
    /// `"batch-query-status"` or `"prepare-progress"`, for hook events.
    operation: &'static str,
}

impl Request {
    /// A `prepare-progress` request due at `now_ms`.
    pub fn new(now_ms: f64) -> Self {
        Request {
            stage: Stage::DueAt(now_ms),
            attempts: 0,
            refreshed: false,
            slot: None,
            sent_at: now_ms,
            id_count: None,
            operation: "prepare-progress",
        }
    }

    /// A `batch-query-status` request for `count` instance IDs, due at `now_ms`.
    pub fn for_ids(now_ms: f64, count: usize) -> Self {
        Request { id_count: Some(count as u32), operation: "batch-query-status", ..Request::new(now_ms) }
    }

    /// Attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether exchange or token request `id` belongs to this request.
    pub fn owns(&self, id: ExchangeId) -> bool {
        matches!(&self.stage, Stage::Token { id: own, .. } | Stage::InFlight { id: own, .. } if *own == id)
    }

    /// Whether an exchange of this request is on the wire.
    pub fn in_flight(&self) -> bool {
        matches!(self.stage, Stage::InFlight { .. })
    }

    /// The exchange of this request on the wire, if any.
    pub fn exchange_in_flight(&self) -> Option<ExchangeId> {
        match self.stage {
            Stage::InFlight { id, .. } => Some(id),
            _ => None,
        }
    }

    /// When this request next needs the driver's attention, if it waits on time.
    pub fn wake_at(&self, timeout_ms: u32) -> Option<f64> {
        match self.stage {
            Stage::DueAt(at) => Some(at),
            // A token function is bounded by the attempt's timeout too.
            Stage::Token { started_at, .. } => Some(started_at + f64::from(timeout_ms)),
            _ => None,
        }
    }

    /// The next thing this request needs done at `now_ms`: ask for a token,
    /// send, or nothing. A token function that outlived the attempt's timeout
    /// fails the attempt here (the result is then `Err`).
    pub fn next_action<V>(
        &mut self,
        now_ms: f64,
        sh: &mut Shared,
        build: impl FnOnce(&Endpoint, &str) -> HttpRequest,
    ) -> Result<Option<Step>, Answer<V>> {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::DueAt(at) if at <= now_ms => self.take_slot(now_ms, sh, build),
            Stage::Blocked => self.take_slot(now_ms, sh, build),
            Stage::Ready(outgoing, token) => {
                self.sent(&outgoing, now_ms, sh);
                self.stage = Stage::InFlight {
                    id: outgoing.id,
                    request_id: outgoing.request.request_id.clone(),
                    token,
                };
                Ok(Some(Step::Send(outgoing)))
            }
            Stage::Refresh => self.refreshed_send(now_ms, sh, build),
            Stage::Token { started_at, id, force } if now_ms >= started_at + f64::from(sh.timeout_ms) => {
                self.stage = Stage::Token { started_at, id, force };
                let error = token_timed_out(force, sh);
                Err(self.failed(error, now_ms, sh))
            }
            other => {
                self.stage = other;
                Ok(None)
            }
        }
    }

    /// Due now: take the scheduler's slot (if any), then start the attempt.
    fn take_slot<V>(
        &mut self,
        now_ms: f64,
        sh: &mut Shared,
        build: impl FnOnce(&Endpoint, &str) -> HttpRequest,
    ) -> Result<Option<Step>, Answer<V>> {
        if !self.acquire_slot(now_ms, sh) {
            return Ok(None);
        }
        self.start_attempt(now_ms, sh, build)
    }

    /// Take the scheduler's slot, if there is a scheduler: `false` when the
    /// request must wait (its stage then says until when). One copy, not one
    /// per request kind.
    #[inline(never)]
    fn acquire_slot(&mut self, now_ms: f64, sh: &Shared) -> bool {
        if let Some(scheduler) = &sh.scheduler {
            match Slot::acquire(scheduler, now_ms) {
                Ok(slot) => self.slot = Some(slot),
                Err(Wait::Until(at)) => {
                    self.stage = Stage::DueAt(at);
                    return false;
                }
                Err(Wait::ForSlot) => {
                    self.stage = Stage::Blocked;
                    return false;
                }
            }
        }
        true
    }

    /// Re-send after the API refused the token, with the call's one forced
    /// refresh (asked by the first refused request; the others wait for it).
    fn refreshed_send<V>(
        &mut self,
        now_ms: f64,
        sh: &mut Shared,
        build: impl FnOnce(&Endpoint, &str) -> HttpRequest,
    ) -> Result<Option<Step>, Answer<V>> {
        match &sh.refresh {
            Refresh::Asking(_) => {
                self.stage = Stage::Refresh;
                Ok(None)
            }
            Refresh::Got(token) => {
                let token = token.clone();
                let id = sh.exchange_id();
                let mut request = build(&sh.endpoint, &sh.rng.request_id());
                request.set_token(&token);
                let outgoing = self.send(id, request, sh.timeout_ms);
                self.sent(&outgoing, now_ms, sh);
                self.stage = Stage::InFlight {
                    id,
                    request_id: outgoing.request.request_id.clone(),
                    token: Some(token),
                };
                Ok(Some(Step::Send(outgoing)))
            }
            Refresh::Failed(error) => Err(Answer::GaveUp(error.as_ref().clone())),
            Refresh::Idle => {
                let id = sh.exchange_id();
                sh.refresh = Refresh::Asking(id);
                self.stage = Stage::Token { id, started_at: now_ms, force: true };
                Ok(Some(Step::GetToken { id, force_refresh: true }))
            }
        }
    }

    /// Start an attempt: send it (signed, or with the fixed token), or first
    /// ask the token function.
    fn start_attempt<V>(
        &mut self,
        now_ms: f64,
        sh: &mut Shared,
        build: impl FnOnce(&Endpoint, &str) -> HttpRequest,
    ) -> Result<Option<Step>, Answer<V>> {
        self.attempts += 1;
        let id = sh.exchange_id();
        if sh.auth == Auth::TokenFunction {
            self.stage = Stage::Token { id, started_at: now_ms, force: false };
            return Ok(Some(Step::GetToken { id, force_refresh: false }));
        }
        let mut request = build(&sh.endpoint, &sh.rng.request_id());
        if let Err(error) = sh.auth.apply(&mut request, now_ms + sh.wall_offset_ms) {
            return Err(self.failed(error, now_ms, sh));
        }
        let outgoing = self.send(id, request, sh.timeout_ms);
        self.sent(&outgoing, now_ms, sh);
        Ok(Some(Step::Send(outgoing)))
    }

    /// Attempt `outgoing` goes on the wire now.
    fn sent(&mut self, outgoing: &Outgoing, now_ms: f64, sh: &mut Shared) {
        self.sent_at = now_ms;
        let (attempt, id_count) = (self.attempts, self.id_count);
        sh.hook(|| Hook::Request {
            attempt: Attempt {
                operation: self.operation,
                request_id: outgoing.request.request_id.clone(),
                number: attempt,
            },
            url: outgoing.request.url.clone(),
            id_count,
        });
    }

    fn send(&mut self, id: ExchangeId, request: HttpRequest, timeout_ms: u32) -> Box<Outgoing> {
        self.stage = Stage::InFlight { id, request_id: request.request_id.clone(), token: None };
        Box::new(Outgoing { id, request, timeout_ms, max_body_bytes: MAX_BODY_BYTES })
    }

    /// The token function of attempt `id` answered. On success the request
    /// is ready for [`Request::next_action`]; on failure the attempt failed.
    pub fn token_arrived<V>(
        &mut self,
        id: ExchangeId,
        outcome: Result<String, Cause>,
        now_ms: f64,
        sh: &mut Shared,
        build: impl FnOnce(&Endpoint, &str) -> HttpRequest,
    ) -> Option<Answer<V>> {
        let Stage::Token { id: own, started_at, force } = self.stage else { return None };
        if own != id {
            return None;
        }
        match checked_token(outcome, force, sh) {
            Ok(token) => {
                let request = build(&sh.endpoint, &sh.rng.request_id());
                self.token_ready(id, started_at, force, token, request, now_ms, sh);
                None
            }
            Err(error) => Some(self.failed(error, now_ms, sh)),
        }
    }

    // The part of `token_arrived` that does not depend on the request's kind:
    // the attempt, authenticated, is ready to go.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn token_ready(
        &mut self,
        id: ExchangeId,
        started_at: f64,
        force: bool,
        token: String,
        mut request: HttpRequest,
        now_ms: f64,
        sh: &mut Shared,
    ) {
        let left = sh.timeout_ms.saturating_sub((now_ms - started_at).max(0.0) as u32).max(1);
        request.set_token(&token);
        let outgoing = self.send(id, request, left);
        if force {
            sh.refresh = Refresh::Got(token.clone());
        }
        self.stage = Stage::Ready(outgoing, Some(token));
    }

    /// Exchange `id` came back: read it with `parse`, and on failure decide
    /// whether to try again. `None` if `id` is not this request's.
    pub fn exchanged<V>(
        &mut self,
        id: ExchangeId,
        outcome: Result<RawResponse, TransportFailure>,
        now_ms: f64,
        sh: &mut Shared,
        path: &str,
        parse: impl FnOnce(&RawResponse, &str) -> Result<V, Error>,
    ) -> Option<Answer<V>> {
        let Stage::InFlight { id: own, request_id, token } = &self.stage else { return None };
        if *own != id {
            return None;
        }
        let (request_id, token) = (request_id.clone(), token.clone());
        let status = outcome.as_ref().ok().map(|r| r.status);
        let parsed = match outcome {
            Ok(response) => parse(&response, &request_id),
            Err(failure) => Err(transport_error(failure, &sh.endpoint.url(path), sh.timeout_ms)),
        };
        self.read(status, parsed.as_ref().err(), &request_id, now_ms, sh);
        match parsed {
            Ok(value) => {
                self.stage = Stage::Done;
                Some(Answer::Value(value, request_id))
            }
            Err(mut error) => {
                if self.refused(&mut error, request_id, token, sh) {
                    return Some(Answer::Retrying);
                }
                Some(self.failed(error, now_ms, sh))
            }
        }
    }

    // The parts of `exchanged` that do not depend on the value's type, one copy
    // for every kind of request. An answer was read (`error` if it failed):
    // tell the scheduler and the `onResponse` hook.
    #[inline(never)]
    fn read(
        &mut self,
        status: Option<u16>,
        error: Option<&Error>,
        request_id: &str,
        now_ms: f64,
        sh: &mut Shared,
    ) {
        let epoch = self.slot.take().map(|slot| slot.epoch());
        if let (Some(scheduler), Some(epoch)) = (&sh.scheduler, epoch) {
            let throttled = status == Some(429);
            if throttled || error.is_none() {
                scheduler.borrow_mut().answered(throttled, epoch, now_ms);
            }
        }
        let (attempt, duration_ms) = (self.attempts, (now_ms - self.sent_at).max(0.0) as u64);
        sh.hook(|| Hook::Response {
            attempt: Attempt {
                operation: self.operation,
                request_id: request_id.to_owned(),
                number: attempt,
            },
            http_status: status,
            error_code: error.and_then(|e| e.error_code.clone()),
            code: error.map(|e| e.kind.code()),
            duration_ms,
        });
    }

    /// Finish the attempt's `error` (its request ID, a refusal hint, the token
    /// scrubbed); `true` if it is a refusal to answer with the call's one forced
    /// token refresh.
    #[inline(never)]
    fn refused(
        &mut self,
        error: &mut Error,
        request_id: String,
        token: Option<String>,
        sh: &mut Shared,
    ) -> bool {
        error.request_id = Some(request_id);
        if error.kind == ErrorKind::Http && matches!(error.http_status, Some(401 | 403)) {
            error.message.push_str(sh.auth.refusal_hint());
        }
        let secret = match &token {
            Some(token) => Secret::new(token),
            None => sh.auth.secret(),
        };
        if let Some(secret) = secret {
            error.redact(&secret);
        }
        if self.refreshed || sh.auth != Auth::TokenFunction || !is_refusal(error) {
            return false;
        }
        // Ask once more with a forced refresh, shared with the call's
        // other refused requests; unless one already gave a token
        // other than the refused one: that is the fresh one.
        self.refreshed = true;
        if matches!(&sh.refresh, Refresh::Got(fresh) if Some(fresh) == token.as_ref()) {
            sh.refresh = Refresh::Idle;
        }
        self.stage = Stage::Refresh;
        true
    }

    /// The current attempt failed with `error`: retry later, or give up.
    fn failed<V>(&mut self, error: Error, now_ms: f64, sh: &mut Shared) -> Answer<V> {
        self.stage = Stage::Done;
        self.slot = None;
        let RetryDecision::RetryIn(delay) = sh.retry.decide(self.attempts, &error, sh.rng.unit()) else {
            return Answer::GaveUp(error);
        };
        let at = now_ms + delay as f64;
        if sh.deadline_ms.is_some_and(|deadline| at >= deadline) {
            return Answer::Deadline(error);
        }
        let timed_out = error.kind == ErrorKind::Timeout;
        if sh.scheduler.as_ref().is_some_and(|s| !s.borrow_mut().allow_retry(timed_out)) {
            return Answer::GaveUp(error);
        }
        let attempt = self.attempts;
        sh.hook(|| Hook::Retry {
            attempt: Attempt {
                operation: self.operation,
                request_id: error.request_id.clone().unwrap_or_default(),
                number: attempt,
            },
            delay_ms: delay,
            error: Box::new(error),
        });
        self.stage = Stage::DueAt(at);
        Answer::Retrying
    }
}

/// What a token function answered: a usable token, or the error of the attempt
/// (also the call's, when it was the forced refresh).
#[inline(never)]
fn checked_token(outcome: Result<String, Cause>, force: bool, sh: &mut Shared) -> Result<String, Error> {
    let error = match outcome {
        Err(cause) => token_failed(cause),
        Ok(token) => match validate_token(&token) {
            Ok(()) => return Ok(token),
            Err(e) => unusable_token(&e),
        },
    };
    if force {
        sh.refresh = Refresh::Failed(Box::new(error.clone()));
    }
    Err(error)
}

/// The error of a token function that outlived the attempt's timeout (also
/// the call's, when it was the forced refresh).
#[inline(never)]
fn token_timed_out(force: bool, sh: &mut Shared) -> Error {
    let error = Error::new(
        ErrorKind::Timeout,
        cat(&[
            "the `token` function did not answer within timeoutMs (",
            &decimal(i64::from(sh.timeout_ms)),
            " ms)",
        ]),
    );
    if force {
        sh.refresh = Refresh::Failed(Box::new(error.clone()));
    }
    error
}

/// The error of a token function that threw or rejected.
#[inline(never)]
fn token_failed(cause: Cause) -> Error {
    let message = cat(&["the `token` function failed: ", &cause.message]);
    let mut error = Error::new(ErrorKind::Auth, message);
    error.cause = Some(Box::new(cause));
    error
}

/// The error of a token function's answer that is no usable token.
#[inline(never)]
fn unusable_token(why: &Error) -> Error {
    Error::new(ErrorKind::Auth, cat(&["the `token` function gave an unusable token: ", &why.message]))
}

/// The error of a transport failure of the attempt with `request_id`.
pub fn transport_error(failure: TransportFailure, url: &str, timeout_ms: u32) -> Error {
    let mut cause = None;
    let (kind, message, http_status) = match failure {
        TransportFailure::Network(failure) => {
            let message = cat(&[
                "could not reach KooPhone at ",
                url,
                ": ",
                &failure.message,
                ". In a browser this is also how a CORS refusal looks: \
                 check the endpoint, or route through a same-origin proxy",
            ]);
            cause = Some(failure);
            (ErrorKind::Network, message, None)
        }
        TransportFailure::Timeout => {
            let ms = decimal(i64::from(timeout_ms));
            (ErrorKind::Timeout, cat(&["no complete response within timeoutMs (", &ms, " ms)"]), None)
        }
        TransportFailure::Redirect(status) => (
            ErrorKind::Redirect,
            cat(&[
                "KooPhone at ",
                url,
                " answered with a redirect",
                &status.map(|s| cat(&[" (HTTP ", &decimal(i64::from(s)), ")"])).unwrap_or_default(),
                "; requests are never re-sent to another URL \
                 (the token would go with them): set `endpoint` to the final URL",
            ]),
            status,
        ),
        TransportFailure::TooLarge(status) => (
            ErrorKind::BadResponse,
            cat(&[
                "the response body is larger than ",
                &decimal(MAX_BODY_BYTES as i64),
                " bytes; stopped reading it",
            ]),
            Some(status),
        ),
        TransportFailure::NotAResponse(what) => {
            (ErrorKind::BadResponse, cat(&["unexpected response from fetch: ", &what]), None)
        }
    };
    let mut error = Error::new(kind, message);
    error.http_status = http_status;
    error.cause = cause.map(Box::new);
    error
}
