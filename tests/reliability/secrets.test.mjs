// The token never leaks: not in any error field, stack, JSON, cause, console
// output or the mock's request log; header-breaking input and unsafe endpoints
// are refused before anything is sent; IDs travel only in the JSON body.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { lib, startMockServer, TOKEN } from "./support.mjs";

const { batchStatus, waitPrepared, prepareProgress, KooPhoneError } = lib;
const mock = await startMockServer({
  tokens: [TOKEN],
  instances: [
    { id: "i1", status: 2, owner: "u1" },
    { id: "bad", status: 3, owner: "u1", prepare: [{ status: -1, waitingCount: 0 }] },
    { id: "slow", status: 4, owner: "u1", prepare: [{ status: 1, waitingCount: 9 }] },
  ],
});
after(() => mock.close());
const base = { token: TOKEN, endpoint: mock.url, timeoutMs: 200, maxAttempts: 1 };

// A proxy that echoes the request headers (and so the token) into its error page.
const echoingFetch = async (url, init) =>
  new Response(`<html>bad gateway; saw ${JSON.stringify(init.headers)}</html>`, { status: 502 });

const KINDS = {
  INVALID_ARGUMENT: () => batchStatus([`${TOKEN}${"x".repeat(40)}`], base),
  NETWORK: () => batchStatus(["i1"], { ...base, endpoint: "http://127.0.0.1:1" }),
  TIMEOUT: () => {
    mock.setFault({ type: "hang", times: 1 });
    return batchStatus(["i1"], base);
  },
  ABORTED: () => batchStatus(["i1"], { ...base, signal: AbortSignal.abort() }),
  HTTP: () => batchStatus(["i1"], { ...base, fetch: echoingFetch }),
  API: () => {
    mock.setFault({ type: "api-error", errorMsg: `token ${TOKEN} refused`, times: 1 });
    return batchStatus(["i1"], base);
  },
  BAD_RESPONSE: () => batchStatus(["i1"], { ...base, fetch: async () => new Response(`not json ${TOKEN}`) }),
  PREPARE_FAILED: () => waitPrepared({ userId: "u1", instanceId: "bad" }, { ...base, minDelayMs: 5 }),
  WAIT_TIMEOUT: () => waitPrepared({ userId: "u1", instanceId: "slow" }, { ...base, minDelayMs: 5, maxWaitMs: 50 }),
};

function leaks(value, seen = new Set()) {
  if (value === null || value === undefined) return false;
  if (typeof value === "string") return value.includes(TOKEN);
  if (typeof value !== "object" || seen.has(value)) return false;
  seen.add(value);
  return Object.getOwnPropertyNames(value).some((key) => leaks(value[key], seen));
}

for (const [code, provoke] of Object.entries(KINDS)) {
  test(`${code}: the token appears in no part of the error`, async () => {
    const logged = [];
    const render = (args) => args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 8 }))).join(" ");
    const original = { ...console };
    for (const method of ["log", "info", "warn", "error", "debug"])
      console[method] = (...args) => logged.push(render(args));
    let error;
    try {
      error = await provoke().then(
        () => null,
        (e) => e,
      );
      console.error(error); // what an application's error handler typically does
      console.log("failed:", error?.message, error?.toJSON?.());
    } finally {
      Object.assign(console, original);
    }
    assert.ok(error instanceof KooPhoneError, `expected ${code}`);
    assert.equal(error.code, code);
    for (const text of [
      error.message,
      error.stack,
      JSON.stringify(error),
      String(error),
      String(error.cause ?? ""),
      inspect(error, { depth: 8, showHidden: true }),
      inspect(error.cause, { depth: 8 }),
      JSON.stringify(error.progress ?? null),
    ]) {
      assert.ok(!text.includes(TOKEN), `token leaked: ${text.slice(0, 300)}`);
    }
    assert.ok(!leaks(error), "token in some property");
    assert.ok(!logged.some((line) => line.includes(TOKEN)), "token in console output");
  });
}

test("the mock's request log never holds the token", () => {
  assert.ok(mock.requests.length > 0);
  assert.ok(!JSON.stringify(mock.requests).includes(TOKEN));
});

test("header-breaking tokens and IDs are refused before anything is sent", async () => {
  mock.resetRequests();
  for (const token of ["a\r\nX-Injected: 1", "a\nb", "a\u0000b", "tök", "a b"]) {
    const e = await batchStatus(["i1"], { ...base, token }).catch((x) => x);
    assert.equal(e.code, "INVALID_ARGUMENT");
    assert.ok(!e.message.includes(token));
  }
  for (const id of ["i1\r\nX-Injected: 1", "i1\n", "i\u0000", "i 1"]) {
    const e = await batchStatus([id], base).catch((x) => x);
    assert.equal(e.code, "INVALID_ARGUMENT");
    const p = await prepareProgress({ userId: id, instanceId: "i1" }, base).catch((x) => x);
    assert.equal(p.code, "INVALID_ARGUMENT");
  }
  assert.equal(mock.requests.length, 0);
});

test("endpoints with credentials, or plain http to a non-loopback host, are refused", async () => {
  for (const endpoint of [
    "https://user:pass@koophone.example.com",
    "http://koophone.example.com",
    "http://10.0.0.8:8080",
    "http://169.254.169.254",
    "javascript:alert(1)",
    "file:///etc/passwd",
  ]) {
    const e = await batchStatus(["i1"], { ...base, endpoint }).catch((x) => x);
    assert.equal(e.code, "INVALID_ARGUMENT", endpoint);
  }
});

test("instance IDs travel only in the JSON body, never in the URL or headers", async () => {
  mock.resetRequests();
  await batchStatus(["i1", "zz-secret-id"], base);
  await prepareProgress({ userId: "u1", instanceId: "i1" }, base);
  for (const r of mock.requests) {
    assert.ok(!r.path.includes("i1") && !r.path.includes("zz-secret-id"));
    assert.ok(!JSON.stringify(r.headers).includes("zz-secret-id"));
  }
  assert.deepEqual(mock.requests[0].body, { instance_ids: ["i1", "zz-secret-id"] });
});
