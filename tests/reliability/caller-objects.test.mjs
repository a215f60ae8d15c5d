// Whatever the caller hands over may throw, and nothing escapes (issue 11, items 2, 3, 6):
// throwing getters, a revoked Proxy, a signal that throws on a later read, callbacks that
// throw or reject, and a 500-million-character error message. Each scenario runs in its own
// process under a guard that fails on any uncaughtException or unhandledRejection; the
// hostile call settles, and calls started in the same tick after it settle normally.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { PKG_DIR, startMockServer, TOKEN } from "./support.mjs";
import { runIsolated, explain, faultSummary } from "../support/isolated.mjs";

const READY = [
  { status: 1, waitingCount: 1 },
  { status: 0, waitingCount: 0 },
];
const CALLBACKS = [
  "throws",
  "rejects",
  "returns a thenable whose then throws",
  "is a getter that throws on the second read",
];
const mock = await startMockServer({
  tokens: [TOKEN],
  instances: [
    { id: "i1", status: 2, owner: "u1" },
    { id: "queue", status: 4, owner: "u1", prepare: [{ status: 1, waitingCount: 3 }] },
    ...CALLBACKS.map((_, n) => ({ id: `cb${n}`, status: 4, owner: "u1", prepare: READY })),
  ],
});
after(() => mock.close());

/**
 * Run `hostile` (an expression using `lib` and `base`, giving a promise) then, in the same
 * tick, a normal batchStatus (with an AbortSignal and timeoutMs) and a normal waitPrepared.
 */
function scenario(hostile, { settleMs = 10_000 } = {}) {
  return runIsolated(
    `
    const lib = await import(${JSON.stringify(join(PKG_DIR, "index.mjs"))});
    const base = { token: ${JSON.stringify(TOKEN)}, endpoint: ${JSON.stringify(mock.url)}, timeoutMs: 3000 };
    const hostile = settle((async () => ${hostile})().catch((e) => { globalThis.isOurs = e instanceof lib.KooPhoneError; throw e; }), ${settleMs});
    const batch = settle(lib.batchStatus(["i1"], { ...base, signal: new AbortController().signal }), 10000);
    const wait = settle(lib.waitPrepared({ userId: "u1", instanceId: "i1" }, { ...base, minDelayMs: 5 }), 10000);
    const out = { hostile: await hostile, batch: await batch, wait: await wait };
    out.isOurs = globalThis.isOurs ?? null;
    out.after = await settle(lib.batchStatus(["i1"], base), 10000);
    report(out);
    `,
    { timeoutMs: settleMs + 30_000 },
  );
}

/** The normal calls around the hostile one all settled as if it had not been there. */
function assertOthersUnaffected(run) {
  assert.ok(run.result, explain(run));
  for (const key of ["batch", "after"]) {
    assert.equal(run.result[key].status, "fulfilled", `${key}: ${JSON.stringify(run.result[key])}`);
    assert.deepEqual(run.result[key].value.statuses, [{ instanceId: "i1", status: 2, state: "running" }]);
  }
  assert.equal(run.result.wait.status, "fulfilled", `wait: ${JSON.stringify(run.result.wait)}`);
  assert.equal(run.result.wait.value.state, "normal");
  assert.equal(run.faults.length, 0, faultSummary(run));
  assert.equal(run.code, 0, explain(run));
}

const THROWING = {
  "a throwing getter on instanceIds[1]": {
    call: `lib.batchStatus(Object.defineProperty(["i1"], 1, { get() { throw new Error("getter boom"); }, enumerable: true }), base)`,
    names: /instanceIds/,
  },
  "a throwing getter on instanceIds.length": {
    call: `lib.batchStatus(new Proxy(["i1"], { get(t, k, r) { if (k === "length") throw new Error("length boom"); return Reflect.get(t, k, r); } }), base)`,
    names: /instanceIds/,
  },
  "a revoked Proxy as instanceIds": {
    call: `(() => { const { proxy, revoke } = Proxy.revocable(["i1"], {}); revoke(); return lib.batchStatus(proxy, base); })()`,
    names: /instanceIds/,
  },
  "an options object with a throwing getter": {
    call: `lib.batchStatus(["i1"], Object.defineProperty({ ...base }, "timeoutMs", { get() { throw new Error("option boom"); }, enumerable: true }))`,
    names: /timeoutMs/,
  },
  "a prepare request with a throwing getter": {
    call: `lib.prepareProgress(Object.defineProperty({ userId: "u1" }, "instanceId", { get() { throw new Error("request boom"); }, enumerable: true }), base)`,
    names: /instanceId/,
  },
};

for (const [name, { call, names }] of Object.entries(THROWING)) {
  test(`${name}: INVALID_ARGUMENT naming it, no crash, calls in the same tick unaffected`, async () => {
    const run = await scenario(call);
    assert.ok(run.result, explain(run));
    const { hostile } = run.result;
    assert.equal(hostile.status, "rejected", explain(run));
    assert.equal(hostile.error.code, "INVALID_ARGUMENT", JSON.stringify(hostile));
    assert.match(hostile.error.message, names);
    assert.equal(run.result.isOurs, true, "rejected with a KooPhoneError");
    assertOthersUnaffected(run);
  });
}

// A signal-like object whose `aborted` getter answers once, then throws: the library may
// read it again at any later point (retry, next chunk, next poll). If it does, the call
// rejects with INVALID_ARGUMENT naming the signal; nothing else may happen.
const FLAKY_SIGNAL = `(() => {
  let reads = 0;
  return { get aborted() { if (++reads > 1) throw new Error("aborted boom"); return false; }, addEventListener() {}, removeEventListener() {} };
})()`;
const SIGNAL_CALLS = {
  "batchStatus of three chunks": `lib.batchStatus(["i1", "i2", "i3"], { ...base, chunkSize: 1, concurrency: 1, signal: ${FLAKY_SIGNAL} })`,
  "waitPrepared polling a queue": `lib.waitPrepared({ userId: "u1", instanceId: "queue" }, { ...base, minDelayMs: 5, maxWaitMs: 300, signal: ${FLAKY_SIGNAL} })`,
};
for (const [name, call] of Object.entries(SIGNAL_CALLS)) {
  test(`${name} with a signal whose aborted getter throws on a later read: settles, no crash, others unaffected`, async () => {
    const run = await scenario(call);
    assert.ok(run.result, explain(run));
    const { hostile } = run.result;
    assert.notEqual(hostile.status, "hung", `the call never settled; ${explain(run)}`);
    if (hostile.status === "rejected" && hostile.error.code === "INVALID_ARGUMENT")
      assert.match(hostile.error.message, /signal/);
    else if (hostile.status === "rejected") assert.equal(hostile.error.code, "WAIT_TIMEOUT", JSON.stringify(hostile)); // the queue never ends
    assertOthersUnaffected(run);
  });
}

for (const [n, kind] of CALLBACKS.entries()) {
  test(`an onProgress that ${kind}: the wait completes normally, no unhandled rejection`, async () => {
    const options = {
      throws: `{ ...base, minDelayMs: 5, onProgress: () => { throw new Error("callback boom"); } }`,
      rejects: `{ ...base, minDelayMs: 5, onProgress: async () => { throw new Error("async callback boom"); } }`,
      "returns a thenable whose then throws": `{ ...base, minDelayMs: 5, onProgress: () => ({ then() { throw new Error("then boom"); } }) }`,
      "is a getter that throws on the second read": `(() => {
        let reads = 0;
        return Object.defineProperty({ ...base, minDelayMs: 5 }, "onProgress", { get() { if (++reads > 1) throw new Error("getter boom"); return () => {}; }, enumerable: true });
      })()`,
    }[kind];
    const run = await scenario(`lib.waitPrepared({ userId: "u1", instanceId: "cb${n}" }, ${options})`);
    assert.ok(run.result, explain(run));
    const { hostile } = run.result;
    assert.equal(hostile.status, "fulfilled", JSON.stringify(hostile));
    assert.deepEqual([hostile.value.state, hostile.value.attempt], ["normal", 2]);
    assertOthersUnaffected(run);
  });
}

// Item 3: strings the library copies in are bounded; an out-of-memory inside the module
// rejects that call and later calls work.
const HUGE = `"x".repeat(500_000_000)`;
const HUGE_INPUTS = {
  "a custom fetch rejecting with a 500-million-character message": `lib.batchStatus(["i1"], { ...base, maxAttempts: 1, fetch: async () => { throw new Error(${HUGE}); } })`,
  "a token function throwing a 500-million-character message": `lib.batchStatus(["i1"], { ...base, token: () => { throw new Error(${HUGE}); } })`,
  "a token function returning a 500-million-character token": `lib.batchStatus(["i1"], { ...base, token: async () => ${HUGE} })`,
};
for (const [name, call] of Object.entries(HUGE_INPUTS)) {
  test(`${name}: that call rejects with a short KooPhoneError, later calls work`, async () => {
    const run = await scenario(call, { settleMs: 20_000 });
    assert.ok(run.result, explain(run));
    const { hostile } = run.result;
    assert.equal(hostile.status, "rejected", JSON.stringify(hostile).slice(0, 1000));
    assert.equal(run.result.isOurs, true, `not a KooPhoneError: ${JSON.stringify(hostile).slice(0, 500)}`);
    assert.ok(hostile.error.messageLength < 4096, `message of ${hostile.error.messageLength} characters`);
    assertOthersUnaffected(run);
  });
}
