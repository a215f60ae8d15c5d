// Pacing against a throttling server (issue 11, items 9 and 10, and the gateway facts):
// a Retry-After beyond the 60 s ceiling, however written (even one that overflows), fails
// at once with the 429; a 429 without Retry-After (the API gateway's APIGW.0308) is
// retried no sooner than 2 s later, and its body's request_id is kept; 32 chunks in flight
// on one caller signal print no MaxListenersExceededWarning.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { lib, TOKEN } from "./support.mjs";
import { startStub, reply, successFor } from "../support/stub-server.mjs";

const { batchStatus, KooPhoneError } = lib;

let respond = () => {};
const server = await startStub((req, res, record) => respond(req, res, record));
after(() => server.close());
const base = { token: TOKEN, endpoint: server.url };

/** The call's outcome, or "pending" after `ms` (then the call is aborted, so nothing lingers). */
async function within(ms, start) {
  const controller = new AbortController();
  const promise = start(controller.signal).then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve("pending"), ms)));
  const outcome = await Promise.race([promise, late]);
  clearTimeout(timer);
  if (outcome === "pending") {
    controller.abort();
    await promise;
  }
  return outcome;
}

const THROTTLED = { error_code: "KOOPHONE.API.0429", error_msg: "Too many requests." };
const LONG_DEMANDS = {
  "99999999999999999999 (overflows 64 bits)": () => "99999999999999999999",
  "61 seconds": () => "61",
  "3600 seconds": () => "3600",
  "an HTTP date 2 minutes ahead": () => new Date(Date.now() + 120_000).toUTCString(),
  "an HTTP date in the year 9999": () => "Fri, 31 Dec 9999 23:59:59 GMT",
};

for (const [name, value] of Object.entries(LONG_DEMANDS)) {
  test(`Retry-After: ${name} fails at once with the 429, after exactly one request`, async () => {
    respond = (req, res) => reply(res, 429, THROTTLED, { "retry-after": value() });
    const before = server.requests.length;
    const outcome = await within(5_000, (signal) => batchStatus(["i1"], { ...base, maxAttempts: 3, signal }));
    const sent = server.requests.length - before;
    assert.notEqual(outcome, "pending", `still waiting after 5 s (${sent} request(s) sent)`);
    assert.equal(sent, 1, `${sent} requests sent`);
    assert.ok(outcome.error instanceof KooPhoneError, JSON.stringify(outcome));
    assert.equal(outcome.error.code, "HTTP");
    assert.equal(outcome.error.httpStatus, 429);
    assert.equal(outcome.error.errorCode, "KOOPHONE.API.0429");
  });
}

const gatewayThrottle = (n) => ({
  error_code: "APIGW.0308",
  error_msg: "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:1 second",
  request_id: `gw-throttled-${n}`,
});

test("a gateway 429 without Retry-After is retried no sooner than 2 s later, then succeeds", async () => {
  let n = 0;
  respond = (req, res, record) =>
    ++n === 1 ? reply(res, 429, gatewayThrottle(n)) : reply(res, 200, successFor(record));
  const before = server.requests.length;
  const result = await batchStatus(["i1"], { ...base, maxAttempts: 3 });
  const sent = server.requests.slice(before);
  assert.equal(sent.length, 2);
  assert.deepEqual(result.statuses, [{ instanceId: "i1", status: 2, state: "running" }]);
  const gapMs = sent[1].at - sent[0].at;
  assert.ok(gapMs >= 2_000, `retried ${Math.round(gapMs)} ms after the 429`);
});

test("gateway 429s without Retry-After until attempts run out: HTTP 429 with the gateway's code, message and request_id", async () => {
  let n = 0;
  respond = (req, res) => reply(res, 429, gatewayThrottle(++n));
  const before = server.requests.length;
  const error = await batchStatus(["i1"], { ...base, maxAttempts: 2 }).catch((e) => e);
  const sent = server.requests.slice(before);
  assert.equal(sent.length, 2);
  assert.ok(sent[1].at - sent[0].at >= 2_000, `retried ${Math.round(sent[1].at - sent[0].at)} ms after the 429`);
  assert.ok(error instanceof KooPhoneError, String(error));
  assert.equal(error.code, "HTTP");
  assert.equal(error.httpStatus, 429);
  assert.equal(error.errorCode, "APIGW.0308");
  assert.equal(error.errorMsg, gatewayThrottle(2).error_msg);
  assert.equal(error.serverRequestId, "gw-throttled-2");
  assert.equal(error.requestId, sent[1].headers["x-request-id"]);
});

test("concurrency 32 over 100 chunks on one caller signal prints no MaxListenersExceededWarning", async () => {
  const warnings = [];
  const onWarning = (w) => warnings.push(`${w.name}: ${w.message}`);
  process.on("warning", onWarning);
  try {
    respond = (req, res, record) => setTimeout(() => reply(res, 200, successFor(record)), 20);
    const ids = Array.from({ length: 100 }, (_, i) => `i${i}`);
    const before = server.requests.length;
    const result = await batchStatus(ids, {
      ...base,
      chunkSize: 1,
      concurrency: 32,
      signal: new AbortController().signal,
    });
    assert.equal(result.statuses.length, 100);
    assert.equal(server.requests.length - before, 100);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
  } finally {
    process.off("warning", onWarning);
  }
  assert.deepEqual(
    warnings.filter((w) => w.startsWith("MaxListenersExceededWarning")),
    [],
  );
});
