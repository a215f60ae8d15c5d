import { test } from "node:test";
import assert from "node:assert/strict";
import { IAM, IAM_USER, INSTANCES, batch, headersFor, iamBody, iamToken, manualClock, serverFor } from "./helpers.mjs";

const DAY_MS = 24 * 60 * 60 * 1000;

test("IAM issues a token: 201, X-Subject-Token, expires_at 24 h later in IAM time format", async (t) => {
  const clock = manualClock(Date.UTC(2020, 0, 3, 9, 5, 22, 701));
  const server = await serverFor(t, { iamUsers: [IAM_USER], clock });
  const res = await iamToken(server, iamBody(IAM_USER));
  assert.equal(res.status, 201);
  const token = res.headers.get("x-subject-token");
  assert.match(token, /^MII[A-Za-z0-9_-]{2000,}$/);
  assert.match(res.headers.get("access-control-expose-headers"), /x-subject-token/);
  assert.equal(res.json.token.expires_at, "2020-01-04T09:05:22.701000Z");
  assert.equal(res.json.token.issued_at, "2020-01-03T09:05:22.701000Z");
  assert.deepEqual(res.json.token.methods, ["password"]);
  assert.equal(res.json.token.project.name, "cn-south-1");
  assert.match(res.json.token.project.id, /^[0-9a-f]{32}$/);
  assert.equal(res.json.token.user.name, "ops");
  assert.equal(res.json.token.user.domain.name, "acme");
  assert.equal("catalog" in res.json.token, false, "nocatalog=true leaves the catalog out");
  assert.ok(!res.text.includes(token), "the token is only in the header");
});

test("without nocatalog the token body has a catalog; a second request gets another token", async (t) => {
  const server = await serverFor(t, { iamUsers: [IAM_USER] });
  const first = await iamToken(server, iamBody(IAM_USER), "");
  const second = await iamToken(server, iamBody(IAM_USER), "?nocatalog=false");
  assert.deepEqual([first.status, second.status], [201, 201]);
  assert.deepEqual(first.json.token.catalog, []);
  assert.deepEqual(second.json.token.catalog, []);
  assert.notEqual(first.headers.get("x-subject-token"), second.headers.get("x-subject-token"));
});

test("a project scope by id must match the user's projectId; by name, its projectName", async (t) => {
  const user = { ...IAM_USER, projectId: "0123456789abcdef0123456789abcdef" };
  const server = await serverFor(t, { iamUsers: [user] });
  const byId = await iamToken(server, iamBody(user, { id: user.projectId }));
  assert.equal(byId.status, 201);
  assert.equal(byId.json.token.project.id, user.projectId);
  assert.equal(byId.json.token.project.name, "cn-south-1");
  for (const project of [{ id: "ffffffffffffffffffffffffffffffff" }, { name: "eu-west-0" }]) {
    const res = await iamToken(server, iamBody(user, project));
    assert.equal(res.status, 401, JSON.stringify(project));
    assert.equal(res.headers.get("x-subject-token"), null);
  }
});

test("an issued token works at the KooPhone endpoints until it expires, then 401 APIGW.0301", async (t) => {
  const clock = manualClock();
  const server = await serverFor(t, { iamUsers: [IAM_USER], tokenLifetimeMs: 60_000, clock, instances: INSTANCES });
  const issued = await iamToken(server, iamBody(IAM_USER));
  const headers = headersFor({ "x-auth-token": issued.headers.get("x-subject-token") });
  assert.equal(issued.json.token.expires_at, new Date(clock.now + 60_000).toISOString().replace("Z", "000Z"));
  clock.now += 59_999;
  assert.equal((await batch(server, ["a1"], { headers })).status, 200);
  clock.now += 1;
  const expired = await batch(server, ["a1"], { headers });
  assert.equal(expired.status, 401);
  assert.equal(expired.json.error_code, "APIGW.0301");
  assert.match(expired.json.error_msg, /^Incorrect IAM authentication information: token expires, expires_at: /);
});

test("tokens last 24 hours by default; revokeTokens ends issued tokens but not the configured ones", async (t) => {
  const clock = manualClock();
  const server = await serverFor(t, { iamUsers: [IAM_USER], clock, instances: INSTANCES });
  const issued = await iamToken(server, iamBody(IAM_USER));
  assert.equal(Date.parse(issued.json.token.expires_at) - clock.now, DAY_MS);
  const headers = headersFor({ "x-auth-token": issued.headers.get("x-subject-token") });
  assert.equal((await batch(server, ["a1"], { headers })).status, 200);
  assert.equal(server.revokeTokens(), 1);
  const revoked = await batch(server, ["a1"], { headers });
  assert.deepEqual([revoked.status, revoked.json.error_code], [401, "APIGW.0301"]);
  assert.equal((await batch(server, ["a1"])).status, 200, "the configured mock-token still works");
  assert.equal(server.revokeTokens(), 0);
});

test("a wrong password, user or domain is 401 in IAM's shape and never echoes the password", async (t) => {
  const server = await serverFor(t, { iamUsers: [IAM_USER] });
  const wrong = [
    { ...IAM_USER, password: "guess-123456" },
    { ...IAM_USER, userName: "nobody" },
    { ...IAM_USER, domainName: "other" },
  ];
  for (const user of wrong) {
    const res = await iamToken(server, iamBody(user));
    assert.equal(res.status, 401);
    assert.deepEqual(res.json, {
      error: { code: 401, title: "Unauthorized", message: "The username or password is wrong." },
    });
    assert.equal(res.headers.get("x-subject-token"), null);
    assert.ok(!res.text.includes(user.password));
  }
});

test("iamEchoesPassword quotes the password in the 401, and the request log still hides it", async (t) => {
  const server = await serverFor(t, { iamUsers: [IAM_USER], iamEchoesPassword: true });
  const password = 'Echo"Me\\Secret-42';
  const res = await iamToken(server, iamBody({ ...IAM_USER, password }));
  assert.equal(res.status, 401);
  assert.ok(res.json.error.message.includes(password), "the password was not echoed");
  const [record] = server.requests;
  assert.equal(record.body.auth.identity.password.user.password, "***");
  assert.match(record.response.body.error.message, /Password given: "\*\*\*"/);
  assert.ok(!JSON.stringify(server.requests).includes("Secret-42"), "password in the log");
});

const BAD_IAM_REQUESTS = [
  ["a text/plain body", iamBody(IAM_USER), { "content-type": "text/plain" }, /Content-Type/],
  ["malformed JSON", '{"auth":', undefined, /not valid JSON/],
  ["no password method", { auth: { identity: { methods: ["token"] } } }, undefined, /methods/],
  ["no domain", iamBody({ userName: "ops", password: "x" }), undefined, /domain\.name/],
  ["no scope", { auth: { identity: iamBody(IAM_USER).auth.identity } }, undefined, /scope\.project/],
];

for (const [name, body, headers, message] of BAD_IAM_REQUESTS) {
  test(`IAM answers ${name} with 400 in its shape`, async (t) => {
    const server = await serverFor(t, { iamUsers: [IAM_USER] });
    const res = await iamToken(server, body, "?nocatalog=true", headers);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 400);
    assert.equal(res.json.error.title, "Bad Request");
    assert.match(res.json.error.message, message);
  });
}

test("the IAM endpoint takes POST only", async (t) => {
  const server = await serverFor(t);
  const res = await fetch(server.url + IAM);
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "POST, OPTIONS");
});

test("faults reach the IAM endpoint only when they name it", async (t) => {
  const server = await serverFor(t, { iamUsers: [IAM_USER] });
  server.setFault({ type: "http", status: 503 });
  assert.equal((await iamToken(server, iamBody(IAM_USER))).status, 201, "'*' faults leave IAM alone");
  server.clearFaults();
  server.setFault({ endpoint: "iam-tokens", type: "http", status: 503, times: 1 });
  assert.equal((await batch(server, ["a1"])).status, 200);
  assert.equal((await iamToken(server, iamBody(IAM_USER))).status, 503);
  server.setFault({ endpoint: "iam-tokens", type: "truncated", times: 1 });
  const cut = await iamToken(server, iamBody(IAM_USER));
  assert.equal(cut.status, 201);
  assert.equal(cut.json, undefined, "the body was cut");
  assert.throws(() => server.setFault({ endpoint: "iam-tokens", type: "wrong-types" }), /does not apply to iam-tokens/);
  assert.deepEqual(
    server.requests.map((r) => r.fault),
    [undefined, undefined, "http", "truncated"],
  );
});

test("iamUsers, tokenLifetimeMs and iamEchoesPassword are checked", async (t) => {
  const { startMockServer } = await import("../../mock/index.mjs");
  const bad = [
    { iamUsers: {} },
    { iamUsers: [{ domainName: "a", userName: "b" }] },
    { iamUsers: [{ ...IAM_USER, password: "" }] },
    { iamUsers: [{ ...IAM_USER, role: "admin" }] },
    { tokenLifetimeMs: 0 },
    { iamEchoesPassword: "yes" },
  ];
  for (const options of bad) await assert.rejects(startMockServer(options), TypeError, JSON.stringify(options));
  t.diagnostic(`${bad.length} bad option sets rejected`);
});
