// docs/openapi.yaml and the contract helper (tests/support/contract.mjs): the spec is valid
// OpenAPI 3.1, every kind of answer the mock gives conforms to it, and the helper catches drift.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SPEC_PATH, assertContract, contractProblems, validateSpec } from "../support/contract.mjs";
import {
  BATCH,
  IAM,
  IAM_USER,
  INSTANCES,
  PREPARE,
  batch,
  call,
  headersFor,
  iamBody,
  iamToken,
  manualClock,
  prepare,
  serverFor,
} from "./helpers.mjs";

test("docs/openapi.yaml is valid OpenAPI 3.1, and a broken copy is not", async () => {
  assert.deepEqual(await validateSpec(), { valid: true, version: "3.1" });
  const broken = readFileSync(SPEC_PATH, "utf8").replace("openapi: 3.1.0", "openapi: 3.1.0\nwebhooks: 5");
  const file = join(mkdtempSync(join(tmpdir(), "koophone-spec-")), "broken.yaml");
  writeFileSync(file, broken);
  const result = await validateSpec(file);
  assert.equal(result.valid, false);
  assert.ok(Array.isArray(result.errors) && result.errors.length > 0);
});

test("every kind of answer the mock gives to valid requests conforms, requests included", async (t) => {
  const clock = manualClock();
  const server = await serverFor(t, {
    instances: INSTANCES,
    iamUsers: [IAM_USER],
    clock,
    rateLimit: { requestsPerSecond: 1, burst: 1 },
  });
  await batch(server, ["a1", "ghost001", "odd"]); // 200 wrapped
  await prepare(server, "alice", "p1"); // 200 progress
  await batch(server, ["a1"]); // 429 from the rate limit
  clock.now += 10_000;
  await prepare(server, "mallory", "p1"); // 400 KOOPHONE.API.1001
  await prepare(server, "alice", "nope"); // 400 KOOPHONE.API.4001
  clock.now += 10_000;
  await batch(server, ["a1"], { headers: headersFor({ "x-auth-token": "expired-or-unknown" }) }); // 401
  for (const fault of [
    { type: "rate-limit", retryAfter: 3 },
    { type: "api-error" },
    { type: "unknown-status" },
    { type: "extra-fields" },
    { type: "latency", ms: 1 },
  ]) {
    server.setFault({ ...fault, times: 2 });
    await batch(server, ["a1"]);
    await prepare(server, "alice", "a1");
    clock.now += 10_000;
  }
  const issued = await iamToken(server, iamBody(IAM_USER)); // 201
  await batch(server, ["b2"], { headers: headersFor({ "x-auth-token": issued.headers.get("x-subject-token") }) });
  await iamToken(server, iamBody({ ...IAM_USER, password: "wrong" })); // 401 IAM
  const report = await assertContract(server);
  assert.deepEqual(report, { requests: 19, responses: 19, skipped: [] });
  assert.equal(server.requests[2].response.body.error_code, "APIGW.0308", "the rate limit answered");
  const statuses = server.requests.map((r) => r.status);
  for (const status of [200, 201, 400, 401, 429]) assert.ok(statuses.includes(status), `no ${status} checked`);
});

test("the bare batch form and the errors of invalid requests conform too", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES, batchResponseForm: "bare", iamUsers: [IAM_USER] });
  await batch(server, ["a1"]);
  await call(server, BATCH, { instance_ids: [] });
  await call(server, PREPARE, '{"user_id":', {});
  await iamToken(server, { auth: {} });
  await call(server, BATCH, { instance_ids: ["a1"], pad: "x".repeat(70_000) }); // 413
  const report = await contractProblems(server.requests);
  assert.equal(report.responses, 5);
  assert.deepEqual(
    report.problems.map((p) => p.split(":")[0]),
    [
      "#1 POST /v1/instances/batch-query-status",
      "#2 POST /v1/instances/prepare-progress",
      "#3 POST /v3/auth/tokens",
      "#4 POST /v1/instances/batch-query-status",
    ],
    "exactly the four invalid requests are reported, and no response",
  );
});

/** A recorded exchange as the mock logs it, with what a test overrides. */
function record({ path = BATCH, method = "POST", headers = {}, body = { instance_ids: ["a1"] }, response = {} } = {}) {
  return {
    method,
    path,
    query: "",
    headers: { "content-type": "application/json", "x-request-id": "r", "x-auth-token": "***", ...headers },
    body,
    response: {
      status: 200,
      headers: { "content-type": "application/json" },
      body: { error_code: "0", error_msg: "OK", data: { status_results: [{ instance_id: "a1", status: 2 }] } },
      ...response,
    },
  };
}

const DRIFT = [
  [
    "a success without data",
    record({ response: { body: { error_code: "0", error_msg: "OK" } } }),
    /response body invalid/,
  ],
  [
    "a status given as a string",
    record({ response: { body: { status_results: [{ instance_id: "a1", status: "2" }] } } }),
    /response body invalid/,
  ],
  [
    "a 401 without request_id",
    record({ response: { status: 401, body: { error_code: "APIGW.0301", error_msg: "x" } } }),
    /request_id/,
  ],
  [
    "a 429 with a KooPhone code",
    record({
      response: { status: 429, body: { error_code: "KOOPHONE.API.0429", error_msg: "x", request_id: "f".repeat(32) } },
    }),
    /response body invalid/,
  ],
  [
    "an HTML answer",
    record({ response: { status: 502, headers: { "content-type": "text/html" }, body: "<html>" } }),
    /Content-Type "text\/html"/,
  ],
  [
    "a 201 from IAM without X-Subject-Token",
    record({
      path: IAM,
      body: iamBody(IAM_USER),
      headers: { "x-auth-token": undefined },
      response: { status: 201, body: { token: { expires_at: "2020-01-04T09:05:22.701000Z" } } },
    }),
    /lacks header X-Subject-Token/,
  ],
  ["a request without credentials", record({ headers: { "x-auth-token": undefined } }), /lacks credentials/],
  ["a request with an unknown body field", record({ body: { instance_ids: ["a1"], chunk: 1 } }), /request invalid/],
  ["a batch request without x-request-id", record({ headers: { "x-request-id": undefined } }), /request invalid/],
  [
    "101 IDs in one request",
    record({ body: { instance_ids: Array.from({ length: 101 }, (_, i) => `i${i}`) } }),
    /request invalid/,
  ],
  ["an ID with a lone surrogate", record({ body: { instance_ids: ["a\ud800"] } }), /request invalid/],
  [
    "a form-encoded request",
    record({ headers: { "content-type": "application/x-www-form-urlencoded" } }),
    /request Content-Type/,
  ],
  [
    "a signed request without X-Sdk-Date",
    record({
      headers: {
        "x-auth-token": undefined,
        authorization: "SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=***",
      },
    }),
    /lacks credentials/,
  ],
  ["an unknown path", record({ path: "/v1/instances/batch-delete" }), /no operation in the spec/],
];

for (const [name, exchange, expected] of DRIFT) {
  test(`the contract helper reports ${name}`, async () => {
    const { problems } = await contractProblems([exchange]);
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], expected);
  });
}

test("the contract helper accepts a signed request and skips what it should", async () => {
  const signed = record({
    headers: {
      "x-auth-token": undefined,
      authorization: "SDK-HMAC-SHA256 Access=a, SignedHeaders=host;x-sdk-date, Signature=***",
      "x-sdk-date": "20260102T030405Z",
    },
  });
  const preflight = { ...record(), method: "OPTIONS", response: { status: 204, headers: {}, body: "" } };
  const hung = { ...record(), fault: "hang", response: undefined };
  const html = record({ response: { status: 502, headers: { "content-type": "text/html" }, body: "<html>" } });
  html.fault = "html";
  const elsewhere = record({ path: "/v1/instances/batch-delete" });
  const report = await contractProblems([signed, preflight, hung, html, elsewhere], { allowUnknownPaths: true });
  assert.deepEqual(report.problems, []);
  assert.deepEqual([report.requests, report.responses], [3, 1]);
  assert.equal(report.skipped.length, 3);
  await assert.rejects(assertContract({ requests: [elsewhere] }), /off the contract[\s\S]*batch-delete/);
});
