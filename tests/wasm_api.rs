//! Transport and API layer under wasm-bindgen-test, in Node and in headless
//! Chromium (`scripts/test-wasm.sh` runs both).
//!
//! A scripted `fetch` stands in for the network: it answers with real
//! `Response` objects, records every call, and honours the `AbortSignal`, so
//! what is tested here is exactly what runs in a user's page or script.

#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect, JSON};
use koophone_wasm::api::{batch_status, prepare_progress, wait_prepared};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen(inline_js = r#"
// steps: [{ status, body, headers } | { error } | { hang: true } | { echo: statuses }]
// echo: answer batch requests with the statuses of the asked IDs the map knows.
export function scriptedFetch(steps) {
  const calls = [];
  let next = 0;
  const fetch = (url, init) => {
    calls.push({ url, init, body: JSON.parse(init.body) });
    const step = steps[Math.min(next++, steps.length - 1)];
    if (step.error) return Promise.reject(new TypeError(step.error));
    if (step.hang) {
      return new Promise((_, reject) =>
        init.signal.addEventListener("abort", () => reject(new Error("The operation was aborted"))));
    }
    let body = step.body;
    if (step.echo) {
      const asked = JSON.parse(init.body).instance_ids;
      const results = asked.filter((id) => id in step.echo).map((id) => ({ instance_id: id, status: step.echo[id] }));
      body = JSON.stringify({ error_code: "0", error_msg: "OK", data: { status_results: results } });
    }
    return Promise.resolve(new Response(body, { status: step.status ?? 200, headers: step.headers ?? {} }));
  };
  return { fetch, calls };
}
export function abortAfter(ms) {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
}
export function recorder() {
  const seen = [];
  return { seen, record: (p) => { seen.push(p); } };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = scriptedFetch)]
    fn scripted_fetch(steps: JsValue) -> JsValue;
    #[wasm_bindgen(js_name = abortAfter)]
    fn abort_after(ms: u32) -> JsValue;
    fn recorder() -> JsValue;
}

fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

fn get(target: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(target.clone(), |v, key| Reflect::get(&v, &key.into()).unwrap_or(JsValue::UNDEFINED))
}

fn len(target: &JsValue, path: &str) -> u32 {
    Array::from(&get(target, path)).length()
}

/// Options `{ token, endpoint, fetch, ...extra }` for a scripted fetch.
fn options(service: &JsValue, extra: &str) -> JsValue {
    let opts = json(extra);
    Reflect::set(&opts, &"fetch".into(), &get(service, "fetch")).unwrap();
    if get(&opts, "token").is_undefined() {
        Reflect::set(&opts, &"token".into(), &"t0ken-s3cret".into()).unwrap();
    }
    Reflect::set(&opts, &"endpoint".into(), &"http://127.0.0.1:9".into()).unwrap();
    opts
}

fn ids(list: &[&str]) -> JsValue {
    list.iter().map(|s| JsValue::from_str(s)).collect::<Array>().into()
}

fn code(error: &JsValue) -> String {
    get(error, "code").as_string().unwrap_or_default()
}

const OK_BATCH: &str = r#"{"status":200,"body":"{\"error_code\":\"0\",\"data\":{\"status_results\":[{\"instance_id\":\"a\",\"status\":2}]}}"}"#;

#[wasm_bindgen_test]
async fn batch_merges_chunks_in_input_order_and_reports_missing() {
    let service = scripted_fetch(json(r#"[{"echo":{"a":2,"b":1,"c":9,"e":5}}]"#));
    let out = batch_status(ids(&["e", "a", "ghost", "b", "a", "c"]), options(&service, r#"{"chunkSize":2}"#))
        .await
        .expect("batch succeeds");
    let order: Vec<String> = Array::from(&get(&out, "statuses"))
        .iter()
        .map(|s| {
            format!(
                "{}={}:{}",
                get(&s, "instanceId").as_string().unwrap(),
                get(&s, "status").as_f64().unwrap(),
                get(&s, "state").as_string().unwrap()
            )
        })
        .collect();
    assert_eq!(order, ["e=5:shutdown", "a=2:running", "b=1:stopped", "c=9:unrecognized"]);
    assert_eq!(Array::from(&get(&out, "missing")).to_vec(), vec![JsValue::from("ghost")]);
    // 5 distinct IDs in chunks of 2: three requests, each with its own request ID.
    assert_eq!(len(&service, "calls"), 3);
    assert_eq!(len(&out, "requestIds"), 3);
    let call = Array::from(&get(&service, "calls")).get(0);
    assert_eq!(get(&call, "url").as_string().unwrap(), "http://127.0.0.1:9/v1/instances/batch-query-status");
    assert_eq!(get(&call, "init.method").as_string().unwrap(), "POST");
    assert_eq!(get(&call, "init.headers.X-Auth-Token").as_string().unwrap(), "t0ken-s3cret");
    let rid = get(&call, "init.headers.x-request-id").as_string().unwrap();
    assert_eq!(rid.len(), 36);
    assert_eq!(Array::from(&get(&out, "requestIds")).get(0).as_string().unwrap(), rid);
}

#[wasm_bindgen_test]
async fn network_errors_are_retried_with_a_fresh_request_id() {
    let steps = format!(r#"[{{"error":"fetch failed"}},{OK_BATCH}]"#);
    let service = scripted_fetch(json(&steps));
    let out = batch_status(ids(&["a"]), options(&service, "{}")).await.expect("second attempt succeeds");
    assert_eq!(len(&out, "requestIds"), 2);
    let rids = Array::from(&get(&out, "requestIds"));
    assert_ne!(rids.get(0), rids.get(1));
}

#[wasm_bindgen_test]
async fn client_errors_are_not_retried_and_carry_server_codes() {
    let service = scripted_fetch(json(
        r#"[{"status":400,"body":"{\"error_code\":\"KOOPHONE.API.1000\",\"error_msg\":\"The request parameter is incorrect.\"}"}]"#,
    ));
    let err = batch_status(ids(&["a"]), options(&service, "{}")).await.unwrap_err();
    assert_eq!(code(&err), "HTTP");
    assert_eq!(get(&err, "httpStatus").as_f64(), Some(400.0));
    assert_eq!(get(&err, "errorCode").as_string().unwrap(), "KOOPHONE.API.1000");
    assert_eq!(get(&err, "retryable").as_bool(), Some(false));
    assert_eq!(
        get(&err, "requestId"),
        get(&Array::from(&get(&service, "calls")).get(0), "init.headers.x-request-id")
    );
    assert_eq!(len(&service, "calls"), 1);
}

#[wasm_bindgen_test]
async fn api_errors_in_http_200_reject() {
    let service = scripted_fetch(json(
        r#"[{"status":200,"body":"{\"error_code\":\"KooPhone.API.1001\",\"error_msg\":\"denied\"}"}]"#,
    ));
    let err = batch_status(ids(&["a"]), options(&service, "{}")).await.unwrap_err();
    assert_eq!(code(&err), "API");
    assert_eq!(get(&err, "errorMsg").as_string().unwrap(), "denied");
}

#[wasm_bindgen_test]
async fn an_attempt_that_hangs_times_out() {
    let service = scripted_fetch(json(r#"[{"hang":true}]"#));
    let err = batch_status(ids(&["a"]), options(&service, r#"{"timeoutMs":30,"maxAttempts":1}"#))
        .await
        .unwrap_err();
    assert_eq!(code(&err), "TIMEOUT");
    assert_eq!(get(&err, "retryable").as_bool(), Some(true));
    let signal = get(&Array::from(&get(&service, "calls")).get(0), "init.signal");
    assert_eq!(get(&signal, "aborted").as_bool(), Some(true), "the fetch was cancelled");
}

#[wasm_bindgen_test]
async fn the_callers_signal_aborts_in_flight_requests() {
    let service = scripted_fetch(json(r#"[{"hang":true}]"#));
    let opts = options(&service, r#"{"timeoutMs":10000}"#);
    Reflect::set(&opts, &"signal".into(), &abort_after(20)).unwrap();
    let err = batch_status(ids(&["a", "b", "c"]), opts).await.unwrap_err();
    assert_eq!(code(&err), "ABORTED");
    // Three IDs, one chunk: exactly one request was in flight (the loop below must not pass on none).
    assert_eq!(len(&service, "calls"), 1);
    for call in Array::from(&get(&service, "calls")).iter() {
        assert_eq!(get(&call, "init.signal.aborted").as_bool(), Some(true));
    }
}

#[wasm_bindgen_test]
async fn bad_input_is_rejected_before_any_request() {
    let service = scripted_fetch(json(&format!("[{OK_BATCH}]")));
    let cases: [(JsValue, &str); 8] = [
        (ids(&[]), "{}"),
        (ids(&[""]), "{}"),
        (ids(&["x".repeat(33).as_str()]), "{}"),
        (json(r#"[1]"#), "{}"),
        (JsValue::from_str("a"), "{}"),
        (ids(&["a"]), r#"{"token":"bad\r\ntoken"}"#),
        (ids(&["a"]), r#"{"chunkSize":0}"#),
        (ids(&["a"]), r#"{"concurrency":"4"}"#),
    ];
    for (input, extra) in cases {
        let err = batch_status(input, options(&service, extra)).await.unwrap_err();
        assert_eq!(code(&err), "INVALID_ARGUMENT", "{extra}");
    }
    let no_token = batch_status(ids(&["a"]), json("{}")).await.unwrap_err();
    assert!(get(&no_token, "message").as_string().unwrap().contains("token"));
    let bad_endpoint = options(&service, "{}");
    Reflect::set(&bad_endpoint, &"endpoint".into(), &"http://example.com".into()).unwrap();
    assert_eq!(code(&batch_status(ids(&["a"]), bad_endpoint).await.unwrap_err()), "INVALID_ARGUMENT");
    assert_eq!(len(&service, "calls"), 0);
}

#[wasm_bindgen_test]
async fn the_token_never_appears_in_errors() {
    let service = scripted_fetch(json(
        r#"[{"status":500,"body":"<html>proxy saw X-Auth-Token: t0ken-s3cret</html>"}]"#,
    ));
    let err = batch_status(ids(&["a"]), options(&service, r#"{"maxAttempts":1}"#)).await.unwrap_err();
    let text = JSON::stringify(&err).unwrap().as_string().unwrap();
    assert!(text.contains("•••") && !text.contains("t0ken-s3cret"), "{text}");
}

#[wasm_bindgen_test]
async fn token_functions_are_called_for_every_request() {
    let service = scripted_fetch(json(&format!(r#"[{{"error":"reset"}},{OK_BATCH}]"#)));
    let opts = options(&service, "{}");
    let counter =
        js_sys::Function::new_no_args("this.n = (this.n || 0) + 1; return Promise.resolve('tok-' + this.n);");
    let holder = js_sys::Object::new();
    Reflect::set(&opts, &"token".into(), &counter.bind0(&holder)).unwrap();
    batch_status(ids(&["a"]), opts).await.expect("succeeds");
    let tokens: Vec<_> = Array::from(&get(&service, "calls"))
        .iter()
        .map(|c| get(&c, "init.headers.X-Auth-Token").as_string().unwrap())
        .collect();
    assert_eq!(tokens, ["tok-1", "tok-2"]);
}

#[wasm_bindgen_test]
async fn wait_prepared_reports_progress_until_normal() {
    let step = |s: i32, w: i32| {
        format!(r#"{{"body":"{{\"data\":{{\"status\":{s},\"waitingCount\":{w}}},\"error_code\":\"0\"}}"}}"#)
    };
    let steps = format!("[{},{},{},{}]", step(1, 2), step(1, 1), step(2, 0), step(0, 0));
    let service = scripted_fetch(json(&steps));
    let progress = recorder();
    let opts = options(&service, r#"{"minDelayMs":1,"maxDelayMs":5}"#);
    Reflect::set(&opts, &"onProgress".into(), &get(&progress, "record")).unwrap();
    let done = wait_prepared(json(r#"{"userId":"u1","instanceId":"i1"}"#), opts).await.expect("ready");
    assert_eq!(get(&done, "state").as_string().unwrap(), "normal");
    assert_eq!(get(&done, "attempt").as_f64(), Some(4.0));
    let states: Vec<_> = Array::from(&get(&progress, "seen"))
        .iter()
        .map(|p| {
            format!("{}/{}", get(&p, "state").as_string().unwrap(), get(&p, "waitingCount").as_f64().unwrap())
        })
        .collect();
    assert_eq!(states, ["queuing/2", "queuing/1", "restoring/0", "normal/0"]);
    let body = get(&Array::from(&get(&service, "calls")).get(0), "body");
    assert_eq!(get(&body, "user_id").as_string().unwrap(), "u1");
    assert_eq!(get(&body, "instance_id").as_string().unwrap(), "i1");
}

#[wasm_bindgen_test]
async fn wait_prepared_stops_on_failure_and_on_timeout() {
    let failed = scripted_fetch(json(r#"[{"body":"{\"data\":{\"status\":-1,\"waitingCount\":0}}"}]"#));
    let err =
        wait_prepared(json(r#"{"userId":"u","instanceId":"i"}"#), options(&failed, r#"{"minDelayMs":1}"#))
            .await
            .unwrap_err();
    assert_eq!(code(&err), "PREPARE_FAILED");
    assert_eq!(get(&err, "progress.status").as_f64(), Some(-1.0));

    let stuck = scripted_fetch(json(r#"[{"body":"{\"data\":{\"status\":1,\"waitingCount\":5}}"}]"#));
    let err = wait_prepared(
        json(r#"{"userId":"u","instanceId":"i"}"#),
        options(&stuck, r#"{"minDelayMs":5,"maxDelayMs":10,"maxWaitMs":60}"#),
    )
    .await
    .unwrap_err();
    assert_eq!(code(&err), "WAIT_TIMEOUT");
    assert_eq!(get(&err, "progress.state").as_string().unwrap(), "queuing");
}

#[wasm_bindgen_test]
async fn prepare_progress_reads_one_progress() {
    let service = scripted_fetch(json(r#"[{"body":"{\"data\":{\"status\":3},\"error_code\":\"0\"}"}]"#));
    let p = prepare_progress(json(r#"{"userId":"u","instanceId":"i"}"#), options(&service, "{}"))
        .await
        .expect("ok");
    assert_eq!(get(&p, "state").as_string().unwrap(), "backingUp");
    assert!(get(&p, "waitingCount").is_null());
    assert_eq!(
        get(&Array::from(&get(&service, "calls")).get(0), "init.headers.x-auth-token").as_string().unwrap(),
        "t0ken-s3cret"
    );
}
