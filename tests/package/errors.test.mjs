// Every error kind, as a user sees it: a KooPhoneError with a code and details.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { lib, mockFor, opts, apiRequests, TOKEN } from "./support.mjs";

const { batchStatus, prepareProgress, waitPrepared, KooPhoneError } = lib;

async function rejection(promise) {
  const error = await promise.then(
    () => assert.fail("expected a rejection"),
    (e) => e,
  );
  assert.ok(error instanceof KooPhoneError, `not a KooPhoneError: ${error}`);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "KooPhoneError");
  assert.ok(!JSON.stringify(error).includes(TOKEN) && !String(error.stack).includes(TOKEN), "token leaked");
  return error;
}

test("INVALID_ARGUMENT: bad input is rejected before any request", async (t) => {
  const server = await mockFor(t, { count: 1 });
  const cases = [
    [[], {}],
    [["a".repeat(33)], {}],
    [[""], {}],
    [[42], {}],
    ["id000", {}],
    [["id000"], { token: "" }],
    [["id000"], { token: undefined }],
    [["id000"], { token: "line\r\nbreak" }],
    [["id000"], { endpoint: "http://example.com" }],
    [["id000"], { endpoint: "https://user:pw@example.com" }],
    [["id000"], { timeoutMs: -1 }],
    [["id000"], { chunkSize: 101 }],
    [["id000"], { maxAttempts: 0 }],
  ];
  for (const [ids, extra] of cases) {
    const error = await rejection(batchStatus(ids, opts(server, extra)));
    assert.equal(error.code, "INVALID_ARGUMENT", JSON.stringify([ids, extra]));
    assert.equal(error.retryable, false);
  }
  const bad = await rejection(prepareProgress({ userId: "u".repeat(33), instanceId: "i" }, opts(server)));
  assert.match(bad.message, /userId is 33 UTF-16 code units long/);
  assert.equal(server.requests.length, 0);
});

test("NETWORK: nothing listening", async () => {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const error = await rejection(
    batchStatus(["a"], { token: TOKEN, endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 }),
  );
  assert.equal(error.code, "NETWORK");
  assert.equal(error.retryable, true);
  assert.match(error.message, /ECONNREFUSED/);
  assert.ok(error.requestId);
});

test("TIMEOUT: a hanging server", async (t) => {
  const server = await mockFor(t, { count: 1 });
  server.setFault({ type: "hang" });
  const error = await rejection(batchStatus(["id000"], opts(server, { timeoutMs: 100, maxAttempts: 2 })));
  assert.equal(error.code, "TIMEOUT");
  assert.equal(apiRequests(server).length, 2, "retried once");
});

test("ABORTED: the signal cancels a call in flight", async (t) => {
  const server = await mockFor(t, { count: 1 });
  server.setFault({ type: "hang" });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const started = Date.now();
  const error = await rejection(batchStatus(["id000"], opts(server, { signal: controller.signal })));
  assert.equal(error.code, "ABORTED");
  assert.ok(Date.now() - started < 1000);
  const already = await rejection(batchStatus(["id000"], opts(server, { signal: AbortSignal.abort() })));
  assert.equal(already.code, "ABORTED");
});

test("ABORTED carries the signal's reason as its cause", async (t) => {
  const server = await mockFor(t, { count: 1 });
  server.setFault({ type: "hang" });
  const reason = new Error("user left the page");
  const controller = new AbortController();
  setTimeout(() => controller.abort(reason), 20);
  const error = await rejection(batchStatus(["id000"], opts(server, { signal: controller.signal })));
  assert.equal(error.code, "ABORTED");
  assert.equal(error.cause, reason);
  assert.deepEqual(error.toJSON().cause, { name: "Error", message: "user left the page" });
  const timedOut = await rejection(batchStatus(["id000"], opts(server, { signal: AbortSignal.timeout(20) })));
  assert.equal(timedOut.code, "ABORTED");
  assert.equal(timedOut.cause?.name, "TimeoutError");
  const waited = await rejection(
    waitPrepared({ userId: "u1", instanceId: "id000" }, opts(server, { signal: AbortSignal.abort("stop") })),
  );
  assert.equal(waited.code, "ABORTED");
  assert.equal(waited.cause, "stop");
});

test("HTTP: a wrong token gets 401 with the server's code and a hint", async (t) => {
  const server = await mockFor(t, { count: 1 });
  const error = await rejection(batchStatus(["id000"], opts(server, { token: "expired" })));
  assert.equal(error.code, "HTTP");
  assert.equal(error.httpStatus, 401);
  assert.equal(error.errorCode, "APIGW.0301"); // the API gateway answers auth failures itself
  assert.equal(error.retryable, false);
  assert.match(error.message, /token/);
  assert.equal(error.requestId, apiRequests(server)[0].headers["x-request-id"]);
  assert.equal(apiRequests(server).length, 1, "401 is not retried");
});

test("HTTP: 500 after every attempt is reported retryable", async (t) => {
  const server = await mockFor(t, { count: 1 });
  server.setFault({ type: "http", status: 500 });
  const error = await rejection(batchStatus(["id000"], opts(server)));
  assert.equal(error.httpStatus, 500);
  assert.equal(error.errorCode, "KOOPHONE.API.9999");
  assert.equal(error.retryable, true);
  assert.equal(apiRequests(server).length, 3);
});

test("API: a non-zero error_code in an HTTP 200 body", async (t) => {
  const server = await mockFor(t, { count: 1 });
  server.setFault({ type: "api-error", errorCode: "KooPhone.API.1001", errorMsg: "no permission" });
  const error = await rejection(batchStatus(["id000"], opts(server)));
  assert.equal(error.code, "API");
  assert.equal(error.httpStatus, 200);
  assert.equal(error.errorCode, "KooPhone.API.1001");
  assert.equal(error.errorMsg, "no permission");
});

test("BAD_RESPONSE: non-JSON, truncated and wrongly typed bodies", async (t) => {
  const server = await mockFor(t, { count: 1 });
  for (const type of ["non-json", "truncated", "wrong-types", "missing-fields"]) {
    const id = server.setFault({ type });
    const error = await rejection(batchStatus(["id000"], opts(server)));
    assert.equal(error.code, "BAD_RESPONSE", type);
    assert.match(error.message, /body/, type);
    server.removeFault(id);
  }
});

test("a 4001 for an unknown instance keeps the server's code and message", async (t) => {
  const server = await mockFor(t, { count: 1 });
  const error = await rejection(prepareProgress({ userId: "u1", instanceId: "nope" }, opts(server)));
  assert.equal(error.httpStatus, 400);
  assert.equal(error.errorCode, "KOOPHONE.API.4001");
  assert.equal(error.errorMsg, "The instance does not exist.");
});
