// Hostile input never breaks the module: after each one, a normal call still works.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { lib, startMockServer, TOKEN } from "./support.mjs";

const { batchStatus, waitPrepared, prepareProgress, KooPhoneError } = lib;
const mock = await startMockServer({
  tokens: [TOKEN],
  instances: [{ id: "i1", status: 2, owner: "u1", prepare: [{ status: 1, waitingCount: 1 }, { status: 0, waitingCount: 0 }] }],
});
after(() => mock.close());
const good = () => ({ token: TOKEN, endpoint: mock.url });

async function stillWorks() {
  const r = await batchStatus(["i1"], good());
  assert.deepEqual(r.statuses, [{ instanceId: "i1", status: 2, state: "running" }]);
}

const throwingProxy = new Proxy({}, { get() { throw new Error("trap!"); } });
const hostileFetches = {
  "resolves to null": async () => null,
  "resolves to a number": async () => 7,
  "resolves to {}": async () => ({}),
  "status is a string": async () => ({ status: "200", headers: new Headers(), text: async () => "{}" }),
  "status out of range": async () => ({ status: 1000, headers: new Headers(), text: async () => "{}" }),
  "text throws": async () => ({ status: 200, headers: new Headers(), text() { throw new Error("boom"); } }),
  "text resolves to a number": async () => ({ status: 200, headers: new Headers(), text: async () => 42 }),
  "text rejects": async () => ({ status: 200, headers: new Headers(), text: async () => { throw new Error("read failed"); } }),
  "throws synchronously": () => { throw new TypeError("sync boom"); },
  "rejects with a string": async () => { throw "plain string"; },
  "resolves to a throwing proxy": async () => throwingProxy,
  "a getter that throws": async () => ({ get status() { throw new Error("getter"); }, headers: new Headers(), text: async () => "" }),
  "content-length of 5 GB": async () => new Response("{}", { headers: { "content-length": "5000000000" } }),
  "a 5 MB body": async () => new Response(`{"data":{"status_results":[]},"pad":"${"x".repeat(5_000_000)}"}`),
};

for (const [name, fetch] of Object.entries(hostileFetches)) {
  test(`fetch that ${name}: typed error, then the next call works`, async () => {
    const error = await batchStatus(["i1"], { ...good(), fetch, maxAttempts: 1 }).catch((e) => e);
    assert.ok(error instanceof KooPhoneError, String(error));
    assert.ok(["BAD_RESPONSE", "NETWORK"].includes(error.code), `${error.code}: ${error.message}`);
    await stillWorks();
  });
}

test("a Response-like object without headers is still read", async () => {
  const fetch = async () => ({ status: 200, headers: null, text: async () => '{"data":{"status_results":[]}}' });
  const r = await batchStatus(["i1"], { ...good(), fetch });
  assert.deepEqual(r.missing, ["i1"]);
  await stillWorks();
});

const hostileArgs = [
  ["no arguments", () => batchStatus()],
  ["null ids", () => batchStatus(null, good())],
  ["a Symbol in ids", () => batchStatus([Symbol("x")], good())],
  ["an object id", () => batchStatus([{}], good())],
  ["sparse array", () => batchStatus(new Array(3), good())],
  ["100001 ids", () => batchStatus(Array.from({ length: 100_001 }, (_, i) => `i${i}`), good())],
  ["a 10 000-character id", () => batchStatus(["x".repeat(10_000)], good())],
  ["emoji id over 32 characters", () => batchStatus(["😀".repeat(33)], good())],
  ["options is a string", () => batchStatus(["i1"], "token")],
  ["options is a throwing proxy", () => batchStatus(["i1"], throwingProxy)],
  ["options with a throwing getter", () => batchStatus(["i1"], { get token() { throw new Error("no"); } })],
  ["token is an object", () => batchStatus(["i1"], { ...good(), token: {} })],
  ["token function throws", () => batchStatus(["i1"], { ...good(), token: () => { throw new Error("vault down"); } })],
  ["token function resolves to a number", () => batchStatus(["i1"], { ...good(), token: async () => 5 })],
  ["token function returns a token with CRLF", () => batchStatus(["i1"], { ...good(), token: () => "a\r\nb" })],
  ["signal is not a signal", () => batchStatus(["i1"], { ...good(), signal: { aborted: "no" } })],
  ["fetch is not a function", () => batchStatus(["i1"], { ...good(), fetch: "fetch" })],
  ["endpoint is a number", () => batchStatus(["i1"], { ...good(), endpoint: 8080 })],
  ["endpoint with a query", () => batchStatus(["i1"], { ...good(), endpoint: `${mock.url}?x=1` })],
  ["NaN timeout", () => batchStatus(["i1"], { ...good(), timeoutMs: NaN })],
  ["Infinity maxWaitMs", () => waitPrepared({ userId: "u1", instanceId: "i1" }, { ...good(), maxWaitMs: Infinity })],
  ["prepare request is null", () => prepareProgress(null, good())],
  ["prepare ids are numbers", () => prepareProgress({ userId: 1, instanceId: 2 }, good())],
];
for (const [name, call] of hostileArgs) {
  test(`bad argument (${name}): INVALID_ARGUMENT before any request, then the next call works`, async () => {
    mock.resetRequests();
    const error = await call().catch((e) => e);
    assert.ok(error instanceof KooPhoneError, String(error));
    assert.equal(error.code, "INVALID_ARGUMENT", error.message);
    assert.equal(mock.requests.length, 0, "nothing was sent");
    await stillWorks();
  });
}

test("a throwing onProgress does not end the wait", async () => {
  const done = await waitPrepared({ userId: "u1", instanceId: "i1" }, {
    ...good(),
    minDelayMs: 5,
    onProgress: () => { throw new Error("UI bug"); },
  });
  assert.equal(done.state, "normal");
  await stillWorks();
});
