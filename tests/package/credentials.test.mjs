// Credentials against the mock gateway and IAM: AK/SK signing, iamTokenProvider
// (caching, one request at a time, forced refresh after a revoked token,
// invalidate), token functions told { forceRefresh }, no auth behind a
// same-origin path, and secrets that never leave in an error or inspection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { createServer } from "node:net";
import { lib, mockFor, apiRequests } from "./support.mjs";

const { batchStatus, waitPrepared, createClient, iamTokenProvider, KooPhoneError } = lib;

const SK = "SK-s3cret-0123456789abcdef";
const KEY = { accessKey: "AK-PUBLIC-1", secretKey: SK, projectId: "proj-1" };
const PASSWORD = "Pw-s3cret-éΩ-42!";
const USER = { domainName: "acme", userName: "alice", password: PASSWORD, projectName: "cn-south-1" };

async function rejection(promise, ...secrets) {
  const error = await promise.then(
    () => assert.fail("expected a rejection"),
    (e) => e,
  );
  assert.ok(error instanceof KooPhoneError, `not a KooPhoneError: ${error}`);
  const shown = [
    JSON.stringify(error),
    String(error.stack),
    inspect(error, { depth: 5 }),
    String(error.cause?.message),
  ].join("\n");
  for (const secret of secrets) assert.ok(!shown.includes(secret), `secret leaked: ${shown}`);
  return error;
}

const iamRequests = (server) => server.requests.filter((r) => r.path === "/v3/auth/tokens");

test("AK/SK: every request is signed, the mock gateway verifies it, and the secret key never shows", async (t) => {
  const server = await mockFor(t, { count: 3, accessKeys: [KEY] });
  const r = await batchStatus(["id000", "id001", "id002"], { credentials: KEY, endpoint: server.url, chunkSize: 2 });
  assert.deepEqual(
    r.statuses.map((s) => s.instanceId),
    ["id000", "id001", "id002"],
  );
  const sent = apiRequests(server);
  assert.equal(sent.length, 2);
  for (const req of sent) {
    assert.equal(req.status, 200);
    assert.match(
      req.headers.authorization,
      /^SDK-HMAC-SHA256 Access=AK-PUBLIC-1, SignedHeaders=[a-z;-]*host[a-z;-]*x-sdk-date, Signature=\*\*\*$/,
    );
    assert.match(req.headers["x-sdk-date"], /^\d{8}T\d{6}Z$/);
    assert.equal(req.headers["x-project-id"], "proj-1");
    assert.equal(req.headers["x-auth-token"], undefined);
  }
  const p = await waitPrepared({ userId: "u1", instanceId: "id000" }, { credentials: KEY, endpoint: server.url });
  assert.equal(p.state, "normal");
  const client = createClient({ credentials: KEY, endpoint: server.url });
  assert.ok(!inspect(client, { depth: 10, showHidden: true }).includes(SK));

  const wrong = { ...KEY, secretKey: "SK-wrong-0123456789abcdef" };
  const e = await rejection(batchStatus(["id000"], { credentials: wrong, endpoint: server.url }), "SK-wrong", SK);
  assert.equal(e.code, "HTTP");
  assert.equal(e.httpStatus, 401);
  assert.equal(e.errorCode, "APIGW.0301");
  assert.equal(apiRequests(server).length, 3, "a refused signature is not retried");
});

test("credentials are checked without being quoted, and not together with a token", async (t) => {
  const server = await mockFor(t, { count: 1, accessKeys: [KEY] });
  for (const [credentials, expected] of [
    [{ accessKey: "AK" }, /credentials need both accessKey and secretKey/],
    [{ accessKey: "AK", secretKey: "SK s3cret with space" }, /credentials\.secretKey contains spaces/],
    [
      { accessKey: "AK", secretKey: SK, secretkey: SK },
      /unknown member credentials\.secretkey; did you mean `secretKey`/,
    ],
    ["AK:SK", /credentials must be an object/],
  ]) {
    const e = await rejection(batchStatus(["id000"], { credentials, endpoint: server.url }), "s3cret");
    assert.equal(e.code, "INVALID_ARGUMENT");
    assert.match(e.message, expected);
  }
  const both = await rejection(batchStatus(["id000"], { credentials: KEY, token: "t", endpoint: server.url }), SK);
  assert.match(both.message, /either `token` or `credentials`, not both/);
  const none = await rejection(batchStatus(["id000"], { endpoint: server.url }));
  assert.match(none.message, /`token` is required/);
  assert.equal(apiRequests(server).length, 0);
});

test("iamTokenProvider: one IAM request for many concurrent calls, then the cached token", async (t) => {
  const server = await mockFor(t, { count: 2, iamUsers: [USER] });
  const token = iamTokenProvider({ ...USER, iamEndpoint: server.url });
  assert.equal(typeof token.invalidate, "function");
  const client = createClient({ token, endpoint: server.url });
  const results = await Promise.all(Array.from({ length: 5 }, () => client.batchStatus(["id000", "id001"])));
  assert.equal(results.length, 5);
  assert.equal(iamRequests(server).length, 1);
  const [iam] = iamRequests(server);
  assert.equal(iam.query, "nocatalog=true");
  assert.equal(iam.status, 201);
  assert.equal(iam.body.auth.identity.password.user.password, "***");
  assert.deepEqual(iam.body.auth.scope, { project: { name: "cn-south-1" } });
  await client.batchStatus(["id000"]);
  assert.equal(iamRequests(server).length, 1, "the cached token is used");
  token.invalidate();
  await client.batchStatus(["id000"]);
  assert.equal(iamRequests(server).length, 2, "invalidate() makes the next call fetch");
  const direct = await Promise.all([
    token(),
    token({ forceRefresh: false }),
    token({ forceRefresh: true }),
    token({ forceRefresh: true }),
  ]);
  assert.equal(new Set(direct.slice(2)).size, 1);
  assert.equal(iamRequests(server).length, 3, "concurrent forced refreshes share one request");
  assert.ok(!inspect(token, { showHidden: true, depth: 10 }).includes(PASSWORD));
});

test("a revoked token is refreshed once and the call succeeds; concurrent calls share the refresh", async (t) => {
  const server = await mockFor(t, { count: 8, iamUsers: [USER] });
  const token = iamTokenProvider({ ...USER, iamEndpoint: server.url });
  const client = createClient({ token, endpoint: server.url, chunkSize: 1, concurrency: 4 });
  await client.batchStatus(["id000"]);
  assert.equal(iamRequests(server).length, 1);
  assert.equal(server.revokeTokens(), 1);
  server.resetRequests();
  // The refresh takes 500 ms: every refusal of both calls arrives while it is in flight.
  server.setFault({ endpoint: "iam-tokens", type: "latency", ms: 500 });
  const ids = Array.from({ length: 8 }, (_, i) => `id00${i}`);
  const [a, b] = await Promise.all([client.batchStatus(ids), client.batchStatus(ids.slice(0, 4))]);
  assert.equal(a.statuses.length, 8);
  assert.equal(b.statuses.length, 4);
  assert.equal(iamRequests(server).length, 1, "one refresh for every refused request of both calls");
  // Each call's first four chunks were refused once and re-sent; the rest went out with the fresh token.
  assert.equal(apiRequests(server).filter((r) => r.status === 401).length, 8);
  assert.equal(apiRequests(server).filter((r) => r.status === 200).length, 12);
});

test("token functions are told { forceRefresh }; a second refusal fails; a string token is never retried", async (t) => {
  const server = await mockFor(t, { count: 1 });
  const seen = [];
  const stale = (req) => {
    seen.push(req.forceRefresh);
    return "stale-token-0000";
  };
  const e = await rejection(batchStatus(["id000"], { token: stale, endpoint: server.url }), "stale-token-0000");
  assert.deepEqual(seen, [false, true]);
  assert.equal(e.httpStatus, 401);
  assert.equal(apiRequests(server).length, 2);

  const fresh = [];
  const refreshing = ({ forceRefresh }) => {
    fresh.push(forceRefresh);
    return forceRefresh ? "test-token-9f8e7d" : "stale-token-0000";
  };
  const ok = await batchStatus(["id000"], { token: refreshing, endpoint: server.url });
  assert.equal(ok.statuses.length, 1);
  assert.deepEqual(fresh, [false, true]);

  server.resetRequests();
  await rejection(batchStatus(["id000"], { token: "stale-token-0000", endpoint: server.url }), "stale-token-0000");
  assert.equal(apiRequests(server).length, 1);
});

test("iamTokenProvider failures reject with AUTH and never show the password, even when IAM quotes it", async (t) => {
  const server = await mockFor(t, { count: 1, iamUsers: [USER], iamEchoesPassword: true });
  const wrong = iamTokenProvider({ ...USER, password: `${PASSWORD}-wrong`, iamEndpoint: server.url });
  const direct = await rejection(wrong(), PASSWORD, "Pw-s3cret");
  assert.equal(direct.code, "AUTH");
  assert.equal(direct.httpStatus, 401);
  const viaCall = await rejection(
    batchStatus(["id000"], { token: wrong, endpoint: server.url }),
    PASSWORD,
    "Pw-s3cret",
  );
  assert.equal(viaCall.code, "AUTH");
  assert.equal(apiRequests(server).length, 0);
  assert.ok(server.requests.some((r) => r.path === "/v3/auth/tokens" && r.status === 401));

  const closed = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const unreachable = iamTokenProvider({ ...USER, iamEndpoint: `http://127.0.0.1:${closed}` });
  const down = await rejection(unreachable(), PASSWORD);
  assert.equal(down.code, "AUTH");
  assert.match(down.message, /the IAM token request failed: could not reach IAM/);

  const bad = iamTokenProvider({
    domainName: "acme",
    userName: "alice",
    password: PASSWORD,
    projectName: "p",
    iamEndpoint: "http://iam.example.com",
  });
  assert.equal((await rejection(bad(), PASSWORD)).code, "INVALID_ARGUMENT");
  assert.throws(
    () => iamTokenProvider(null),
    (e) => e instanceof KooPhoneError && e.code === "INVALID_ARGUMENT",
  );
  const typo = iamTokenProvider({ ...USER, pasword: "x" });
  assert.match((await rejection(typo(), PASSWORD)).message, /unknown IAM option `pasword`; did you mean `password`/);
});

test("with no fetch to call, iamTokenProvider rejects each ask, and sends the request once fetch is back", async (t) => {
  const server = await mockFor(t, { count: 1, iamUsers: [USER] });
  const token = iamTokenProvider({ ...USER, iamEndpoint: server.url });
  const fetch = globalThis.fetch;
  globalThis.fetch = undefined;
  try {
    for (let ask = 0; ask < 2; ask++) {
      const e = await rejection(token(), PASSWORD);
      assert.equal(e.code, "AUTH");
      assert.match(e.message, /this runtime has no global fetch/);
    }
  } finally {
    globalThis.fetch = fetch;
  }
  assert.equal(iamRequests(server).length, 0);
  assert.equal(typeof (await token()), "string");
  assert.equal(iamRequests(server).length, 1);
  assert.equal(iamRequests(server)[0].status, 201);
});

test("a same-origin path endpoint needs no token: no auth header is sent", async () => {
  const sent = [];
  const fetch = async (url, init) => {
    sent.push({ url, headers: init.headers });
    const body = JSON.stringify({ error_code: "0", data: { status_results: [{ instance_id: "a1", status: 2 }] } });
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  };
  const saved = Object.getOwnPropertyDescriptor(globalThis, "location");
  Object.defineProperty(globalThis, "location", {
    value: { origin: "https://console.example.com" },
    configurable: true,
  });
  try {
    const r = await batchStatus(["a1"], { endpoint: "/api/koophone", fetch });
    assert.equal(r.statuses.length, 1);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].url, "https://console.example.com/api/koophone/v1/instances/batch-query-status");
    assert.deepEqual(Object.keys(sent[0].headers).sort(), ["accept", "content-type", "x-request-id"]);
    const abs = await rejection(batchStatus(["a1"], { endpoint: "https://console.example.com/api/koophone", fetch }));
    assert.equal(abs.code, "INVALID_ARGUMENT");
    assert.equal(sent.length, 1);
  } finally {
    if (saved) Object.defineProperty(globalThis, "location", saved);
    else delete globalThis.location;
  }
});

test("a refused AK/SK signature points at the keys and the clock, not at a token", async (t) => {
  const server = await mockFor(t, { count: 1, accessKeys: [KEY] });
  const credentials = { ...KEY, secretKey: "SK-wrong-0123456789" };
  const error = await batchStatus(["id000"], { endpoint: server.url, credentials }).catch((e) => e);
  assert.ok(error instanceof KooPhoneError);
  assert.equal(error.code, "HTTP");
  assert.equal(error.httpStatus, 401);
  assert.doesNotMatch(error.message, /check the token/);
  assert.match(error.message, /check the access key, the secret key and the project ID, and this machine's clock/);
  assert.doesNotMatch(JSON.stringify(error), /SK-wrong/);
});
