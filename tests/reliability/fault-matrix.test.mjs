// Every mock fault x both endpoints x retries on/off: each case must end in the
// right result or the right typed error within its time bound, leave no timer
// behind, and raise no unhandled rejection.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { lib, startMockServer, TOKEN, activeTimers } from "./support.mjs";

const { batchStatus, prepareProgress, KooPhoneError } = lib;

const instances = [
  { id: "i1", status: 2, owner: "u1" },
  { id: "i2", status: 1, owner: "u1" },
];
const mock = await startMockServer({ tokens: [TOKEN], instances });
after(() => mock.close());

const unhandled = [];
process.on("unhandledRejection", (reason) => unhandled.push(reason));

// What each fault must produce. `attempts(retries)` is how many requests the case sends.
const persistent = (retries) => (retries ? 3 : 1);
const once = () => 1;
const FAULTS = [
  { fault: { type: "latency", ms: 50 }, ok: true, attempts: once },
  { fault: { type: "http", status: 500 }, code: "HTTP", httpStatus: 500, retryable: true, attempts: persistent },
  { fault: { type: "http", status: 502 }, code: "HTTP", httpStatus: 502, retryable: true, attempts: persistent },
  { fault: { type: "http", status: 503 }, code: "HTTP", httpStatus: 503, retryable: true, attempts: persistent },
  { fault: { type: "rate-limit" }, code: "HTTP", httpStatus: 429, retryable: true, attempts: persistent },
  { fault: { type: "rate-limit", retryAfter: "1" }, code: "HTTP", httpStatus: 429, retryable: true, attempts: persistent, slow: true },
  { fault: { type: "api-error" }, code: "API", httpStatus: 200, retryable: false, attempts: once },
  { fault: { type: "html" }, code: "HTTP", httpStatus: 502, retryable: true, attempts: persistent },
  { fault: { type: "truncated" }, code: "BAD_RESPONSE", retryable: false, attempts: once },
  { fault: { type: "non-json" }, code: "BAD_RESPONSE", retryable: false, attempts: once },
  { fault: { type: "wrong-types" }, code: "BAD_RESPONSE", retryable: false, attempts: once },
  { fault: { type: "missing-fields" }, code: "BAD_RESPONSE", retryable: false, attempts: once },
  { fault: { type: "extra-fields" }, ok: true, attempts: once },
  { fault: { type: "unknown-status", status: 42 }, ok: true, unrecognized: true, attempts: once },
  { fault: { type: "reset" }, code: "NETWORK", retryable: true, attempts: persistent },
  { fault: { type: "hang" }, code: "TIMEOUT", retryable: true, attempts: persistent },
];
const ENDPOINTS = {
  "batch-query-status": (opts) => batchStatus(["i1", "i2", "ghost"], opts),
  "prepare-progress": (opts) => prepareProgress({ userId: "u1", instanceId: "i1" }, opts),
};

let cases = 0;
for (const [endpoint, call] of Object.entries(ENDPOINTS)) {
  for (const expected of FAULTS) {
    for (const retries of [false, true]) {
      const name = `${endpoint} · ${expected.fault.type}${expected.fault.status ? ` ${expected.fault.status}` : ""}${expected.fault.retryAfter ? " Retry-After" : ""} · retries ${retries ? "on" : "off"}`;
      test(name, async () => {
        cases++;
        mock.clearFaults();
        mock.resetRequests();
        const timersBefore = activeTimers();
        mock.setFault({ endpoint, ...expected.fault });
        const started = Date.now();
        const outcome = await call({ token: TOKEN, endpoint: mock.url, timeoutMs: 300, maxAttempts: retries ? 3 : 1 }).then(
          (value) => ({ value }),
          (error) => ({ error }),
        );
        const took = Date.now() - started;
        const sent = mock.requests.filter((r) => r.path === `/v1/instances/${endpoint}`);

        if (expected.ok) {
          assert.ok(!outcome.error, `unexpected ${outcome.error?.code}: ${outcome.error?.message}`);
          if (endpoint === "batch-query-status") {
            const { statuses, missing } = outcome.value;
            assert.deepEqual(statuses.map((s) => s.instanceId), ["i1", "i2"], "extra results are ignored");
            assert.deepEqual(missing, ["ghost"]);
            if (expected.unrecognized) assert.ok(statuses.every((s) => s.state === "unrecognized" && s.status === 42));
          } else if (expected.unrecognized) {
            assert.equal(outcome.value.state, "unrecognized");
          }
        } else {
          const { error } = outcome;
          assert.ok(error instanceof KooPhoneError, `expected a KooPhoneError, got ${outcome.value ? "a result" : error}`);
          assert.equal(error.code, expected.code, error.message);
          assert.equal(error.retryable, expected.retryable);
          if (expected.httpStatus) assert.equal(error.httpStatus, expected.httpStatus);
          assert.ok(error.requestId, "the failing request is identified");
        }
        assert.equal(sent.length, expected.attempts(retries), "attempts sent");
        // Bound: attempts x (timeout 300 ms + backoff <= 500 ms) or a 1 s Retry-After, plus slack.
        const bound = expected.slow && retries ? 3_500 : 2_500;
        assert.ok(took < bound, `took ${took} ms (bound ${bound})`);
        assert.ok(activeTimers() <= timersBefore, "a settled call leaves no timer behind");
      });
    }
  }
}

test("no unhandled rejections, and every case was tried", () => {
  assert.deepEqual(unhandled, []);
  assert.equal(cases, Object.keys(ENDPOINTS).length * FAULTS.length * 2);
  console.log(`# fault matrix: ${cases} cases tried`);
});
