//! Authentication in whole calls, natively with a simulated clock (the style
//! of `tests/engine_calls.rs`): the forced token refresh after a refusal, AK/SK
//! signing with the wall clock, no auth behind a same-origin proxy, and the
//! `credentials` option.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::result_large_err)] // as in lib.rs: engine::Error is large but cold

use koophone_wasm::engine::batch::BatchCall;
use koophone_wasm::engine::call::{Action, Auth, Event, ExchangeId, Machine, Outgoing, Shared};
use koophone_wasm::engine::error::Cause;
use koophone_wasm::engine::json::{parse, Json};
use koophone_wasm::engine::options::{BatchOptions, CallOptions};
use koophone_wasm::engine::poll::PollPolicy;
use koophone_wasm::engine::prepare::{Target, WaitCall};
use koophone_wasm::engine::response::RawResponse;
use koophone_wasm::engine::retry::RetryPolicy;
use koophone_wasm::engine::sign::{sign, AkSk};
use koophone_wasm::engine::validate::Endpoint;
use koophone_wasm::engine::{Error, ErrorKind};

const OLD: &str = "tok-old-0123456789abcdef";
const NEW: &str = "tok-new-fedcba9876543210";
const SECRET_KEY: &str = "SK-very-s3cret-0123456789";
/// 2020-01-04T09:05:22Z.
const WALL: f64 = 1_578_128_722_000.0;

/// How the scripted token function answers `(force_refresh, how many asks before)`.
type TokenScript = Box<dyn FnMut(bool, usize) -> Result<String, Cause>>;

/// A driver with a simulated clock: sends are answered by `reply` after
/// `latency` ms, token requests by `token` after `token_latency` ms.
struct Sim<M: Machine> {
    machine: M,
    now: f64,
    wake: Option<f64>,
    wire: Vec<(ExchangeId, f64, Outgoing)>,
    /// Token requests pending: (id, due, force_refresh).
    asks: Vec<(ExchangeId, f64, bool)>,
    sends: Vec<Outgoing>,
    /// Every `force_refresh` the token function was called with, in order.
    token_calls: Vec<bool>,
    token: TokenScript,
    token_latency: f64,
    finished: Option<Result<M::Output, Error>>,
}

impl<M: Machine> Sim<M> {
    fn new(machine: M, token: TokenScript) -> Self {
        Sim {
            machine,
            now: 0.0,
            wake: None,
            wire: Vec::new(),
            asks: Vec::new(),
            sends: Vec::new(),
            token_calls: Vec::new(),
            token,
            token_latency: 5.0,
            finished: None,
        }
    }

    fn step(&mut self) {
        while let Some(action) = self.machine.next_action(self.now) {
            assert!(self.finished.is_none(), "an action after Finish");
            match action {
                Action::Send(out) => {
                    let out = *out;
                    self.wire.push((out.id, self.now + 10.0, out.clone()));
                    self.sends.push(out);
                }
                Action::GetToken { id, force_refresh } => {
                    self.token_calls.push(force_refresh);
                    self.asks.push((id, self.now + self.token_latency, force_refresh));
                }
                Action::WakeAt(at) => self.wake = Some(at),
                Action::Notify(_) => {}
                Action::Cancel(id) => self.wire.retain(|w| w.0 != id),
                Action::Finish(result) => {
                    self.finished = Some(result);
                    self.wire.clear();
                    self.asks.clear();
                }
            }
        }
    }

    /// Run to the end, answering each send with `reply(request)`: (status, body).
    fn run(&mut self, mut reply: impl FnMut(&Outgoing) -> (u16, String)) -> &mut Self {
        self.step();
        for _ in 0..10_000 {
            if self.finished.is_some() {
                return self;
            }
            let next_send = self.wire.iter().map(|w| w.1).reduce(f64::min);
            let next_ask = self.asks.iter().map(|a| a.1).reduce(f64::min);
            let next = [next_send, next_ask, self.wake].into_iter().flatten().reduce(f64::min);
            let Some(at) = next else { panic!("stuck: nothing pending and not finished") };
            self.now = self.now.max(at);
            if next_ask == Some(at) {
                let (id, _, force) = self.asks.remove(self.asks.iter().position(|a| a.1 == at).unwrap());
                let asked = self.token_calls.len() - self.asks.len() - 1;
                let outcome = (self.token)(force, asked);
                self.machine.handle(Event::Token { id, outcome }, self.now);
            } else if next_send == Some(at) {
                let (id, _, out) = self.wire.remove(self.wire.iter().position(|w| w.1 == at).unwrap());
                let (status, body) = reply(&out);
                let response = RawResponse { status, body, retry_after: None, received_at_ms: self.now };
                self.machine.handle(Event::Exchanged { id, outcome: Ok(response) }, self.now);
            } else {
                self.wake = None;
                self.machine.handle(Event::Woke, self.now);
            }
            self.step();
        }
        panic!("did not finish");
    }

    fn error(&self) -> &Error {
        self.finished.as_ref().expect("finished").as_ref().err().expect("an error")
    }
}

fn header<'a>(out: &'a Outgoing, name: &str) -> Option<&'a str> {
    out.request.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn ok_for(out: &Outgoing) -> (u16, String) {
    let body = parse(&out.request.body).unwrap();
    let results: Vec<String> = match body.get("instance_ids").and_then(Json::as_array) {
        Some(ids) => ids
            .iter()
            .map(|id| format!(r#"{{"instance_id":"{}","status":2}}"#, id.as_str().unwrap()))
            .collect(),
        None => return (200, r#"{"error_code":"0","data":{"status":0,"waitingCount":0}}"#.into()),
    };
    (200, format!(r#"{{"error_code":"0","data":{{"status_results":[{}]}}}}"#, results.join(",")))
}

const REFUSED: &str = r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: token expired","request_id":"0123"}"#;

/// The gateway: only `NEW` (or a signed request) passes.
fn gateway(out: &Outgoing) -> (u16, String) {
    match header(out, "x-auth-token") {
        Some(NEW) => ok_for(out),
        _ => (401, REFUSED.into()),
    }
}

/// A token function with a cache: `OLD` until forced, then `NEW`.
fn refreshing() -> TokenScript {
    Box::new(|force, _| Ok(if force { NEW } else { OLD }.to_owned()))
}

fn shared(auth: Auth) -> Shared {
    Shared::new(Endpoint::default(), auth, RetryPolicy::default(), 1_000, 7)
}

fn batch(ids: usize, concurrency: usize, allow_partial: bool, auth: Auth) -> BatchCall {
    let ids = (0..ids).map(|i| format!("id{i}")).collect();
    BatchCall::new(ids, BatchOptions { chunk_size: 1, concurrency, allow_partial }, shared(auth))
}

#[test]
fn a_refused_function_token_is_asked_again_with_force_refresh_and_the_request_resent() {
    let mut sim = Sim::new(batch(1, 1, false, Auth::TokenFunction), refreshing());
    sim.run(gateway);
    assert_eq!(sim.token_calls, [false, true]);
    assert_eq!(sim.sends.len(), 2);
    assert_eq!(header(&sim.sends[0], "x-auth-token"), Some(OLD));
    assert_eq!(header(&sim.sends[1], "x-auth-token"), Some(NEW));
    assert_ne!(sim.sends[0].request.request_id, sim.sends[1].request.request_id);
    let outcome = sim.finished.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(outcome.merged.statuses.len(), 1);
}

#[test]
fn a_second_refusal_fails_the_call_without_a_third_send() {
    let mut sim = Sim::new(batch(1, 1, false, Auth::TokenFunction), refreshing());
    sim.run(|_| (401, REFUSED.into()));
    assert_eq!(sim.token_calls, [false, true]);
    assert_eq!(sim.sends.len(), 2);
    let e = sim.error();
    assert_eq!(
        (e.kind, e.http_status, e.error_code.as_deref()),
        (ErrorKind::Http, Some(401), Some("APIGW.0301"))
    );
}

#[test]
fn a_string_token_is_never_refreshed() {
    let mut sim = Sim::new(batch(1, 1, false, Auth::Token(OLD.into())), refreshing());
    sim.run(gateway);
    assert!(sim.token_calls.is_empty());
    assert_eq!(sim.sends.len(), 1);
    assert_eq!(sim.error().http_status, Some(401));
}

#[test]
fn the_gateway_code_under_another_status_also_refreshes() {
    let mut sim = Sim::new(batch(1, 1, false, Auth::TokenFunction), refreshing());
    sim.run(|out| if header(out, "x-auth-token") == Some(NEW) { ok_for(out) } else { (403, REFUSED.into()) });
    assert_eq!(sim.token_calls, [false, true]);
    assert!(sim.finished.as_ref().unwrap().is_ok());
}

#[test]
fn other_client_errors_do_not_refresh() {
    let mut sim = Sim::new(batch(1, 1, false, Auth::TokenFunction), refreshing());
    sim.run(|_| (403, r#"{"error_code":"KOOPHONE.API.1003","error_msg":"forbidden"}"#.into()));
    assert_eq!(sim.token_calls, [false]);
    assert_eq!(sim.sends.len(), 1);
}

#[test]
fn concurrent_refusals_within_one_call_share_one_refresh() {
    let mut sim = Sim::new(batch(6, 4, false, Auth::TokenFunction), refreshing());
    sim.run(gateway);
    assert_eq!(sim.token_calls.iter().filter(|f| **f).count(), 1, "{:?}", sim.token_calls);
    // Six first asks; chunks 5 and 6 start after the refresh and ask unforced (their
    // function gives OLD, refused, so each of those re-sends with the shared NEW).
    assert_eq!(sim.token_calls.iter().filter(|f| !**f).count(), 6);
    assert_eq!(sim.sends.len(), 12);
    let with_new = sim.sends.iter().filter(|s| header(s, "x-auth-token") == Some(NEW)).count();
    assert_eq!(with_new, 6);
    let outcome = sim.finished.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(outcome.merged.statuses.len(), 6);
}

#[test]
fn a_failed_refresh_fails_every_request_waiting_for_it_with_auth() {
    let script: TokenScript = Box::new(|force, _| {
        if force {
            Err(Cause { name: "Error".into(), message: "IAM refused the credentials".into(), code: None })
        } else {
            Ok(OLD.to_owned())
        }
    });
    let mut sim = Sim::new(batch(3, 3, true, Auth::TokenFunction), script);
    sim.run(gateway);
    assert_eq!(sim.token_calls, [false, false, false, true]);
    assert_eq!(sim.sends.len(), 3);
    let e = sim.error();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert_eq!(e.chunk_errors.len(), 3);
    assert!(e.chunk_errors.iter().all(|(_, e)| e.kind == ErrorKind::Auth), "{e:?}");
}

#[test]
fn a_refresh_within_a_long_wait_is_asked_again_when_the_fresh_token_is_refused_later() {
    // Poll 1: OLD refused, refresh gives NEW; polls 2-3 pass; poll 4: NEW refused, refresh gives NEWER.
    const NEWER: &str = "tok-newer-00000000000000";
    let mut forced = 0;
    let script: TokenScript = Box::new(move |force, _| {
        forced += usize::from(force);
        Ok(match (force, forced) {
            (false, 0) => OLD,
            (_, 1) => NEW,
            _ => NEWER,
        }
        .to_owned())
    });
    let policy = PollPolicy { max_wait_ms: 60_000, min_delay_ms: 1_000, max_delay_ms: 1_000 };
    let target = Target { user_id: "u1".into(), instance_id: "i1".into() };
    let mut sim = Sim::new(WaitCall::new(target, shared(Auth::TokenFunction), policy, 0.0), script);
    let mut polls = 0;
    sim.run(|out| {
        polls += 1;
        let token = header(out, "x-auth-token");
        let status = if polls < 6 { 1 } else { 0 };
        match (polls, token) {
            (_, Some(OLD)) | (5, _) => (401, REFUSED.into()),
            _ => (200, format!(r#"{{"error_code":"0","data":{{"status":{status},"waitingCount":1}}}}"#)),
        }
    });
    assert_eq!(sim.token_calls.iter().filter(|f| **f).count(), 2, "{:?}", sim.token_calls);
    assert!(sim.finished.as_ref().unwrap().is_ok(), "{:?}", sim.finished);
    assert_eq!(header(sim.sends.last().unwrap(), "x-auth-token"), Some(NEWER));
}

fn keys(security_token: Option<&str>) -> AkSk {
    AkSk::new("AK-PUBLIC", SECRET_KEY, Some("proj-1"), security_token).unwrap()
}

#[test]
fn ak_sk_calls_sign_every_attempt_with_the_wall_clock() {
    // The call's clock reads 0 at the wall clock's WALL.
    let sh = shared(Auth::AkSk(keys(None))).with_wall_clock(0.0, WALL);
    let call = BatchCall::new(
        vec!["id0".into()],
        BatchOptions { chunk_size: 1, concurrency: 1, allow_partial: false },
        sh,
    );
    let mut sim = Sim::new(call, refreshing());
    let mut n = 0;
    sim.run(|out| {
        n += 1;
        if n == 1 {
            (503, "{}".into())
        } else {
            ok_for(out)
        }
    });
    assert!(sim.token_calls.is_empty());
    assert_eq!(sim.sends.len(), 2);
    for out in &sim.sends {
        assert_eq!(header(out, "x-auth-token"), None);
        assert_eq!(header(out, "x-project-id"), Some("proj-1"));
        let auth = header(out, "authorization").unwrap();
        assert!(
            auth.starts_with(
                "SDK-HMAC-SHA256 Access=AK-PUBLIC, SignedHeaders=accept;content-type;host;x-project-id;x-request-id;x-sdk-date, Signature="
            ),
            "{auth}"
        );
        assert!(!format!("{out:?}").contains(SECRET_KEY));
    }
    assert_eq!(header(&sim.sends[0], "x-sdk-date"), Some("20200104T090522Z"));
    // The retry is signed afresh, with its own request ID and date.
    let second = &sim.sends[1];
    let unsigned: Vec<(&str, &str)> = second
        .request
        .headers
        .iter()
        .filter(|(n, _)| !matches!(*n, "X-Sdk-Date" | "X-Project-Id" | "Authorization"))
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    let sent_date = header(second, "x-sdk-date").unwrap();
    let expected = (0..600_000)
        .step_by(1000)
        .map(|ms| WALL + f64::from(ms))
        .find_map(|at| {
            let added =
                sign(&keys(None), "POST", &second.request.url, &unsigned, second.request.body.as_bytes(), at)
                    .unwrap();
            (added[0].1 == sent_date).then(|| added[2].1.clone())
        })
        .expect("the retry's date is within 10 minutes of the first");
    assert_eq!(header(second, "authorization"), Some(expected.as_str()));
}

#[test]
fn an_echoed_security_token_is_scrubbed_from_errors() {
    let token = "STS-temporary-security-token-0123456789";
    let mut sim = Sim::new(batch(1, 1, false, Auth::AkSk(keys(Some(token)))), refreshing());
    sim.run(|_| (400, format!(r#"{{"error_code":"X.1","error_msg":"bad header {token}"}}"#)));
    let e = sim.error();
    assert!(!format!("{e:?}").contains(token), "{e:?}");
    assert_eq!(header(&sim.sends[0], "x-security-token"), Some(token));
}

#[test]
fn without_auth_no_auth_header_is_sent() {
    let mut sim = Sim::new(batch(1, 1, false, Auth::None), refreshing());
    sim.run(ok_for);
    assert!(sim.token_calls.is_empty());
    let names: Vec<&str> = sim.sends[0].request.headers.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["content-type", "accept", "x-request-id"]);
}

#[test]
fn the_options_decide_the_auth() {
    let origin = Some("https://console.example.com");
    let auth = |json: &str, origin: Option<&str>| CallOptions::from_json(json, origin).map(|o| o.auth);
    assert_eq!(auth(r#"{"endpoint":"/api/koophone"}"#, origin).unwrap(), Auth::None);
    let o = CallOptions::from_json(r#"{"endpoint":"/api/koophone"}"#, origin).unwrap();
    assert_eq!(o.options.endpoint.as_str(), "https://console.example.com/api/koophone");
    // A path with a token still sends the token.
    assert_eq!(auth(r#"{"endpoint":"/api","token":"t"}"#, origin).unwrap(), Auth::Token("t".into()));
    for (json, origin, expected) in [
        (r#"{"endpoint":"https://console.example.com/api"}"#, origin, "`token` is required"),
        (r#"{}"#, origin, "`token` is required"),
        (r#"{"endpoint":"/api/koophone"}"#, None, "endpoint \"/api/koophone\" is not usable"),
        (
            r#"{"token":"t","credentials":{"accessKey":"AK","secretKey":"SK-very-s3cret-0123456789"}}"#,
            None,
            "pass either `token` or `credentials`, not both",
        ),
    ] {
        let e = auth(json, origin).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.starts_with(expected), "{json}: {}", e.message);
    }
    let json =
        format!(r#"{{"credentials":{{"accessKey":"AK","secretKey":"{SECRET_KEY}","projectId":"p"}}}}"#);
    let o = CallOptions::from_json(&json, None).unwrap();
    assert_eq!(o.auth, Auth::AkSk(AkSk::new("AK", SECRET_KEY, Some("p"), None).unwrap()));
    let shown = format!("{o:?} {:?}", shared(o.auth.clone()));
    assert!(shown.contains("AK") && !shown.contains(SECRET_KEY), "{shown}");
}

#[test]
fn a_refusal_says_where_to_look_for_the_kind_of_auth_in_use() {
    let refused = |auth: Auth| {
        let mut sim = Sim::new(batch(1, 1, false, auth), refreshing());
        sim.run(|_| (401, REFUSED.into()));
        sim.error().message.clone()
    };
    for message in [refused(Auth::Token(OLD.into())), refused(Auth::TokenFunction)] {
        assert!(
            message.ends_with("; check the token (IAM tokens expire after 24 hours and are project-scoped)"),
            "{message}"
        );
    }
    let signed = refused(Auth::AkSk(keys(None)));
    assert!(signed.contains("check the access key, the secret key and the project ID"), "{signed}");
    assert!(!signed.contains("check the token"), "{signed}");
    let proxied = refused(Auth::None);
    assert!(
        proxied.ends_with("the proxy in front of KooPhone adds the credentials: check its configuration"),
        "{proxied}"
    );
    // Other statuses get no auth hint.
    let mut sim = Sim::new(batch(1, 1, false, Auth::Token(OLD.into())), refreshing());
    sim.run(|_| (400, r#"{"error_code":"X.1","error_msg":"bad"}"#.into()));
    assert!(!sim.error().message.contains("check the"), "{}", sim.error().message);
}
