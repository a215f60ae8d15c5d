//! The driver and the exports under wasm-bindgen-test, in Node and in headless
//! Chromium (`scripts/test-wasm.sh` runs both).
//!
//! A recording host stands in for `pkg-template/src/host.js`: it logs every
//! call the module makes to it (these are the module's only calls out to
//! JavaScript), and the tests feed events back through the `Call` handle as
//! the real host does. Whole-call behaviour is tested natively in
//! `tests/engine_calls.rs`; this checks the wiring and the crossings.

#![cfg(target_arch = "wasm32")]

use koophone_wasm::api::{kind, start, Call, ClientScheduler};

use koophone_wasm::engine::json::{parse, Json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen(inline_js = r#"
export class Recorder {
  constructor() { this.log = []; }
  send(id, url, headers, body, timeoutMs, maxBodyBytes) { this.log.push(["send", id, url, headers, body, timeoutMs, maxBodyBytes]); }
  getToken(id) { this.log.push(["getToken", id]); }
  sleep(ms) { this.log.push(["sleep", ms]); }
  notify(kind, json) { this.log.push(["notify", kind, JSON.parse(json)]); }
  settle(ok, json) { this.log.push(["settle", ok, JSON.parse(json)]); }
}
export function logOf(recorder) { return JSON.stringify(recorder.log); }
"#)]
extern "C" {
    type Recorder;
    #[wasm_bindgen(constructor)]
    fn new() -> Recorder;
    #[wasm_bindgen(js_name = logOf)]
    fn log_of(recorder: &Recorder) -> String;
}

const OPTIONS: &str = r#"{"token":"tok-123","endpoint":"http://127.0.0.1:9"}"#;

fn host() -> (Recorder, JsValue) {
    let recorder = Recorder::new();
    let value = JsValue::clone(&recorder);
    (recorder, value)
}

/// Start a call of `kind` on `host` at time 0 with a fixed seed and no client.
fn begin(kind: u8, host: JsValue, first: &str, options: &str, aborted: bool) -> Result<Call, JsValue> {
    start(
        kind,
        host.unchecked_into(),
        first,
        "",
        options,
        None,
        None,
        aborted,
        0.0,
        1.0,
        &ClientScheduler::none(),
    )
}

/// The host calls so far, parsed.
fn log(recorder: &Recorder) -> Vec<Json<'static>> {
    // Leaked: the parsed values borrow from the text, and a test's few logs are small.
    match parse(String::leak(log_of(recorder))) {
        Ok(Json::Array(entries)) => entries,
        other => panic!("bad log {other:?}"),
    }
}

fn kind<'a>(entry: &'a Json) -> &'a str {
    entry.as_array().and_then(|e| e.first()).and_then(Json::as_str).unwrap_or("?")
}

fn field<'a, 't>(entry: &'a Json<'t>, index: usize) -> &'a Json<'t> {
    &entry.as_array().expect("entry")[index]
}

#[wasm_bindgen_test]
fn one_id_batch_is_one_send_and_one_settle() {
    let (recorder, host) = host();
    let mut call = begin(kind::BATCH_STATUS, host, r#"["a1"]"#, OPTIONS, false).expect("started");
    let sent = log(&recorder);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(kind(&sent[0]), "send");
    assert_eq!(field(&sent[0], 2).as_str(), Some("http://127.0.0.1:9/v1/instances/batch-query-status"));
    let headers = field(&sent[0], 3).as_str().unwrap();
    assert!(headers.contains("X-Auth-Token\ntok-123\n"), "{headers}");
    assert!(headers.contains("x-request-id\n"), "{headers}");
    assert_eq!(field(&sent[0], 4).as_str(), Some(r#"{"instance_ids":["a1"]}"#));
    let id = field(&sent[0], 1).as_i64().unwrap() as u32;
    let body = r#"{"error_code":"0","data":{"status_results":[{"instance_id":"a1","status":2}]}}"#;
    call.exchanged(id, 5.0, 5.0, 0, 200, None, Some(body.into()), None);
    let all = log(&recorder);
    assert_eq!(all.iter().map(kind).collect::<Vec<_>>(), ["send", "settle"], "exactly two host calls");
    let result = field(&all[1], 2);
    assert_eq!(field(&all[1], 1), &Json::Bool(true));
    let status = &result.get("statuses").and_then(Json::as_array).unwrap()[0];
    assert_eq!(status.get("state").and_then(Json::as_str), Some("running"));
    assert_eq!(result.get("missing").and_then(Json::as_array).map(<[Json]>::len), Some(0));
}

#[wasm_bindgen_test]
fn bad_arguments_throw_an_error_payload_before_any_host_call() {
    let (recorder, host) = host();
    let thrown = begin(kind::BATCH_STATUS, host, "[]", OPTIONS, false).err().unwrap();
    let text = thrown.as_string().expect("a JSON payload");
    let payload = parse(&text).unwrap();
    assert_eq!(payload.get("code").and_then(Json::as_str), Some("INVALID_ARGUMENT"));
    assert_eq!(log(&recorder).len(), 0);
}

#[wasm_bindgen_test]
fn a_token_function_is_asked_before_sending() {
    let (recorder, host) = host();
    let options = r#"{"token":{"$":"function"},"endpoint":"http://127.0.0.1:9"}"#;
    let target = r#"{"userId":"u1","instanceId":"i1"}"#;
    let mut call = begin(kind::PREPARE_PROGRESS, host, target, options, false).unwrap();
    let first = log(&recorder);
    // The sleep bounds the token function by the attempt's timeout.
    assert_eq!(first.iter().map(kind).collect::<Vec<_>>(), ["getToken", "sleep"]);
    let id = field(&first[0], 1).as_i64().unwrap() as u32;
    call.token(id, 1.0, Some("fresh-token".into()), None);
    let all = log(&recorder);
    assert_eq!(kind(&all[2]), "send");
    assert!(field(&all[2], 3).as_str().unwrap().contains("x-auth-token\nfresh-token\n"));
}

#[wasm_bindgen_test]
fn a_network_failure_sleeps_then_retries_with_a_new_request_id() {
    let (recorder, host) = host();
    let mut call = begin(kind::BATCH_STATUS, host, r#"["a1"]"#, OPTIONS, false).unwrap();
    let first = log(&recorder);
    let id = field(&first[0], 1).as_i64().unwrap() as u32;
    let detail = r#"{"name":"TypeError","message":"fetch failed","code":"ECONNREFUSED"}"#;
    call.exchanged(id, 1.0, 1.0, 1, 0, None, None, Some(detail.into()));
    let after = log(&recorder);
    assert_eq!(after.iter().map(kind).collect::<Vec<_>>(), ["send", "sleep"]);
    let delay = field(&after[1], 1);
    call.woke(1.0 + delay.as_i64().unwrap_or(0) as f64 + 1.0);
    let all = log(&recorder);
    assert_eq!(all.iter().map(kind).collect::<Vec<_>>(), ["send", "sleep", "send"]);
    assert_ne!(field(&all[0], 3), field(&all[2], 3), "a fresh x-request-id");
}

#[wasm_bindgen_test]
fn an_abort_before_the_start_sends_nothing() {
    let (recorder, host) = host();
    let _call = begin(kind::BATCH_STATUS, host, r#"["a1"]"#, OPTIONS, true).unwrap();
    let all = log(&recorder);
    assert_eq!(all.iter().map(kind).collect::<Vec<_>>(), ["settle"]);
    assert_eq!(field(&all[0], 2).get("code").and_then(Json::as_str), Some("ABORTED"));
}

#[wasm_bindgen_test]
fn a_redirect_fails_the_call_without_a_retry() {
    let (recorder, host) = host();
    let mut call = begin(kind::BATCH_STATUS, host, r#"["a1"]"#, OPTIONS, false).unwrap();
    let id = field(&log(&recorder)[0], 1).as_i64().unwrap() as u32;
    call.exchanged(id, 1.0, 1.0, 3, 307, None, None, None);
    let all = log(&recorder);
    assert_eq!(all.iter().map(kind).collect::<Vec<_>>(), ["send", "settle"]);
    let error = field(&all[1], 2);
    assert_eq!(error.get("code").and_then(Json::as_str), Some("REDIRECT"));
    assert_eq!(error.get("httpStatus").and_then(Json::as_i64), Some(307));
    assert!(!error.get("message").and_then(Json::as_str).unwrap().contains("tok-123"));
}

#[wasm_bindgen_test]
fn wait_prepared_notifies_every_reading_then_settles() {
    let (recorder, host) = host();
    let target = r#"{"userId":"u1","instanceId":"i1"}"#;
    let mut call = begin(kind::WAIT_PREPARED, host, target, OPTIONS, false).unwrap();
    let id = field(&log(&recorder)[0], 1).as_i64().unwrap() as u32;
    call.exchanged(
        id,
        10.0,
        10.0,
        0,
        200,
        None,
        Some(r#"{"data":{"status":1,"waitingCount":2}}"#.into()),
        None,
    );
    let after = log(&recorder);
    assert_eq!(after.iter().map(kind).collect::<Vec<_>>(), ["send", "notify", "sleep"]);
    call.woke(1_000.0);
    let id = field(&log(&recorder)[3], 1).as_i64().unwrap() as u32;
    call.exchanged(id, 1_010.0, 1_010.0, 0, 200, None, Some(r#"{"data":{"status":0}}"#.into()), None);
    let all = log(&recorder);
    assert_eq!(
        all.iter().map(kind).collect::<Vec<_>>(),
        ["send", "notify", "sleep", "send", "notify", "settle"]
    );
    assert_eq!(field(&all[5], 2).get("state").and_then(Json::as_str), Some("normal"));
    assert_eq!(field(&all[5], 2).get("attempt").and_then(Json::as_i64), Some(2));
}
