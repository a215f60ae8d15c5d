//! Whole calls, natively: each call state machine driven by a simulated
//! clock and scripted exchanges, the way `src/driver` drives it in wasm.
//! Everything the black-box suites check about retries, deadlines, aborts,
//! concurrency and chunk failures is checked here deterministically too.

#![cfg(not(target_arch = "wasm32"))]

use koophone_wasm::engine::batch::{BatchCall, BatchOutcome};
use koophone_wasm::engine::call::{
    Action, Auth, Event, ExchangeId, Machine, Notice, Outgoing, Shared, TransportFailure,
};
use koophone_wasm::engine::error::Cause;
use koophone_wasm::engine::json::{parse, Json};
use koophone_wasm::engine::options::{BatchOptions, RawOptions};
use koophone_wasm::engine::poll::PollPolicy;
use koophone_wasm::engine::prepare::{PrepareCall, Target, WaitCall};
use koophone_wasm::engine::response::RawResponse;
use koophone_wasm::engine::retry::RetryPolicy;
use koophone_wasm::engine::validate::Endpoint;
use koophone_wasm::engine::{Error, ErrorKind};
use proptest::prelude::*;

const TOKEN: &str = "tok-0123456789abcdef";

/// What a scripted server answers.
#[derive(Clone, Debug)]
enum Reply {
    Status(u16, String),
    RetryAfter(u16, String),
    Fail(TransportFailure),
}

fn ok_statuses(ids: &[String], skip: &[&str]) -> Reply {
    let results: Vec<String> = ids
        .iter()
        .filter(|id| !skip.contains(&id.as_str()))
        .map(|id| format!(r#"{{"instance_id":"{id}","status":2}}"#))
        .collect();
    Reply::Status(200, format!(r#"{{"error_code":"0","data":{{"status_results":[{}]}}}}"#, results.join(",")))
}

fn asked_ids(out: &Outgoing) -> Vec<String> {
    let body = parse(&out.request.body).unwrap();
    body.get("instance_ids")
        .and_then(Json::as_array)
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn shared(auth: Auth, max_attempts: u32) -> Shared {
    let retry = RetryPolicy { max_attempts, ..RetryPolicy::default() };
    Shared::new(Endpoint::default(), auth, retry, 1_000, 42)
}

fn batch(ids: &[&str], chunk_size: usize, concurrency: usize, allow_partial: bool) -> BatchCall {
    let ids = ids.iter().map(|s| s.to_string()).collect();
    BatchCall::new(
        ids,
        BatchOptions { chunk_size, concurrency, allow_partial },
        shared(Auth::Token(TOKEN.into()), 3),
    )
}

/// A driver with a simulated clock: it performs actions like `src/driver`
/// does, answering sends with `reply` after `latency_ms`.
struct Sim<M: Machine> {
    machine: M,
    now: f64,
    wake: Option<f64>,
    /// Exchanges on the wire: (id, due time, request).
    wire: Vec<(ExchangeId, f64, Outgoing)>,
    sends: Vec<(f64, Outgoing)>,
    notices: Vec<Notice>,
    max_in_flight: usize,
    finished: Option<(f64, Result<M::Output, Error>)>,
    latency_ms: f64,
}

impl<M: Machine> Sim<M> {
    fn new(machine: M) -> Self {
        Sim {
            machine,
            now: 0.0,
            wake: None,
            wire: Vec::new(),
            sends: Vec::new(),
            notices: Vec::new(),
            max_in_flight: 0,
            finished: None,
            latency_ms: 10.0,
        }
    }

    fn step(&mut self) {
        while let Some(action) = self.machine.next_action(self.now) {
            assert!(self.finished.is_none(), "an action after Finish");
            match action {
                Action::Send(out) => {
                    let out = *out;
                    self.wire.push((out.id, self.now + self.latency_ms, out.clone()));
                    self.max_in_flight = self.max_in_flight.max(self.wire.len());
                    self.sends.push((self.now, out));
                }
                Action::GetToken { id, .. } => {
                    self.machine.handle(Event::Token { id, outcome: Ok(TOKEN.into()) }, self.now);
                }
                Action::WakeAt(at) => self.wake = Some(at),
                Action::Notify(notice) => self.notices.push(notice),
                Action::Cancel(id) => self.wire.retain(|w| w.0 != id),
                Action::Finish(result) => {
                    self.finished = Some((self.now, result));
                    self.wire.clear();
                }
            }
        }
    }

    /// Run until the call finishes, answering with `reply(request, how many sends before)`.
    fn run(&mut self, mut reply: impl FnMut(&Outgoing, usize) -> Reply) -> &mut Self {
        self.step();
        for _ in 0..100_000 {
            if self.finished.is_some() {
                return self;
            }
            let next_answer = self.wire.iter().map(|w| w.1).reduce(f64::min);
            match (next_answer, self.wake) {
                (Some(at), wake) if wake.map_or(true, |w| at <= w) => {
                    let index = self.wire.iter().position(|w| w.1 == at).unwrap();
                    let (id, at, out) = self.wire.remove(index);
                    self.now = self.now.max(at);
                    let n = self.sends.iter().position(|s| s.1.id == id).unwrap();
                    let outcome = match reply(&out, n) {
                        Reply::Status(status, body) => Ok(response(status, body, None, self.now)),
                        Reply::RetryAfter(status, value) => {
                            Ok(response(status, String::new(), Some(value), self.now))
                        }
                        Reply::Fail(failure) => Err(failure),
                    };
                    self.machine.handle(Event::Exchanged { id, outcome }, self.now);
                }
                (_, Some(wake)) => {
                    self.now = self.now.max(wake);
                    self.wake = None;
                    self.machine.handle(Event::Woke, self.now);
                }
                _ => panic!("stuck: nothing in flight, no wake-up, not finished"),
            }
            self.step();
        }
        panic!("did not finish");
    }

    fn result(&self) -> &Result<M::Output, Error> {
        &self.finished.as_ref().expect("finished").1
    }

    fn error(&self) -> &Error {
        self.result().as_ref().err().expect("an error")
    }
}

fn response(status: u16, body: String, retry_after: Option<String>, now: f64) -> RawResponse {
    RawResponse { status, body, retry_after, received_at_ms: now }
}

fn down(_: &Outgoing, _: usize) -> Reply {
    Reply::Status(503, "{}".into())
}

#[test]
fn a_chunk_that_fails_twice_is_retried_and_succeeds() {
    let mut sim = Sim::new(batch(&["a", "b"], 32, 4, false));
    sim.run(|out, n| if n < 2 { down(out, n) } else { ok_statuses(&asked_ids(out), &["b"]) });
    let outcome = sim.result().as_ref().unwrap();
    assert_eq!(sim.sends.len(), 3);
    assert_eq!(outcome.merged.statuses.len(), 1);
    assert_eq!(outcome.merged.missing, ["b"]);
    assert_eq!(outcome.request_ids.len(), 3);
    let mut ids = outcome.request_ids.clone();
    ids.dedup();
    assert_eq!(ids.len(), 3, "every attempt has its own x-request-id");
}

#[test]
fn retries_stop_at_max_attempts() {
    let mut sim = Sim::new(batch(&["a"], 32, 4, false));
    sim.run(down);
    assert_eq!(sim.sends.len(), 3);
    assert_eq!(sim.error().kind, ErrorKind::Http);
    assert_eq!(sim.error().http_status, Some(503));
}

#[test]
fn retry_after_seconds_are_waited_exactly() {
    let mut sim = Sim::new(batch(&["a"], 32, 4, false));
    sim.run(
        |out, n| {
            if n == 0 {
                Reply::RetryAfter(503, "2".into())
            } else {
                ok_statuses(&asked_ids(out), &[])
            }
        },
    );
    assert_eq!(sim.sends.len(), 2);
    assert_eq!(sim.sends[1].0 - sim.sends[0].0, 2_000.0 + sim.latency_ms);
}

#[test]
fn retry_after_beyond_the_ceiling_gives_up_at_once() {
    for value in ["61", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let mut sim = Sim::new(batch(&["a"], 32, 4, false));
        sim.run(|_, _| Reply::RetryAfter(429, value.into()));
        assert_eq!(sim.sends.len(), 1, "{value}");
        assert_eq!(sim.error().http_status, Some(429));
    }
}

#[test]
fn throttling_without_retry_after_waits_two_to_five_seconds() {
    let mut sim = Sim::new(batch(&["a"], 32, 4, false));
    let body = r#"{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"gw-1"}"#;
    sim.run(|_, _| Reply::Status(429, body.into()));
    assert_eq!(sim.sends.len(), 3);
    for pair in sim.sends.windows(2) {
        let gap = pair[1].0 - pair[0].0 - sim.latency_ms;
        assert!((2_000.0..=5_000.0).contains(&gap), "waited {gap} ms");
    }
    assert_eq!(sim.error().error_code.as_deref(), Some("APIGW.0308"));
    assert_eq!(sim.error().server_request_id.as_deref(), Some("gw-1"));
}

#[test]
fn timeouts_and_network_failures_are_retried_redirects_are_not() {
    let cause =
        Cause { name: "TypeError".into(), message: "fetch failed".into(), code: Some("ECONNREFUSED".into()) };
    for (failure, sends, kind) in [
        (TransportFailure::Timeout, 3, ErrorKind::Timeout),
        (TransportFailure::Network(cause), 3, ErrorKind::Network),
        (TransportFailure::Redirect(Some(308)), 1, ErrorKind::Redirect),
        (TransportFailure::TooLarge(200), 1, ErrorKind::BadResponse),
    ] {
        let mut sim = Sim::new(batch(&["a"], 32, 4, false));
        sim.run(|_, _| Reply::Fail(failure.clone()));
        assert_eq!((sim.sends.len(), sim.error().kind), (sends, kind), "{failure:?}");
    }
}

#[test]
fn the_first_failed_chunk_ends_the_call_and_nothing_is_sent_after() {
    let ids: Vec<String> = (0..10).map(|i| format!("id{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut sim = Sim::new(batch(&refs, 2, 3, false));
    sim.run(|out, _| {
        if asked_ids(out).contains(&"id0".to_owned()) {
            Reply::Status(400, r#"{"error_code":"KOOPHONE.API.4001","error_msg":"bad"}"#.into())
        } else {
            ok_statuses(&asked_ids(out), &[])
        }
    });
    assert_eq!(sim.error().error_code.as_deref(), Some("KOOPHONE.API.4001"));
    assert_eq!(sim.sends.len(), 3, "the 3 chunks in flight when the first answer, a failure, came; no more");
}

#[test]
fn allow_partial_reports_failed_chunks_beside_the_statuses() {
    let mut sim = Sim::new(batch(&["a", "b", "c", "d"], 2, 4, true));
    sim.run(|out, _| {
        if asked_ids(out)[0] == "a" {
            Reply::Status(400, "{}".into())
        } else {
            ok_statuses(&asked_ids(out), &[])
        }
    });
    let outcome: &BatchOutcome = sim.result().as_ref().unwrap();
    assert_eq!(
        outcome.merged.statuses.iter().map(|s| s.instance_id.as_str()).collect::<Vec<_>>(),
        ["c", "d"]
    );
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!(outcome.errors[0].0, ["a", "b"]);
    assert!(outcome.merged.missing.is_empty(), "IDs of a failed chunk are not missing");
}

#[test]
fn a_total_outage_with_allow_partial_rejects_with_every_chunk_error() {
    let mut sim = Sim::new(batch(&["a", "b", "c"], 1, 2, true));
    sim.run(|_, _| Reply::Status(400, "{}".into()));
    let error = sim.error();
    assert_eq!(error.http_status, Some(400));
    assert_eq!(error.chunk_errors.len(), 3);
    let mut failed: Vec<&str> = error.chunk_errors.iter().map(|(ids, _)| ids[0].as_str()).collect();
    failed.sort();
    assert_eq!(failed, ["a", "b", "c"]);
}

#[test]
fn concurrency_is_never_exceeded() {
    let ids: Vec<String> = (0..40).map(|i| format!("id{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut sim = Sim::new(batch(&refs, 3, 4, false));
    sim.run(|out, _| ok_statuses(&asked_ids(out), &[]));
    assert_eq!(sim.max_in_flight, 4);
    assert_eq!(sim.sends.len(), 14);
    assert_eq!(sim.result().as_ref().unwrap().merged.statuses.len(), 40);
}

#[test]
fn an_abort_at_any_step_finishes_with_aborted_and_sends_nothing_more() {
    for abort_after_actions in 0..6 {
        let mut call = batch(&["a", "b", "c"], 1, 2, false);
        let mut sends = 0;
        let mut actions = 0;
        let mut finished = None;
        if abort_after_actions == 0 {
            call.handle(Event::Aborted, 0.0);
        }
        'outer: for round in 0..10 {
            while let Some(action) = call.next_action(f64::from(round)) {
                match action {
                    Action::Send(_) => sends += 1,
                    Action::Finish(result) => {
                        finished = Some(result);
                        break 'outer;
                    }
                    _ => {}
                }
                actions += 1;
                if actions == abort_after_actions {
                    call.handle(Event::Aborted, f64::from(round));
                }
            }
            if actions < abort_after_actions {
                call.handle(Event::Aborted, f64::from(round));
            }
        }
        let error = finished.expect("finished").unwrap_err();
        assert_eq!(error.kind, ErrorKind::Aborted);
        assert!(sends <= abort_after_actions, "sent {sends} after an abort at action {abort_after_actions}");
        assert_eq!(call.next_action(100.0), None, "nothing after Finish");
    }
}

#[test]
fn echoed_tokens_are_scrubbed_from_errors() {
    let mut sim = Sim::new(batch(&["a"], 32, 4, false));
    sim.run(|_, _| Reply::Status(400, format!(r#"{{"error_code":"X.1","error_msg":"bad token {TOKEN}"}}"#)));
    let e = sim.error();
    assert!(!e.error_msg.as_deref().unwrap().contains(TOKEN) && !e.message.contains(TOKEN), "{e:?}");
}

#[test]
fn a_failing_token_function_fails_with_auth_and_is_not_retried() {
    let mut call = BatchCall::new(
        vec!["a".into()],
        BatchOptions { chunk_size: 32, concurrency: 4, allow_partial: false },
        shared(Auth::TokenFunction, 3),
    );
    let Some(Action::GetToken { id, .. }) = call.next_action(0.0) else { panic!("asks for a token first") };
    let cause = Cause { name: "Error".into(), message: "vault down".into(), code: None };
    call.handle(Event::Token { id, outcome: Err(cause) }, 1.0);
    let Some(Action::Finish(Err(e))) = call.next_action(1.0) else { panic!("finishes") };
    assert_eq!(e.kind, ErrorKind::Auth);
    assert_eq!(e.cause.unwrap().message, "vault down");
}

#[test]
fn a_token_function_that_hangs_times_out_like_a_request() {
    let mut call = PrepareCall::new(target(), shared(Auth::TokenFunction, 1), 0.0);
    assert!(matches!(call.next_action(0.0), Some(Action::GetToken { .. })));
    assert_eq!(call.next_action(0.0), Some(Action::WakeAt(1_000.0)));
    call.handle(Event::Woke, 1_000.0);
    let Some(Action::Finish(Err(e))) = call.next_action(1_000.0) else { panic!("finishes") };
    assert_eq!(e.kind, ErrorKind::Timeout);
}

fn target() -> Target {
    Target { user_id: "u1".into(), instance_id: "i1".into() }
}

fn progress(status: i64, waiting: i64) -> Reply {
    Reply::Status(
        200,
        format!(r#"{{"error_code":"0","data":{{"status":{status},"waitingCount":{waiting}}}}}"#),
    )
}

fn wait(max_wait_ms: u32) -> WaitCall {
    let policy = PollPolicy { max_wait_ms, min_delay_ms: 1_000, max_delay_ms: 4_000 };
    WaitCall::new(target(), shared(Auth::Token(TOKEN.into()), 3), policy, 0.0)
}

#[test]
fn wait_prepared_polls_at_its_cadence_and_reports_every_reading() {
    let mut sim = Sim::new(wait(60_000));
    sim.run(|_, n| match n {
        0..=3 => progress(1, 5),
        4 => progress(2, 0),
        _ => progress(0, 0),
    });
    let starts: Vec<f64> = sim.sends.iter().map(|s| s.0).collect();
    // Unchanged readings back off 1.5x up to the maximum; a change resets.
    assert_eq!(starts, [0.0, 1_000.0, 2_500.0, 4_750.0, 8_125.0, 9_125.0]);
    assert_eq!(sim.notices.len(), 6);
    assert_eq!(sim.result().as_ref().unwrap().attempt, 6);
}

#[test]
fn wait_prepared_ends_by_its_deadline_with_the_last_reading() {
    let mut sim = Sim::new(wait(5_000));
    sim.run(|_, _| progress(1, 3));
    let (finished_at, _) = sim.finished.as_ref().unwrap();
    assert!(*finished_at <= 5_000.0 + sim.latency_ms, "finished at {finished_at}");
    let e = sim.error();
    assert_eq!(e.kind, ErrorKind::WaitTimeout);
    assert_eq!(e.progress.as_ref().unwrap().progress.status, 1);
}

#[test]
fn wait_prepared_stops_on_failure() {
    let mut sim = Sim::new(wait(60_000));
    sim.run(|_, n| if n == 0 { progress(1, 1) } else { progress(-1, 0) });
    assert_eq!(sim.error().kind, ErrorKind::PrepareFailed);
    assert_eq!(sim.sends.len(), 2);
}

#[test]
fn an_abort_during_a_wait_keeps_the_last_reading() {
    let mut call = wait(60_000);
    let Some(Action::Send(out)) = call.next_action(0.0) else { panic!() };
    let body = r#"{"data":{"status":1,"waitingCount":4}}"#.to_owned();
    call.handle(Event::Exchanged { id: out.id, outcome: Ok(response(200, body, None, 5.0)) }, 5.0);
    assert!(matches!(call.next_action(5.0), Some(Action::Notify(_))));
    assert_eq!(call.next_action(5.0), Some(Action::WakeAt(1_000.0)));
    call.handle(Event::Aborted, 100.0);
    let Some(Action::Finish(Err(e))) = call.next_action(100.0) else { panic!() };
    assert_eq!(e.kind, ErrorKind::Aborted);
    assert_eq!(e.progress.unwrap().progress.waiting_count, Some(4));
}

#[test]
fn options_reach_the_machines() {
    let o = RawOptions { max_attempts: Some(1.0), ..RawOptions::default() }.resolve(None).unwrap();
    let sh = Shared::new(o.endpoint, Auth::Token(TOKEN.into()), o.retry, o.timeout_ms, 1);
    let mut sim = Sim::new(BatchCall::new(vec!["a".into()], o.batch, sh));
    sim.run(down);
    assert_eq!(sim.sends.len(), 1, "maxAttempts 1: no retry");
}

// ---- properties over random scripts ----

fn arb_reply() -> impl Strategy<Value = u8> {
    0u8..6
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the server does, every ID ends in exactly one of statuses,
    /// missing or a failed chunk; attempts and concurrency stay in bounds.
    #[test]
    fn batch_calls_account_for_every_id(
        count in 1usize..60,
        chunk_size in 1usize..8,
        concurrency in 1usize..5,
        allow_partial in any::<bool>(),
        script in prop::collection::vec(arb_reply(), 1..64),
        latency in 1u32..500,
    ) {
        let ids: Vec<String> = (0..count).map(|i| format!("id{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut sim = Sim::new(batch(&refs, chunk_size, concurrency, allow_partial));
        sim.latency_ms = f64::from(latency);
        sim.run(|out, n| match script[n % script.len()] {
            0 => Reply::Status(503, "{}".into()),
            1 => Reply::Fail(TransportFailure::Timeout),
            2 => Reply::Status(400, "{}".into()),
            3 => { let asked = asked_ids(out); let skip = [asked[0].as_str()]; ok_statuses(&asked, &skip) }
            _ => ok_statuses(&asked_ids(out), &[]),
        });
        prop_assert!(sim.max_in_flight <= concurrency);
        let chunks = count.div_ceil(chunk_size);
        let mut per_chunk = vec![0u32; chunks];
        for (_, out) in &sim.sends {
            let first: usize = asked_ids(out)[0][2..].parse().unwrap();
            per_chunk[first / chunk_size] += 1;
        }
        prop_assert!(per_chunk.iter().all(|&n| n <= 3), "attempts per chunk {:?}", per_chunk);
        match sim.result() {
            Ok(outcome) => {
                let mut seen: Vec<&str> = outcome.merged.statuses.iter().map(|s| s.instance_id.as_str())
                    .chain(outcome.merged.missing.iter().map(String::as_str))
                    .chain(outcome.errors.iter().flat_map(|(ids, _)| ids.iter().map(String::as_str)))
                    .collect();
                seen.sort();
                let mut expected = refs.clone();
                expected.sort();
                prop_assert_eq!(seen, expected);
                prop_assert_eq!(outcome.request_ids.len(), sim.sends.len());
            }
            Err(error) => {
                if allow_partial {
                    prop_assert_eq!(error.chunk_errors.len(), chunks, "only a total outage rejects");
                }
            }
        }
    }

    /// A wait ends by its deadline plus one attempt, whatever the readings.
    #[test]
    fn waits_end_by_their_deadline(
        max_wait in 1_000u32..30_000,
        script in prop::collection::vec(0u8..5, 1..32),
        latency in 1u32..900,
    ) {
        let mut sim = Sim::new(wait(max_wait));
        sim.latency_ms = f64::from(latency);
        sim.run(|_, n| match script[n % script.len()] {
            0 => Reply::Status(503, "{}".into()),
            1 => Reply::Fail(TransportFailure::Timeout),
            2 => progress(2, 0),
            3 => progress(1, n as i64),
            _ => progress(1, 1),
        });
        let (finished_at, _) = sim.finished.as_ref().unwrap();
        prop_assert!(*finished_at <= f64::from(max_wait) + f64::from(latency), "finished at {} of {}", finished_at, max_wait);
    }
}
