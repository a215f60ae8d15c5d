// Abort right after a call starts (issue 11, item 4): for each of the three calls, abort
// 0, 1, 2 … 20 microtasks after the call and at random moments (0–30 ms), many times, in a
// child process that fails on any unhandledRejection or uncaughtException. Every call
// resolves or rejects with ABORTED, none hangs, and the process exits by itself.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { PKG_DIR, TOKEN } from "./support.mjs";
import { startStub, reply, successFor } from "../support/stub-server.mjs";
import { runIsolated, explain, faultSummary } from "../support/isolated.mjs";

const ROUNDS = 3;
const RANDOM_PER_ROUND = 60;
const MICROTASKS = 20;

// Answers after 0–10 ms; prepare-progress always says "queuing", so a wait only ends by abort.
const server = await startStub((req, res, record) => {
  const body = record.path.endsWith("/prepare-progress")
    ? { data: { status: 1, waitingCount: 2 }, error_code: "0", error_msg: "OK" }
    : successFor(record);
  setTimeout(() => reply(res, 200, body), Math.random() * 10);
});
after(() => server.close());

for (const name of ["batchStatus", "prepareProgress", "waitPrepared"]) {
  test(`${name} aborted at 0..${MICROTASKS} microtasks and at random moments: every call settles, no unhandled rejection`, async () => {
    const run = await runIsolated(
      `
      const lib = await import(${JSON.stringify(join(PKG_DIR, "index.mjs"))});
      const base = { token: ${JSON.stringify(TOKEN)}, endpoint: ${JSON.stringify(server.url)}, timeoutMs: 3000 };
      const call = {
        batchStatus: (signal) => lib.batchStatus(["i1", "i2"], { ...base, signal }),
        prepareProgress: (signal) => lib.prepareProgress({ userId: "u1", instanceId: "q1" }, { ...base, signal }),
        waitPrepared: (signal) => lib.waitPrepared({ userId: "u1", instanceId: "q1" }, { ...base, signal, minDelayMs: 5 }),
      }[${JSON.stringify(name)}];
      const tally = { calls: 0, fulfilled: 0, aborted: 0, hung: 0, other: [] };
      const pending = [];
      const track = (promise) => {
        tally.calls++;
        pending.push(settle(promise, 10000).then((r) => {
          if (r.status === "fulfilled") tally.fulfilled++;
          else if (r.status === "hung") tally.hung++;
          else if (r.error.code === "ABORTED") tally.aborted++;
          else tally.other.push(r.error);
        }));
      };
      for (let round = 0; round < ${ROUNDS}; round++) {
        for (let k = 0; k <= ${MICROTASKS}; k++) {
          const controller = new AbortController();
          track(call(controller.signal));
          for (let i = 0; i < k; i++) await null;
          controller.abort();
        }
        for (let n = 0; n < ${RANDOM_PER_ROUND}; n++) {
          const controller = new AbortController();
          track(call(controller.signal));
          setTimeout(() => controller.abort(), Math.random() * 30);
        }
      }
      await Promise.all(pending);
      await new Promise((resolve) => setTimeout(resolve, 300)); // late rejections surface here
      report(tally);
      `,
      { timeoutMs: 60_000 },
    );
    assert.ok(run.result, explain(run));
    const { calls, fulfilled, aborted, hung, other } = run.result;
    assert.equal(run.faults.length, 0, faultSummary(run));
    assert.equal(calls, ROUNDS * (MICROTASKS + 1 + RANDOM_PER_ROUND));
    assert.equal(hung, 0, `${hung} calls never settled`);
    assert.deepEqual(other, [], "every rejection is ABORTED");
    assert.equal(fulfilled + aborted, calls);
    assert.ok(aborted >= ROUNDS * (MICROTASKS + 1), `the immediate aborts were seen (${aborted} aborted)`);
    assert.equal(run.killed, false, "the process did not exit by itself");
    assert.equal(run.code, 0, explain(run));
  });
}
