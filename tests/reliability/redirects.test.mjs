// A redirect is never followed (issue 11, item 1): an endpoint answering 301/302/303/307/308
// ends the call with a non-retryable REDIRECT error naming the status, and the redirect
// target receives no request at all (so never the token), for every call, cross-port and
// from https to plain http.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lib, PKG_DIR, TOKEN } from "./support.mjs";
import { startStub, reply, successFor } from "../support/stub-server.mjs";
import { runIsolated, explain, faultSummary } from "../support/isolated.mjs";

const { batchStatus, prepareProgress, waitPrepared, KooPhoneError } = lib;
const STATUSES = [301, 302, 303, 307, 308];
const CALLS = {
  batchStatus: (options) => batchStatus(["i1", "i2"], options),
  prepareProgress: (options) => prepareProgress({ userId: "u1", instanceId: "i1" }, options),
  waitPrepared: (options) =>
    waitPrepared({ userId: "u1", instanceId: "i1" }, { ...options, minDelayMs: 5, maxWaitMs: 2_000 }),
};

/** The elsewhere server: answers every request with success, so a followed redirect "works". */
const elsewhere = () => startStub((req, res, record) => reply(res, 200, successFor(record)));
/** The endpoint: redirects every request to the same path on `target`. */
const redirecting = (status, target) =>
  startStub((req, res, record) =>
    reply(res, status, `<a href="${target.url}${record.path}">moved</a>`, { location: `${target.url}${record.path}` }),
  );

for (const [name, call] of Object.entries(CALLS)) {
  for (const status of STATUSES) {
    test(`${name}: a ${status} to another port rejects with REDIRECT and the other server gets no request`, async (t) => {
      const target = await elsewhere();
      const endpoint = await redirecting(status, target);
      t.after(() => Promise.all([target.close(), endpoint.close()]));

      const outcome = await call({ token: TOKEN, endpoint: endpoint.url, timeoutMs: 2_000 }).then(
        (value) => ({ value }),
        (error) => ({ error }),
      );
      assert.equal(
        target.requests.length,
        0,
        `the redirect was followed: ${JSON.stringify(target.requests.map((r) => [r.method, r.path, r.headers["x-auth-token"] ? "with token" : "no token"]))}`,
      );
      assert.ok(outcome.error, `resolved with ${JSON.stringify(outcome.value)}`);
      const { error } = outcome;
      assert.ok(error instanceof KooPhoneError, String(error));
      assert.equal(error.code, "REDIRECT", error.message);
      assert.equal(error.httpStatus, status);
      assert.equal(error.retryable, false);
      assert.match(error.message, new RegExp(String(status)));
      assert.ok(!JSON.stringify(error).includes(TOKEN) && !error.message.includes(TOKEN));
      assert.equal(endpoint.requests.length, 1, "a redirect is not retried");
    });
  }
}

// https -> http: the client runs in a child process that trusts a throwaway self-signed
// certificate (NODE_EXTRA_CA_CERTS), with the library's default fetch.
const TLS_DIR = join(fileURLToPath(new URL("../../build/isolated/", import.meta.url)), `tls-${process.pid}`);
let tls;
before(() => {
  mkdirSync(TLS_DIR, { recursive: true });
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      join(TLS_DIR, "key.pem"),
      "-out",
      join(TLS_DIR, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  tls = { key: readFileSync(join(TLS_DIR, "key.pem")), cert: readFileSync(join(TLS_DIR, "cert.pem")) };
});
after(() => rmSync(TLS_DIR, { recursive: true, force: true }));

test("https endpoint redirecting to plain http: rejected with REDIRECT, the http server sees nothing", async (t) => {
  const plain = await elsewhere();
  const secureOk = await startStub((req, res, record) => reply(res, 200, successFor(record)), { tls });
  const downgrades = {};
  for (const status of [307, 308]) {
    downgrades[status] = await startStub(
      (req, res, record) => reply(res, status, "moved", { location: `${plain.url}${record.path}` }),
      { tls },
    );
  }
  t.after(() => Promise.all([plain, secureOk, ...Object.values(downgrades)].map((s) => s.close())));

  const run = await runIsolated(
    `
    const { batchStatus, prepareProgress } = await import(${JSON.stringify(join(PKG_DIR, "index.mjs"))});
    const token = ${JSON.stringify(TOKEN)};
    const out = {};
    // Control: the certificate is trusted, so the redirect cases below fail for the right reason.
    out.control = await settle(batchStatus(["i1"], { token, endpoint: ${JSON.stringify(secureOk.url)} }), 10000);
    for (const [status, endpoint] of Object.entries(${JSON.stringify(Object.fromEntries(Object.entries(downgrades).map(([s, d]) => [s, d.url])))})) {
      const batch = await settle(batchStatus(["i1"], { token, endpoint, timeoutMs: 2000 }), 10000);
      const prepare = await settle(prepareProgress({ userId: "u1", instanceId: "i1" }, { token, endpoint, timeoutMs: 2000 }), 10000);
      out[status] = { batch, prepare };
    }
    report(out);
    `,
    { env: { NODE_EXTRA_CA_CERTS: join(TLS_DIR, "cert.pem") }, timeoutMs: 30_000 },
  );
  assert.ok(run.result, explain(run));
  assert.equal(
    run.result.control.status,
    "fulfilled",
    `the https control call failed: ${JSON.stringify(run.result.control)}`,
  );
  assert.equal(
    plain.requests.length,
    0,
    `plain http received ${plain.requests.length} request(s): ${JSON.stringify(plain.requests.map((r) => [r.method, r.path, r.headers["x-auth-token"] === TOKEN ? "THE TOKEN" : "no token"]))}`,
  );
  for (const status of [307, 308]) {
    for (const kind of ["batch", "prepare"]) {
      const outcome = run.result[status][kind];
      assert.equal(outcome.status, "rejected", `${status} ${kind}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.error.code, "REDIRECT", `${status} ${kind}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.error.httpStatus, status);
      assert.equal(outcome.error.retryable, false);
      assert.match(outcome.error.message, new RegExp(String(status)));
      assert.ok(!outcome.error.message.includes(TOKEN));
    }
    assert.equal(downgrades[status].requests.length, 2, "one request per call, not retried");
  }
  assert.equal(run.faults.length, 0, faultSummary(run));
});
