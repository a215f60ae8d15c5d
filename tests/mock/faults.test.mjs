import { test } from "node:test";
import assert from "node:assert/strict";
import { FAULT_TYPES } from "../../mock/index.mjs";
import { BATCH, INSTANCES, batch, call, headersFor, prepare, serverFor } from "./helpers.mjs";

const INTERNAL = { error_code: "KOOPHONE.API.9999", error_msg: "Internal service error." };

test("latency fault delays the normal response", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "latency", ms: 120 });
  const started = Date.now();
  const res = await batch(server, ["a1"]);
  assert.ok(Date.now() - started >= 110, "answered too early");
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.data.status_results, [{ instance_id: "a1", status: 2 }]);
  assert.equal(server.requests[0].fault, "latency");
});

test("http fault answers the status with the internal-error body, or the given body", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "http", status: 503, times: 1 });
  server.setFault({ type: "http", status: 500, body: { error_code: "X", error_msg: "custom" }, nth: 2 });
  server.setFault({ type: "http", status: 200, body: '{"raw":', nth: 3 });
  const first = await batch(server, ["a1"], { headers: headersFor({ "x-request-id": "h-1" }) });
  assert.equal(first.status, 503);
  assert.deepEqual(first.json, INTERNAL);
  assert.equal(first.headers.get("content-type"), "application/json");
  assert.equal(first.headers.get("x-request-id"), "h-1");
  assert.equal(first.headers.get("access-control-allow-origin"), "*");
  const second = await batch(server, ["a1"]);
  assert.deepEqual([second.status, second.json], [500, { error_code: "X", error_msg: "custom" }]);
  const third = await batch(server, ["a1"]);
  assert.deepEqual([third.status, third.text], [200, '{"raw":']);
  assert.equal((await batch(server, ["a1"])).status, 200);
});

test("rate-limit fault answers the gateway's 429 APIGW.0308, with Retry-After only when given", async (t) => {
  const server = await serverFor(t);
  server.setFault({ type: "rate-limit", times: 1 });
  const plain = await batch(server, ["a1"]);
  assert.equal(plain.status, 429);
  assert.equal(plain.headers.get("retry-after"), null);
  assert.deepEqual(Object.keys(plain.json), ["error_code", "error_msg", "request_id"]);
  assert.equal(plain.json.error_code, "APIGW.0308");
  assert.match(plain.json.error_msg, /^The throttling threshold has been reached/);
  assert.match(plain.json.request_id, /^[0-9a-f]{32}$/);
  server.setFault({ type: "rate-limit", retryAfter: "3", times: 1 });
  assert.equal((await batch(server, ["a1"])).headers.get("retry-after"), "3");
  const date = "Wed, 21 Oct 2026 07:28:00 GMT";
  server.setFault({ type: "rate-limit", retryAfter: date, times: 1 });
  const dated = await batch(server, ["a1"]);
  assert.equal(dated.headers.get("retry-after"), date);
  assert.match(dated.headers.get("access-control-expose-headers"), /retry-after/);
});

test("api-error fault answers 200 with a non-zero error_code and no data", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "api-error", times: 1 });
  const byDefault = await batch(server, ["a1"]);
  assert.equal(byDefault.status, 200);
  assert.equal(byDefault.json.error_code, "KooPhone.API.1001");
  assert.equal(byDefault.json.data, undefined);
  server.setFault({ type: "api-error", errorCode: "KOOPHONE.API.4001", errorMsg: "gone", times: 1 });
  assert.deepEqual((await prepare(server, "alice", "p1")).json, { error_code: "KOOPHONE.API.4001", error_msg: "gone" });
});

test("html fault answers 502 with a text/html page", async (t) => {
  const server = await serverFor(t);
  server.setFault({ type: "html" });
  const res = await batch(server, ["a1"]);
  assert.equal(res.status, 502);
  assert.match(res.headers.get("content-type"), /^text\/html/);
  assert.match(res.text, /<html>.*502 Bad Gateway/s);
});

test("truncated fault cuts the normal JSON body in half", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const whole = (await batch(server, ["a1", "b2"])).text;
  server.setFault({ type: "truncated" });
  const res = await batch(server, ["a1", "b2"]);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(res.text, whole.slice(0, Math.floor(whole.length / 2)));
  assert.throws(() => JSON.parse(res.text), SyntaxError);
});

test("non-json fault answers 200 text/plain OK", async (t) => {
  const server = await serverFor(t);
  server.setFault({ type: "non-json" });
  const res = await batch(server, ["a1"]);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^text\/plain/);
  assert.equal(res.text, "OK");
});

test("wrong-types fault turns numbers into strings, and an empty result list into an object", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "wrong-types" });
  assert.deepEqual((await batch(server, ["a1"])).json.data.status_results, [{ instance_id: "a1", status: "2" }]);
  assert.deepEqual((await batch(server, ["ghost001"])).json.data.status_results, {});
  assert.deepEqual((await prepare(server, "alice", "p1")).json.data, { status: "1", waitingCount: "2" });
});

test('missing-fields fault answers error_code "0" without data', async (t) => {
  const server = await serverFor(t, { instances: INSTANCES, batchResponseForm: "bare" });
  server.setFault({ type: "missing-fields" });
  for (const res of [await batch(server, ["a1"]), await prepare(server, "alice", "p1")]) {
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { error_code: "0", error_msg: "OK" });
  }
});

test("extra-fields fault adds unknown fields at every level and a result nobody asked for", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "extra-fields" });
  const res = await batch(server, ["a1"]);
  assert.equal(res.status, 200);
  const { json } = res;
  assert.equal(json.error_code, "0");
  assert.ok(Object.keys(json).length > 3, "no extra top-level field");
  assert.ok(Object.keys(json.data).length > 1, "no extra data field");
  const [asked, unasked] = json.data.status_results;
  assert.equal(json.data.status_results.length, 2);
  assert.deepEqual([asked.instance_id, asked.status], ["a1", 2]);
  assert.ok(Object.keys(asked).length > 2, "no extra result field");
  assert.notEqual(unasked.instance_id, "a1");
  const prep = (await prepare(server, "alice", "p1")).json;
  assert.deepEqual([prep.data.status, prep.data.waitingCount, prep.error_code], [1, 2, "0"]);
  assert.ok(Object.keys(prep.data).length > 2 && Object.keys(prep).length > 3);
});

test("extra-fields fault works in the bare form too", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES, batchResponseForm: "bare" });
  server.setFault({ type: "extra-fields" });
  const { json } = await batch(server, ["b2"]);
  assert.equal(json.status_results.length, 2);
  assert.deepEqual([json.status_results[0].instance_id, json.status_results[0].status], ["b2", 1]);
  assert.ok(Object.keys(json).length > 1);
});

test("unknown-status fault replaces every status, 42 by default", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "unknown-status", times: 1 });
  assert.deepEqual((await batch(server, ["a1", "b2"])).json.data.status_results, [
    { instance_id: "a1", status: 42 },
    { instance_id: "b2", status: 42 },
  ]);
  server.setFault({ type: "unknown-status", status: -7, times: 1 });
  assert.deepEqual((await prepare(server, "alice", "p1")).json.data, { status: -7, waitingCount: 2 });
});

test("reset fault drops the connection without an answer", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "reset", times: 1 });
  await assert.rejects(batch(server, ["a1"]), TypeError);
  assert.equal(server.requests[0].fault, "reset");
  assert.equal(server.requests[0].status, undefined);
  assert.equal((await batch(server, ["a1"])).status, 200);
});

test("hang fault never answers; the client gives up", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "hang", times: 1 });
  await assert.rejects(batch(server, ["a1"], { signal: AbortSignal.timeout(100) }), { name: "TimeoutError" });
  assert.equal(server.requests[0].fault, "hang");
  assert.equal((await batch(server, ["a1"])).status, 200);
});

test("nth applies to the n-th matching request only", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "http", status: 503, nth: 3 });
  const statuses = [];
  for (let i = 0; i < 5; i += 1) statuses.push((await batch(server, ["a1"])).status);
  assert.deepEqual(statuses, [200, 200, 503, 200, 200]);
  assert.deepEqual(
    server.requests.map((r) => r.fault),
    [undefined, undefined, "http", undefined, undefined],
  );
});

test("times applies to the next n matching requests; with nth it starts there", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "http", status: 502, times: 2 });
  server.setFault({ type: "http", status: 504, nth: 4, times: 2 });
  const statuses = [];
  for (let i = 0; i < 7; i += 1) statuses.push((await batch(server, ["a1"])).status);
  assert.deepEqual(statuses, [502, 502, 200, 504, 504, 200, 200]);
});

test("a fault without nth or times lasts until removed", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const id = server.setFault({ type: "http", status: 500 });
  for (let i = 0; i < 3; i += 1) assert.equal((await batch(server, ["a1"])).status, 500);
  assert.equal(server.removeFault(id), true);
  assert.equal(server.removeFault(id), false);
  assert.equal((await batch(server, ["a1"])).status, 200);
  server.setFault({ type: "html" });
  server.setFault({ type: "non-json" });
  server.clearFaults();
  assert.equal((await batch(server, ["a1"])).status, 200);
});

test("an endpoint-specific fault neither applies to nor counts the other endpoint", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ endpoint: "prepare-progress", type: "http", status: 503, nth: 2 });
  assert.equal((await batch(server, ["a1"])).status, 200);
  assert.equal((await prepare(server, "alice", "a1")).status, 200);
  assert.equal((await batch(server, ["a1"])).status, 200);
  assert.equal((await prepare(server, "alice", "a1")).status, 503);
});

test("the latest fault decides the response and latencies add up", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "http", status: 500 });
  server.setFault({ type: "latency", ms: 40 });
  server.setFault({ type: "latency", ms: 40 });
  server.setFault({ type: "html", times: 1 });
  const started = Date.now();
  const first = await batch(server, ["a1"]);
  assert.ok(Date.now() - started >= 75, "latencies did not add up");
  assert.equal(first.status, 502);
  assert.equal(server.requests[0].fault, "html");
  assert.equal((await batch(server, ["a1"])).status, 500);
});

test("replacing faults skip validation; shaping faults keep it", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const noToken = { headers: headersFor({ "x-auth-token": undefined }) };
  server.setFault({ type: "http", status: 503, times: 1 });
  assert.equal((await call(server, BATCH, "not json", noToken)).status, 503);
  server.setFault({ type: "unknown-status", times: 1 });
  assert.equal((await batch(server, ["a1"], noToken)).status, 401);
});

test("replacing faults do not advance a preparation script; shaping faults do", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setFault({ type: "http", status: 503, times: 1 });
  await prepare(server, "alice", "p1");
  server.setFault({ type: "latency", ms: 1, times: 1 });
  assert.deepEqual((await prepare(server, "alice", "p1")).json.data, { status: 1, waitingCount: 2 });
  assert.deepEqual((await prepare(server, "alice", "p1")).json.data, { status: 2, waitingCount: 0 });
});

test("faults can be given at start", async (t) => {
  const server = await serverFor(t, { faults: [{ type: "non-json", times: 1 }] });
  assert.equal((await batch(server, ["a1"])).text, "OK");
  assert.equal((await batch(server, ["a1"])).status, 200);
});

test("setFault rejects malformed faults with a TypeError", async (t) => {
  const server = await serverFor(t);
  const bad = [
    null,
    { type: "explode" },
    { type: "http" },
    { type: "http", status: 99 },
    { type: "http", status: 204 },
    { type: "latency" },
    { type: "latency", ms: -1 },
    { type: "html", nth: 0 },
    { type: "html", times: 1.5 },
    { type: "html", endpoint: "elsewhere" },
    { type: "html", status: 500 },
    { type: "rate-limit", retryAfter: "a\nb" },
    { type: "api-error", errorCode: 5 },
    { type: "unknown-status", status: "x" },
  ];
  for (const fault of bad) assert.throws(() => server.setFault(fault), TypeError, JSON.stringify(fault));
  assert.equal(FAULT_TYPES.length, 13);
});
