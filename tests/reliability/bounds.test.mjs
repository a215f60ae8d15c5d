// Bounded everything: attempts, total time, response size; and a script that
// uses the library exits by itself once its calls settle.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { lib, startMockServer, TOKEN, PKG_DIR } from "./support.mjs";

const { batchStatus, waitPrepared } = lib;
const mock = await startMockServer({
  tokens: [TOKEN],
  instances: [{ id: "slow", status: 4, owner: "u1", prepare: [{ status: 1, waitingCount: 5 }] }],
});
after(() => mock.close());
const base = { token: TOKEN, endpoint: mock.url };

test("total attempts never exceed maxAttempts", async () => {
  for (const maxAttempts of [1, 2, 5]) {
    mock.clearFaults();
    mock.resetRequests();
    mock.setFault({ type: "http", status: 503 });
    const e = await batchStatus(["slow"], { ...base, maxAttempts }).catch((x) => x);
    assert.equal(e.code, "HTTP");
    assert.equal(mock.requests.length, maxAttempts);
  }
  mock.clearFaults();
});

test("a wait never outlives maxWaitMs plus one request timeout, even when polls hang", async () => {
  mock.setFault({ endpoint: "prepare-progress", type: "hang", nth: 3 });
  const started = Date.now();
  const e = await waitPrepared(
    { userId: "u1", instanceId: "slow" },
    { ...base, minDelayMs: 50, maxWaitMs: 400, timeoutMs: 300 },
  ).catch((x) => x);
  const took = Date.now() - started;
  mock.clearFaults();
  assert.equal(e.code, "WAIT_TIMEOUT", e.message);
  assert.ok(took <= 400 + 300 + 150, `took ${took} ms`);
});

test("absurdly large bodies are refused, not read", async () => {
  mock.setFault({ type: "http", status: 200, body: `{"pad":"${"x".repeat(4 * 1024 * 1024)}"}`, times: 1 });
  const e = await batchStatus(["slow"], base).catch((x) => x);
  assert.equal(e.code, "BAD_RESPONSE");
  assert.match(e.message, /larger than/);
});

test("a script exits by itself once its calls settle, whatever happened", async () => {
  const script = `
    const { batchStatus, waitPrepared } = require(${JSON.stringify(join(PKG_DIR, "index.cjs"))});
    const base = { token: ${JSON.stringify(TOKEN)}, endpoint: ${JSON.stringify(mock.url)}, timeoutMs: 30000, maxAttempts: 1 };
    Promise.allSettled([
      batchStatus(["slow"], base),
      batchStatus(["slow"], { ...base, endpoint: "http://127.0.0.1:1" }),
      waitPrepared({ userId: "u1", instanceId: "slow" }, { ...base, minDelayMs: 20000, maxWaitMs: 60000, signal: AbortSignal.timeout(100) }),
      batchStatus([""], base),
    ]).then((r) => console.log(r.map((x) => x.status === "fulfilled" ? "ok" : x.reason.code).join(",")));`;
  const started = Date.now();
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], { timeout: 10_000 });
  assert.equal(stdout.trim(), "ok,NETWORK,ABORTED,INVALID_ARGUMENT");
  assert.ok(Date.now() - started < 3_000, "no 30 s attempt timer or 20 s poll timer held the process");
});
