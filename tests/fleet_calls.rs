//! The fleet calls natively, with a simulated clock: watch rounds and their
//! events, waiting for a state, preparing many, hooks, and one client
//! scheduler shared by several calls.

#![cfg(not(target_arch = "wasm32"))]

use koophone_wasm::engine::batch::BatchCall;
use koophone_wasm::engine::call::{Action, Auth, Event, ExchangeId, Machine, Notice, Outgoing, Shared};
use koophone_wasm::engine::fleet::{FleetNotice, WatchEvent};
use koophone_wasm::engine::hooks::Hook;
use koophone_wasm::engine::json::{parse, Json};
use koophone_wasm::engine::options::BatchOptions;
use koophone_wasm::engine::poll::PollPolicy;
use koophone_wasm::engine::prepare::Target;
use koophone_wasm::engine::prepare_all::PrepareAllCall;
use koophone_wasm::engine::response::RawResponse;
use koophone_wasm::engine::retry::RetryPolicy;
use koophone_wasm::engine::scheduler::{Scheduler, SchedulerConfig, SharedScheduler};
use koophone_wasm::engine::validate::Endpoint;
use koophone_wasm::engine::wait_state::StateCall;
use koophone_wasm::engine::watch::WatchCall;
use koophone_wasm::engine::{Error, ErrorKind};

const TOKEN: &str = "tok-0123456789abcdef";

fn shared(max_attempts: u32) -> Shared {
    let retry = RetryPolicy { max_attempts, ..RetryPolicy::default() };
    Shared::new(Endpoint::default(), Auth::Token(TOKEN.into()), retry, 1_000, 42)
}

fn batch_options(chunk_size: usize) -> BatchOptions {
    BatchOptions { chunk_size, concurrency: 4, allow_partial: false }
}

fn ids(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn asked_ids(out: &Outgoing) -> Vec<String> {
    let body = parse(&out.request.body).unwrap();
    let list = body.get("instance_ids").and_then(Json::as_array).unwrap();
    list.iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

/// A body reporting each asked ID with `status(id)`, leaving out `None`s.
fn statuses(out: &Outgoing, status: impl Fn(&str) -> Option<i64>) -> (u16, String) {
    let results: Vec<String> = asked_ids(out)
        .iter()
        .filter_map(|id| status(id).map(|s| format!(r#"{{"instance_id":"{id}","status":{s}}}"#)))
        .collect();
    (200, format!(r#"{{"error_code":"0","data":{{"status_results":[{}]}}}}"#, results.join(",")))
}

/// When a machine finished, and with what.
type Finished<M> = Option<(f64, Result<<M as Machine>::Output, Error>)>;

/// Several machines of one type driven with one simulated clock, answers
/// after `latency_ms`; slot waiters of a shared scheduler are woken after
/// each answer, as the JS client does.
struct Sim<M: Machine> {
    machines: Vec<M>,
    now: f64,
    wakes: Vec<Option<f64>>,
    wire: Vec<(usize, ExchangeId, f64, Outgoing)>,
    sends: Vec<(usize, f64, Outgoing)>,
    notices: Vec<(usize, f64, Notice)>,
    /// Exchanges the machines cancelled (machine, exchange, when).
    cancelled: Vec<(usize, ExchangeId, f64)>,
    finished: Vec<Finished<M>>,
    max_in_flight: usize,
    latency_ms: f64,
    scheduler: Option<SharedScheduler>,
}

impl<M: Machine> Sim<M> {
    fn new(machines: Vec<M>) -> Self {
        let n = machines.len();
        Sim {
            machines,
            now: 0.0,
            wakes: vec![None; n],
            wire: Vec::new(),
            sends: Vec::new(),
            notices: Vec::new(),
            cancelled: Vec::new(),
            finished: (0..n).map(|_| None).collect(),
            max_in_flight: 0,
            latency_ms: 10.0,
            scheduler: None,
        }
    }

    fn step(&mut self, m: usize) {
        while let Some(action) = self.machines[m].next_action(self.now) {
            assert!(self.finished[m].is_none(), "an action after Finish");
            match action {
                Action::Send(out) => {
                    let out = *out;
                    self.wire.push((m, out.id, self.now + self.latency_ms, out.clone()));
                    self.max_in_flight = self.max_in_flight.max(self.wire.len());
                    self.sends.push((m, self.now, out));
                }
                Action::GetToken { id, .. } => {
                    self.machines[m].handle(Event::Token { id, outcome: Ok(TOKEN.into()) }, self.now)
                }
                Action::WakeAt(at) => self.wakes[m] = Some(at),
                Action::Notify(notice) => self.notices.push((m, self.now, notice)),
                Action::Cancel(id) => {
                    let on_the_wire = self.wire.iter().position(|w| w.0 == m && w.1 == id);
                    self.wire.remove(on_the_wire.expect("only exchanges on the wire are cancelled"));
                    self.cancelled.push((m, id, self.now));
                }
                Action::Finish(result) => {
                    self.finished[m] = Some((self.now, result));
                    self.wire.retain(|w| w.0 != m);
                    self.wakes[m] = None;
                }
            }
        }
    }

    /// Run until every machine finished or `until_ms`, answering with `reply(request, now)`.
    fn run(&mut self, until_ms: f64, mut reply: impl FnMut(&Outgoing, f64) -> (u16, String)) -> &mut Self {
        for m in 0..self.machines.len() {
            self.step(m);
        }
        while self.finished.iter().any(Option::is_none) {
            let answer =
                self.wire
                    .iter()
                    .enumerate()
                    .map(|(i, w)| (w.2, i))
                    .reduce(|a, b| if b.0 < a.0 { b } else { a });
            let wake = self.wakes.iter().enumerate().filter_map(|(m, w)| w.map(|w| (w, m))).reduce(|a, b| {
                if b.0 < a.0 {
                    b
                } else {
                    a
                }
            });
            let next = match (answer, wake) {
                (Some(a), Some(w)) => a.0.min(w.0),
                (Some(a), None) => a.0,
                (None, Some(w)) => w.0,
                (None, None) => break,
            };
            if next > until_ms {
                self.now = until_ms;
                break;
            }
            self.now = self.now.max(next);
            match (answer, wake) {
                (Some((at, i)), w) if w.map_or(true, |w| at <= w.0) => {
                    let (m, id, _, out) = self.wire.remove(i);
                    let (status, body) = reply(&out, self.now);
                    let response = RawResponse { status, body, retry_after: None, received_at_ms: self.now };
                    self.machines[m].handle(Event::Exchanged { id, outcome: Ok(response) }, self.now);
                    self.step(m);
                    if self.scheduler.as_ref().is_some_and(|s| s.borrow_mut().take_slot_waiters()) {
                        for other in 0..self.machines.len() {
                            if self.finished[other].is_none() {
                                self.machines[other].handle(Event::Woke, self.now);
                                self.step(other);
                            }
                        }
                    }
                }
                (_, Some((_, m))) => {
                    self.wakes[m] = None;
                    self.machines[m].handle(Event::Woke, self.now);
                    self.step(m);
                }
                _ => unreachable!(),
            }
        }
        self
    }

    fn abort(&mut self, m: usize) {
        self.machines[m].handle(Event::Aborted, self.now);
        self.step(m);
    }

    fn result(&self, m: usize) -> &Result<M::Output, Error> {
        &self.finished[m].as_ref().expect("finished").1
    }

    fn watch_events(&self) -> Vec<&WatchEvent> {
        self.notices
            .iter()
            .filter_map(|(_, _, n)| match n {
                Notice::Fleet(FleetNotice::Watch(e)) => Some(e),
                _ => None,
            })
            .collect()
    }
}

fn watch(names: &[&str], interval_ms: u32, emit_initial: bool, max_attempts: u32) -> WatchCall {
    WatchCall::new(ids(names), batch_options(32), shared(max_attempts), interval_ms, emit_initial, 0.0)
}

#[test]
fn a_watch_yields_every_id_first_then_only_changes_start_to_start() {
    let mut sim = Sim::new(vec![watch(&["a", "b", "c"], 1_000, true, 3)]);
    // b changes to running at 2.5 s; c is never reported.
    sim.run(5_500.0, |out, now| {
        statuses(out, |id| match id {
            "a" => Some(2),
            "b" => Some(if now < 2_500.0 { 4 } else { 2 }),
            _ => None,
        })
    });
    let starts: Vec<f64> = sim.sends.iter().map(|s| s.1).collect();
    assert_eq!(
        starts,
        [0.0, 1_000.0, 2_000.0, 3_000.0, 4_000.0, 5_000.0],
        "start to start, never overlapping"
    );
    let events = sim.watch_events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].round, 1);
    assert_eq!(events[0].changes.len(), 3, "every ID as a change from null");
    assert!(events[0].changes.iter().all(|c| c.previous.is_none()));
    assert_eq!(events[0].missing, ["c"]);
    assert_eq!(events[1].round, 4);
    assert_eq!(events[1].changes.len(), 1);
    assert_eq!((events[1].changes[0].previous, events[1].changes[0].current), (Some(4), Some(2)));
    assert_eq!(events[1].statuses.len(), 2);
    assert!(sim.finished[0].is_none(), "a watch does not end on its own");
}

#[test]
fn without_emit_initial_the_first_round_is_silent() {
    let mut sim = Sim::new(vec![watch(&["a"], 1_000, false, 3)]);
    sim.run(2_500.0, |out, _| statuses(out, |_| Some(2)));
    assert_eq!(sim.sends.len(), 3);
    assert!(sim.watch_events().is_empty());
}

#[test]
fn failed_rounds_keep_the_last_statuses_and_back_off_up_to_eight_intervals() {
    let mut sim = Sim::new(vec![watch(&["a"], 1_000, true, 1)]);
    // Up at first, down from 0.5 s to 20 s, then up with a new status.
    sim.run(40_000.0, |out, now| {
        if (500.0..20_000.0).contains(&now) {
            (503, "{}".into())
        } else {
            statuses(out, |_| Some(if now < 500.0 { 2 } else { 3 }))
        }
    });
    let starts: Vec<f64> = sim.sends.iter().map(|s| s.1).collect();
    // 0 ok; 1000 fails; then 2, 4, 8, 8 intervals; 23 000 ok; then every second again.
    assert_eq!(&starts[..8], [0.0, 1_000.0, 3_000.0, 7_000.0, 15_000.0, 23_000.0, 24_000.0, 25_000.0]);
    let events = sim.watch_events();
    let failed: Vec<&&WatchEvent> = events.iter().filter(|e| e.error.is_some()).collect();
    assert_eq!(failed.len(), 4);
    assert!(failed.iter().all(|e| e.changes.is_empty() && e.statuses[0].status == 2), "last known kept");
    let recovered = events.iter().find(|e| e.error.is_none() && e.round > 1).unwrap();
    assert_eq!((recovered.changes[0].previous, recovered.changes[0].current), (Some(2), Some(3)));
    assert_eq!(events.len(), 6, "initial, four failed rounds, the recovery; nothing after");
}

#[test]
fn the_first_good_round_after_failures_is_reported_even_without_changes() {
    let mut sim = Sim::new(vec![watch(&["a"], 1_000, true, 1)]);
    sim.run(10_000.0, |out, now| {
        if (500.0..1_500.0).contains(&now) {
            (503, "{}".into())
        } else {
            statuses(out, |_| Some(2))
        }
    });
    let events = sim.watch_events();
    let rounds: Vec<(u32, bool, usize)> =
        events.iter().map(|e| (e.round, e.error.is_some(), e.changes.len())).collect();
    assert_eq!(rounds, [(1, false, 1), (2, true, 0), (3, false, 0)]);
}

#[test]
fn a_permanent_error_ends_the_watch_and_an_abort_sends_nothing_more() {
    let mut sim = Sim::new(vec![watch(&["a"], 1_000, true, 3)]);
    sim.run(10_000.0, |_, _| {
        (401, r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}"#.into())
    });
    assert_eq!(sim.sends.len(), 1);
    assert_eq!(sim.result(0).as_ref().unwrap_err().http_status, Some(401));

    let mut sim = Sim::new(vec![watch(&["a"], 1_000, true, 3)]);
    sim.run(1_500.0, |out, _| statuses(out, |_| Some(2)));
    sim.abort(0);
    sim.run(10_000.0, |out, _| statuses(out, |_| Some(2)));
    assert_eq!(sim.sends.len(), 2);
    assert_eq!(sim.result(0).as_ref().unwrap_err().kind, ErrorKind::Aborted);
}

#[test]
fn a_failed_round_cancels_its_other_requests_on_the_wire() {
    // Two chunks of one ID, both on the wire; the first answer fails the round.
    let mut sim =
        Sim::new(vec![WatchCall::new(ids(&["a", "b"]), batch_options(1), shared(1), 1_000, true, 0.0)]);
    sim.run(
        500.0,
        |out, _| {
            if asked_ids(out) == ["a"] {
                (503, "{}".into())
            } else {
                statuses(out, |_| Some(2))
            }
        },
    );
    let sent: Vec<(ExchangeId, Vec<String>)> =
        sim.sends.iter().map(|(_, _, out)| (out.id, asked_ids(out))).collect();
    assert_eq!(sent.len(), 2, "both chunks sent at once: {sent:?}");
    assert_eq!(sent[0].1, ["a"]);
    // b's request was cancelled when a's failed, at 10 ms, not answered.
    assert_eq!(sim.cancelled, [(0, sent[1].0, 10.0)]);
    assert!(sim.wire.is_empty());
    let events = sim.watch_events();
    assert_eq!(events.len(), 1);
    assert!(events[0].error.is_some());

    // A wait for a state does the same with its rounds.
    let mut sim = Sim::new(vec![StateCall::new(
        ids(&["a", "b"]),
        vec!["running"],
        Vec::new(),
        batch_options(1),
        shared(1),
        1_000,
        60_000,
        0.0,
    )]);
    sim.run(
        500.0,
        |out, _| if asked_ids(out) == ["a"] { (503, "{}".into()) } else { statuses(out, |_| Some(2)) },
    );
    assert_eq!(sim.cancelled.len(), 1);
    assert_eq!(sim.cancelled[0].1, sim.sends[1].2.id);
}

#[test]
fn an_empty_watch_sends_nothing() {
    let mut sim = Sim::new(vec![watch(&[], 1_000, true, 3)]);
    sim.run(10_000.0, |out, _| statuses(out, |_| Some(2)));
    assert!(sim.sends.is_empty());
    assert_eq!(sim.watch_events().len(), 1);
    assert!(sim.finished[0].is_none());
}

fn wait_for(names: &[&str], fail_on: Vec<&'static str>, max_wait_ms: u32) -> StateCall {
    StateCall::new(
        ids(names),
        vec!["running"],
        fail_on,
        batch_options(32),
        shared(3),
        1_000,
        max_wait_ms,
        0.0,
    )
}

fn rounds(sim: &Sim<StateCall>) -> usize {
    sim.notices.iter().filter(|n| matches!(n.2, Notice::Fleet(FleetNotice::StateRound(_)))).count()
}

#[test]
fn wait_for_state_resolves_when_every_id_is_there_and_missing_ids_are_pending() {
    let mut sim = Sim::new(vec![wait_for(&["a", "b"], vec!["shutdown"], 60_000)]);
    // a runs from the start; b is unreported until 1.5 s, then starting, then running from 3.5 s.
    sim.run(f64::INFINITY, |out, now| {
        statuses(out, |id| match id {
            "a" => Some(2),
            _ if now < 1_500.0 => None,
            _ => Some(if now < 3_500.0 { 4 } else { 2 }),
        })
    });
    let outcome = sim.result(0).as_ref().unwrap();
    assert_eq!((outcome.rounds, outcome.statuses.len()), (5, 2));
    assert_eq!(rounds(&sim), 5);
    let Notice::Fleet(FleetNotice::StateRound(first)) = &sim.notices[0].2 else { panic!() };
    assert_eq!(
        (first.done.clone(), first.pending.clone(), first.missing.clone()),
        (ids(&["a"]), ids(&["b"]), ids(&["b"]))
    );
}

#[test]
fn wait_for_state_messages_list_the_ids_at_fault_twenty_at_most() {
    let names: Vec<String> = (0..22).map(|i| format!("i{i:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut sim = Sim::new(vec![wait_for(&names, vec![], 1_500)]);
    sim.run(f64::INFINITY, |out, _| statuses(out, |id| (id != "i01").then_some(4)));
    let e = sim.result(0).as_ref().unwrap_err();
    let listed: Vec<String> = (0..20)
        .map(|i| if i == 1 { "i01 (not reported)".to_owned() } else { format!("i{i:02} (starting)") })
        .collect();
    let expected = format!(
        "not every instance reached running within maxWaitMs; still pending: {} and more",
        listed.join(", ")
    );
    assert_eq!(e.message, expected);

    let mut sim = Sim::new(vec![wait_for(&["a", "b", "c"], vec!["shutdown", "stopped"], 60_000)]);
    sim.run(f64::INFINITY, |out, _| {
        statuses(out, |id| {
            Some(match id {
                "a" => 5,
                "b" => 2,
                _ => 1,
            })
        })
    });
    let e = sim.result(0).as_ref().unwrap_err();
    assert_eq!(e.message, "an instance entered a failOn state: a (shutdown), c (stopped)");
}

#[test]
fn wait_for_state_fails_on_a_fail_on_state_and_times_out_listing_pending_ids() {
    let mut sim = Sim::new(vec![wait_for(&["a", "b"], vec!["shutdown"], 60_000)]);
    sim.run(f64::INFINITY, |out, now| {
        statuses(out, |id| Some(if id == "b" && now > 2_000.0 { 5 } else { 4 }))
    });
    let e = sim.result(0).as_ref().unwrap_err();
    assert_eq!((e.kind, e.kind.code()), (ErrorKind::StateFailed, "STATE_FAILED"));
    assert!(e.message.contains("b (shutdown)") && !e.message.contains("a ("), "{}", e.message);
    assert_eq!(sim.sends.len(), 3, "rounds at 0, 1 and 2 s; b is shut down by the third answer");

    let mut sim = Sim::new(vec![wait_for(&["a", "b"], vec![], 4_500)]);
    sim.run(f64::INFINITY, |out, _| statuses(out, |id| (id == "a").then_some(2)));
    let (at, result) = sim.finished[0].as_ref().unwrap();
    let e = result.as_ref().unwrap_err();
    assert_eq!(e.kind, ErrorKind::WaitTimeout);
    assert_eq!(*at, 4_500.0);
    assert!(e.message.contains("still pending: b (not reported)"), "{}", e.message);
    assert_eq!(sim.sends.len(), 5);
}

#[test]
fn prepare_all_keeps_order_limits_waits_and_reports_each_failure() {
    let targets: Vec<Target> =
        (0..5).map(|i| Target { user_id: "u".into(), instance_id: format!("i{i}") }).collect();
    let policy = PollPolicy { max_wait_ms: 60_000, min_delay_ms: 1_000, max_delay_ms: 1_000 };
    let call = PrepareAllCall::new(targets, shared(1), policy, 2);
    let mut sim = Sim::new(vec![call]);
    let mut polls = std::collections::HashMap::<String, u32>::new();
    sim.run(f64::INFINITY, |out, _| {
        let body = parse(&out.request.body).unwrap();
        let id = body.get("instance_id").and_then(Json::as_str).unwrap().to_owned();
        let n = polls.entry(id.clone()).or_default();
        *n += 1;
        match (id.as_str(), *n) {
            ("i3", _) => (400, r#"{"error_code":"KOOPHONE.API.4001","error_msg":"no such instance"}"#.into()),
            (_, 1) => (200, r#"{"error_code":"0","data":{"status":1,"waitingCount":3}}"#.into()),
            _ => (200, r#"{"error_code":"0","data":{"status":0,"waitingCount":0}}"#.into()),
        }
    });
    assert_eq!(sim.max_in_flight, 2);
    let outcomes = sim.result(0).as_ref().unwrap();
    let order: Vec<&str> = outcomes.iter().map(|(t, _)| t.instance_id.as_str()).collect();
    assert_eq!(order, ["i0", "i1", "i2", "i3", "i4"]);
    assert_eq!(outcomes.iter().filter(|(_, r)| r.is_ok()).count(), 4);
    assert_eq!(outcomes[3].1.as_ref().unwrap_err().error_code.as_deref(), Some("KOOPHONE.API.4001"));
    let readings =
        sim.notices.iter().filter(|n| matches!(n.2, Notice::Fleet(FleetNotice::Prepared(..)))).count();
    assert_eq!(readings, 8, "two readings for each of the four that got ready");
}

fn client(config: SchedulerConfig) -> SharedScheduler {
    Scheduler::shared(config)
}

fn batch_with(
    names: &[&str],
    scheduler: &SharedScheduler,
    max_attempts: u32,
    chunk_size: usize,
) -> BatchCall {
    let mut sh = shared(max_attempts);
    sh.scheduler = Some(scheduler.clone());
    BatchCall::new(ids(names), batch_options(chunk_size), sh)
}

fn many(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("id{i}")).collect()
}

#[test]
fn a_shared_rate_limit_paces_every_call_of_the_client() {
    let s = client(SchedulerConfig {
        requests_per_second: 10.0,
        burst: 1,
        max_concurrent: 100,
        retry_budget: true,
    });
    let names = many(6);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let calls = vec![batch_with(&refs[..3], &s, 3, 1), batch_with(&refs[3..], &s, 3, 1)];
    let mut sim = Sim::new(calls);
    sim.run(f64::INFINITY, |out, _| statuses(out, |_| Some(2)));
    let starts: Vec<f64> = sim.sends.iter().map(|s| s.1).collect();
    assert_eq!(starts.len(), 6);
    let mut sorted = starts.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(sorted, [0.0, 100.0, 200.0, 300.0, 400.0, 500.0], "10 per second across both calls");
    assert!(sim.finished.iter().all(|f| f.as_ref().unwrap().1.is_ok()));
}

#[test]
fn the_concurrency_cap_holds_across_calls_and_released_slots_are_reused() {
    let s = client(SchedulerConfig {
        requests_per_second: 1_000.0,
        burst: 1_000,
        max_concurrent: 2,
        retry_budget: true,
    });
    let names = many(12);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let calls = vec![
        batch_with(&refs[..4], &s, 3, 1),
        batch_with(&refs[4..8], &s, 3, 1),
        batch_with(&refs[8..], &s, 3, 1),
    ];
    let mut sim = Sim::new(calls);
    sim.scheduler = Some(s.clone());
    sim.run(f64::INFINITY, |out, _| statuses(out, |_| Some(2)));
    assert_eq!(sim.sends.len(), 12);
    assert_eq!(sim.max_in_flight, 2);
    assert!(sim.finished.iter().all(|f| f.as_ref().unwrap().1.is_ok()));
    assert_eq!(s.borrow().in_flight(), 0, "every slot given back");
}

#[test]
fn an_empty_retry_budget_stops_retries() {
    let s = client(SchedulerConfig::default());
    let names = many(300);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut sh = shared(3);
    sh.scheduler = Some(s.clone());
    let call =
        BatchCall::new(ids(&refs), BatchOptions { chunk_size: 1, concurrency: 4, allow_partial: true }, sh);
    let mut sim = Sim::new(vec![call]);
    sim.run(f64::INFINITY, |_, _| (503, "{}".into()));
    assert_eq!(sim.sends.len(), 300 + 100, "500 / 5 = 100 retries, then none");
    assert_eq!(s.borrow().budget(), 0);
    assert_eq!(s.borrow().in_flight(), 0);
}

#[test]
fn a_throttled_client_slows_down_and_recovers() {
    let s = client(SchedulerConfig {
        requests_per_second: 200.0,
        burst: 200,
        max_concurrent: 64,
        retry_budget: false,
    });
    // A gateway allowing 100 per second (a bucket of 100).
    let (mut tokens, mut last) = (100.0f64, 0.0f64);
    let names = many(3_000);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut sh = shared(1);
    sh.scheduler = Some(s.clone());
    let call =
        BatchCall::new(ids(&refs), BatchOptions { chunk_size: 1, concurrency: 32, allow_partial: true }, sh);
    let mut sim = Sim::new(vec![call]);
    let mut throttled_at = Vec::new();
    sim.run(30_000.0, |out, now| {
        tokens = (tokens + (now - last) * 0.1).min(100.0);
        last = now;
        if tokens < 1.0 {
            throttled_at.push(now);
            return (429, r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#.into());
        }
        tokens -= 1.0;
        statuses(out, |_| Some(2))
    });
    assert!(!throttled_at.is_empty(), "the gateway throttled at first");
    let late: Vec<&f64> = throttled_at.iter().filter(|t| **t > 5_000.0).collect();
    assert_eq!(late, Vec::<&f64>::new(), "no 429 after 5 s (of {})", throttled_at.len());
    let sent_after = sim.sends.iter().filter(|s| (5_000.0..15_000.0).contains(&s.1)).count();
    assert!(sent_after >= 850, "throughput {sent_after} per 10 s");
    assert!(s.borrow().rate() <= 200.0);
}

#[test]
fn hooks_see_every_attempt_without_secrets() {
    let mut sh = shared(3);
    sh.hooks = true;
    let call = BatchCall::new(ids(&["a"]), batch_options(32), sh);
    let mut sim = Sim::new(vec![call]);
    let mut n = 0;
    sim.run(f64::INFINITY, |out, _| {
        n += 1;
        if n == 1 {
            (503, "{}".into())
        } else {
            statuses(out, |_| Some(2))
        }
    });
    let hooks: Vec<&Hook> = sim
        .notices
        .iter()
        .filter_map(|n| match &n.2 {
            Notice::Hook(h) => Some(h),
            _ => None,
        })
        .collect();
    let names: Vec<&str> = hooks.iter().map(|h| h.name()).collect();
    assert_eq!(names, ["onRequest", "onResponse", "onRetry", "onRequest", "onResponse"]);
    let Hook::Request { id_count, .. } = hooks[0] else { panic!() };
    assert_eq!(*id_count, Some(1));
    let Hook::Response { http_status, duration_ms, .. } = hooks[1] else { panic!() };
    assert_eq!((*http_status, *duration_ms), (Some(503), 10));
    assert!(!format!("{hooks:?}").contains(TOKEN));
    let quiet = BatchCall::new(ids(&["a"]), batch_options(32), shared(3));
    let mut sim = Sim::new(vec![quiet]);
    sim.run(f64::INFINITY, |out, _| statuses(out, |_| Some(2)));
    assert!(sim.notices.is_empty(), "no hooks, no events");
}
