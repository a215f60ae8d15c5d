// Every mock fault x both endpoints x retries on/off (maxAttempts 3 vs 1). Each case
// must end in the right result or the right typed error (code, retryable, httpStatus,
// errorCode, requestId) within its time bound, with the exact number of requests, no
// timer left behind and the token in no rendering of the error.
//
// Each scenario group (endpoint x retries) runs in its own child process, which makes
// the calls while this process owns the mock (so the mock's sockets are not the
// child's): after the last call settles the child disconnects and must exit by itself
// within EXIT_BOUND_MS, and must have seen no unhandled rejection. The groups run in
// parallel, one mock each.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FAULTS, ENDPOINTS, INSTANCES, boundMs } from "./fault-cases.mjs";
import { startMockServer, TOKEN } from "./support.mjs";

const WORKER = fileURLToPath(new URL("./fault-worker.mjs", import.meta.url));
const EXIT_BOUND_MS = 1_000;
const summary = { cases: 0, groups: 0, slowestMs: 0, exitMs: [] };

function runGroup(endpoint, retries) {
  // biome-ignore lint/suspicious/noAsyncPromiseExecutor: the executor awaits the mock before wiring the child; a failure there fails the test either way
  return new Promise(async (resolve, reject) => {
    const mock = await startMockServer({ tokens: [TOKEN], instances: INSTANCES });
    const results = [];
    let done = null;
    let doneAt = 0;
    let current = null;
    const child = fork(WORKER, [mock.url, endpoint, retries ? "on" : "off"], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("message", (m) => {
      if (m.kind === "set") {
        if (current) current.requests = mock.requests.slice();
        mock.clearFaults();
        mock.resetRequests();
        if (m.fault) mock.setFault(m.fault);
        child.send({ kind: "ack" });
      } else if (m.kind === "result") {
        current = m;
        current.requests = mock.requests.slice();
        results.push(current);
      } else if (m.kind === "done") {
        done = m;
        doneAt = performance.now();
      }
    });
    child.on("exit", async (code, signal) => {
      clearTimeout(killer);
      const exitMs = done ? Math.round(performance.now() - doneAt) : null;
      const requestLog = JSON.stringify(mock.requests);
      await mock.close();
      if (code !== 0) reject(new Error(`worker exited with ${code ?? signal}:\n${output}`));
      else resolve({ results, done, exitMs, requestLog });
    });
  });
}

// All groups start at once and run in parallel; each test reports one group.
const runs = new Map();
for (const endpoint of ENDPOINTS) {
  for (const retries of [false, true]) {
    const run = runGroup(endpoint, retries);
    run.catch(() => {}); // reported by its test
    runs.set(`${endpoint} ${retries}`, run);
  }
}

for (const endpoint of ENDPOINTS) {
  for (const retries of [false, true]) {
    const group = `${endpoint} · retries ${retries ? "on (maxAttempts 3)" : "off (maxAttempts 1)"}`;
    test(group, async (t) => {
      const { results, done, exitMs, requestLog } = await runs.get(`${endpoint} ${retries}`);
      summary.groups++;
      summary.exitMs.push(exitMs);

      for (const r of results) {
        const c = FAULTS[r.index];
        await t.test(c.name, () => {
          summary.cases++;
          summary.slowestMs = Math.max(summary.slowestMs, r.tookMs);
          const { value, error } = r.outcome;
          const expectOk = c.ok || (c.transient && retries);
          if (expectOk) {
            assert.ok(!error, `unexpected ${error?.code}: ${error?.message}`);
            if (endpoint === "batch-query-status") {
              assert.deepEqual(
                value.statuses.map((s) => s.instanceId),
                ["i1", "i2"],
                "results for other IDs are ignored",
              );
              assert.deepEqual(value.missing, ["ghost"]);
              assert.equal(value.requestIds.length, c.attempts(retries), "one request ID per request sent");
              if (c.unrecognized !== undefined) {
                assert.ok(
                  value.statuses.every((s) => s.state === "unrecognized" && s.status === c.unrecognized),
                  JSON.stringify(value.statuses),
                );
              } else {
                assert.deepEqual(
                  value.statuses.map((s) => s.state),
                  ["running", "stopped"],
                );
              }
            } else if (c.unrecognized !== undefined) {
              assert.equal(value.state, "unrecognized");
              assert.equal(value.status, c.unrecognized);
            } else {
              assert.equal(value.state, "normal");
              assert.ok(value.requestId);
            }
          } else {
            assert.ok(error, `expected ${c.code}, got a result`);
            assert.ok(error.isKooPhoneError, `not a KooPhoneError: ${error.name}: ${error.message}`);
            assert.equal(error.name, "KooPhoneError");
            assert.equal(error.code, c.code, error.message);
            assert.equal(error.retryable, c.retryable, "retryable");
            if (c.httpStatus) assert.equal(error.httpStatus, c.httpStatus, "httpStatus");
            if (c.code === "NETWORK" || c.code === "TIMEOUT")
              assert.equal(error.httpStatus, null, "no status without a response");
            if (c.errorCode) assert.equal(error.errorCode, c.errorCode, "errorCode");
            assert.match(error.requestId ?? "", /\S/, "the failing request is identified");
          }
          assert.equal(r.requests.length, c.attempts(retries), "requests sent");
          for (const text of [error?.message ?? "", ...(error?.renderings ?? [])]) {
            assert.ok(!String(text).includes(TOKEN), "the token appears in the error");
          }
          assert.ok(r.tookMs < boundMs(c, retries), `took ${r.tookMs} ms (bound ${boundMs(c, retries)} ms)`);
          if (c.minMs) assert.ok(r.tookMs >= c.minMs(retries), `Retry-After honoured: took ${r.tookMs} ms`);
          assert.equal(r.timersLeft, 0, "timers left behind by a settled call");
        });
      }

      await t.test("all cases ran, nothing unhandled, nothing leaked, and the process exits by itself", () => {
        assert.equal(results.length, FAULTS.length);
        assert.deepEqual(done.unhandled, [], "unhandled rejections");
        assert.ok(!done.consoleOutput.some((line) => line.includes(TOKEN)), "token in console output");
        assert.ok(!requestLog.includes(TOKEN), "token in the mock's request log");
        assert.ok(!done.resources.includes("Timeout"), `active resources after the last call: ${done.resources}`);
        assert.ok(
          exitMs !== null && exitMs < EXIT_BOUND_MS,
          `exited ${exitMs} ms after its calls settled (bound ${EXIT_BOUND_MS})`,
        );
      });
    });
  }
}

test("fault matrix summary", () => {
  const expected = ENDPOINTS.length * 2 * FAULTS.length;
  console.log(
    `# fault matrix: ${summary.cases} cases tried (${FAULTS.length} faults x ${ENDPOINTS.length} endpoints x retries on/off) in ${summary.groups} child processes; ` +
      `slowest case ${summary.slowestMs} ms; exit after last call settled: ${summary.exitMs.join(", ")} ms`,
  );
  assert.equal(summary.cases, expected);
});
