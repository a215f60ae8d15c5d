// What an error is and carries (issue 11, items 12, 14, 15 and the gateway facts):
// `instanceof KooPhoneError` holds across the ESM and CommonJS builds and across two
// installed copies, `isKooPhoneError` and `KooPhoneError.fromJSON` exist and round-trip,
// errors carry the server's request_id and a standard `cause`, a failing token function is
// AUTH, and allowPartial with every chunk failed rejects with the chunk errors attached.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lib, mockFor, opts, PKG_DIR, TOKEN } from "./support.mjs";
import { startStub, reply, closedPort } from "../support/stub-server.mjs";

const { batchStatus, waitPrepared, KooPhoneError } = lib;
const cjs = createRequire(import.meta.url)(join(PKG_DIR, "index.cjs"));

/** A second installed copy of the package, as two dependencies bundling it would have. */
async function secondCopy(t) {
  const dir = fileURLToPath(new URL(`../../build/second-copy-${process.pid}/`, import.meta.url));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  cpSync(PKG_DIR, join(dir, "node_modules", "koophone-wasm"), { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return import(join(dir, "node_modules", "koophone-wasm", "index.mjs"));
}

const invalidFrom = (build) => build.batchStatus([], { token: TOKEN }).catch((e) => e);

test("instanceof KooPhoneError and isKooPhoneError hold across the ESM and CommonJS builds", async () => {
  assert.notEqual(cjs.KooPhoneError, KooPhoneError, "two builds, two classes (else this test proves nothing)");
  const fromEsm = await invalidFrom(lib);
  const fromCjs = await invalidFrom(cjs);
  assert.equal(fromEsm.code, "INVALID_ARGUMENT");
  assert.equal(fromCjs.code, "INVALID_ARGUMENT");
  assert.ok(fromCjs instanceof KooPhoneError, "CommonJS error instanceof the ESM class");
  assert.ok(fromEsm instanceof cjs.KooPhoneError, "ESM error instanceof the CommonJS class");
  assert.equal(typeof lib.isKooPhoneError, "function", "isKooPhoneError is exported (ESM)");
  assert.equal(typeof cjs.isKooPhoneError, "function", "isKooPhoneError is exported (CommonJS)");
  for (const is of [lib.isKooPhoneError, cjs.isKooPhoneError]) {
    assert.equal(is(fromEsm), true);
    assert.equal(is(fromCjs), true);
  }
});

test("instanceof KooPhoneError and isKooPhoneError hold across two installed copies", async (t) => {
  const copy = await secondCopy(t);
  assert.notEqual(copy.KooPhoneError, KooPhoneError, "two copies, two classes");
  const fromCopy = await invalidFrom(copy);
  const fromUs = await invalidFrom(lib);
  assert.ok(fromCopy instanceof KooPhoneError, "the other copy's error instanceof ours");
  assert.ok(fromUs instanceof copy.KooPhoneError, "our error instanceof the other copy's class");
  assert.ok(fromCopy instanceof Error);
  assert.equal(lib.isKooPhoneError?.(fromCopy), true);
  assert.equal(copy.isKooPhoneError?.(fromUs), true);
});

test("isKooPhoneError is false, without throwing, for anything that is not a library error", async () => {
  assert.equal(typeof lib.isKooPhoneError, "function", "isKooPhoneError is exported");
  const error = await invalidFrom(lib);
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const values = [
    new Error("x"),
    new TypeError("x"),
    { name: "KooPhoneError", code: "HTTP", message: "x" },
    error.toJSON(),
    null,
    undefined,
    "KooPhoneError",
    42,
    proxy,
  ];
  values.forEach((value, i) => {
    assert.equal(lib.isKooPhoneError(value), false, `value #${i}`);
  });
  assert.ok(!(error.toJSON() instanceof KooPhoneError), "a plain JSON copy is not an instance");
});

const GATEWAY_401 = {
  error_code: "APIGW.0301",
  error_msg: "Incorrect IAM authentication information: verify aksk signature fail",
  request_id: "c5f9e5c2b1a04c6f9b8c7d6e5f4a3b21",
};

test("a gateway 401 keeps the server's error_code, error_msg and request_id beside our x-request-id", async (t) => {
  const server = await startStub((req, res) => reply(res, 401, GATEWAY_401));
  t.after(() => server.close());
  const error = await batchStatus(["i1"], { token: TOKEN, endpoint: server.url }).catch((e) => e);
  assert.ok(error instanceof KooPhoneError, String(error));
  assert.equal(server.requests.length, 1, "a 401 is not retried");
  assert.equal(error.code, "HTTP");
  assert.equal(error.httpStatus, 401);
  assert.equal(error.errorCode, "APIGW.0301");
  assert.equal(error.errorMsg, GATEWAY_401.error_msg);
  assert.equal(error.serverRequestId, GATEWAY_401.request_id);
  assert.equal(error.requestId, server.requests[0].headers["x-request-id"]);
  assert.equal(error.retryable, false);
  assert.equal(error.toJSON().serverRequestId, GATEWAY_401.request_id);
});

test("KooPhoneError.fromJSON rebuilds an equal error from toJSON() sent through structured clone", async (t) => {
  assert.equal(typeof KooPhoneError.fromJSON, "function", "KooPhoneError.fromJSON exists");
  const server = await startStub((req, res) => reply(res, 401, GATEWAY_401));
  t.after(() => server.close());
  const mock = await mockFor(t, {
    extra: [
      {
        id: "bad",
        status: 3,
        owner: "u1",
        prepare: [
          { status: 1, waitingCount: 2 },
          { status: -1, waitingCount: 0 },
        ],
      },
    ],
  });
  const http = await batchStatus(["i1"], { token: TOKEN, endpoint: server.url }).catch((e) => e);
  const failed = await waitPrepared({ userId: "u1", instanceId: "bad" }, opts(mock, { minDelayMs: 5 })).catch((e) => e);
  assert.equal(http.code, "HTTP");
  assert.equal(failed.code, "PREPARE_FAILED");
  assert.notEqual(failed.progress, null);
  for (const original of [http, failed]) {
    const json = structuredClone(original.toJSON()); // what postMessage(error.toJSON()) delivers
    const rebuilt = KooPhoneError.fromJSON(json);
    assert.ok(rebuilt instanceof KooPhoneError && rebuilt instanceof Error);
    assert.equal(lib.isKooPhoneError?.(rebuilt), true);
    assert.equal(rebuilt.name, "KooPhoneError");
    for (const field of [
      "code",
      "message",
      "httpStatus",
      "errorCode",
      "errorMsg",
      "requestId",
      "serverRequestId",
      "retryable",
    ]) {
      assert.equal(rebuilt[field], original[field], field);
    }
    assert.deepEqual(rebuilt.progress, original.progress);
    assert.deepEqual(rebuilt.toJSON(), original.toJSON());
  }
});

test("a network failure carries the underlying error as cause, ECONNREFUSED visible", async () => {
  const port = await closedPort();
  const error = await batchStatus(["i1"], { token: TOKEN, endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 }).catch(
    (e) => e,
  );
  assert.ok(error instanceof KooPhoneError, String(error));
  assert.equal(error.code, "NETWORK");
  assert.ok(error.cause !== undefined && error.cause !== null, "error.cause is set");
  const chain = [];
  for (let c = error.cause, depth = 0; c && depth < 4; c = c.cause, depth++)
    chain.push(`${c.code ?? ""} ${c.message ?? c}`);
  assert.ok(
    chain.some((text) => text.includes("ECONNREFUSED")),
    `no ECONNREFUSED in the cause chain: ${JSON.stringify(chain)}`,
  );
});

test("a token function that throws or rejects fails with AUTH, keeping what it threw as cause, and sends nothing", async (t) => {
  const server = await startStub((req, res) => reply(res, 500, "unexpected"));
  t.after(() => server.close());
  const vaultDown = new Error("vault down");
  const cases = {
    throws: () => {
      throw vaultDown;
    },
    rejects: async () => {
      throw vaultDown;
    },
    "throws a string": () => {
      throw "vault down";
    },
  };
  for (const [name, token] of Object.entries(cases)) {
    const error = await batchStatus(["i1"], { token, endpoint: server.url }).catch((e) => e);
    assert.ok(error instanceof KooPhoneError, `${name}: ${error}`);
    assert.equal(error.code, "AUTH", `${name}: ${error.code} ${error.message}`);
    assert.ok(
      error.cause === vaultDown || String(error.cause?.message ?? error.cause).includes("vault down"),
      `${name}: cause ${error.cause}`,
    );
  }
  assert.equal(server.requests.length, 0);
});

test("allowPartial with every chunk failed rejects with the first error, the per-chunk errors attached", async (t) => {
  const server = await startStub((req, res) =>
    reply(res, 503, { error_code: "KOOPHONE.API.9999", error_msg: "Internal service error." }),
  );
  t.after(() => server.close());
  const outcome = await batchStatus(["a", "b", "c"], {
    token: TOKEN,
    endpoint: server.url,
    chunkSize: 1,
    maxAttempts: 1,
    allowPartial: true,
  }).then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
  assert.equal(server.requests.length, 3);
  assert.ok(outcome.error, `resolved although nothing succeeded: ${JSON.stringify(outcome.value)}`);
  const { error } = outcome;
  assert.ok(error instanceof KooPhoneError);
  assert.equal(error.code, "HTTP");
  assert.equal(error.httpStatus, 503);
  assert.ok(Array.isArray(error.errors), "error.errors is an array");
  assert.equal(error.errors.length, 3);
  assert.deepEqual(error.errors.map((e) => e.instanceIds).sort(), [["a"], ["b"], ["c"]]);
  for (const chunk of error.errors) {
    assert.ok(chunk.error instanceof KooPhoneError);
    assert.equal(chunk.error.httpStatus, 503);
  }
});

test("allowPartial with some chunks failed still resolves with the others and the failures listed", async (t) => {
  const server = await startStub((req, res, record) => {
    const ids = JSON.parse(record.body).instance_ids;
    if (ids.includes("b"))
      return reply(res, 503, { error_code: "KOOPHONE.API.9999", error_msg: "Internal service error." });
    reply(res, 200, {
      data: { status_results: ids.map((id) => ({ instance_id: id, status: 2 })) },
      error_code: "0",
      error_msg: "OK",
    });
  });
  t.after(() => server.close());
  const result = await batchStatus(["a", "b", "c"], {
    token: TOKEN,
    endpoint: server.url,
    chunkSize: 1,
    maxAttempts: 1,
    allowPartial: true,
  });
  assert.deepEqual(
    result.statuses.map((s) => s.instanceId),
    ["a", "c"],
  );
  assert.equal(result.errors.length, 1);
  assert.deepEqual(result.errors[0].instanceIds, ["b"]);
  assert.equal(result.errors[0].error.httpStatus, 503);
});
