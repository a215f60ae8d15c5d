import { test } from "node:test";
import assert from "node:assert/strict";
import { BATCH, INSTANCES, PREPARE, TOKEN, batch, call, headersFor, serverFor } from "./helpers.mjs";

test("every response carries the CORS headers", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  for (const res of [await batch(server, ["a1"]), await call(server, "/nowhere", {})]) {
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-expose-headers"), "x-request-id, retry-after, x-subject-token");
  }
});

test("OPTIONS on any path is a 204 preflight, recorded, with no fault applied", async (t) => {
  const server = await serverFor(t);
  server.setFault({ type: "hang" });
  for (const path of [BATCH, "/anything/else"]) {
    const res = await fetch(server.url + path, {
      method: "OPTIONS",
      headers: { origin: "http://example.test", "access-control-request-method": "POST" },
    });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), "");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-allow-methods"), "POST, OPTIONS");
    assert.equal(
      res.headers.get("access-control-allow-headers"),
      "content-type, x-request-id, x-auth-token, authorization, x-sdk-date, x-project-id, x-security-token",
    );
    assert.match(res.headers.get("access-control-max-age"), /^\d+$/);
  }
  assert.deepEqual(
    server.requests.map((r) => [r.method, r.path, r.status, r.fault]),
    [
      ["OPTIONS", BATCH, 204, undefined],
      ["OPTIONS", "/anything/else", 204, undefined],
    ],
  );
});

test("an unknown path is a JSON 404, even with a fault set", async (t) => {
  const server = await serverFor(t);
  server.setFault({ type: "hang" });
  const res = await call(server, "/v1/instances/batch-delete", { instance_ids: ["a1"] });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(res.json.error_code, "KOOPHONE.API.0404");
  assert.match(res.json.error_msg, /batch-delete/);
});

test("a method other than POST is a JSON 405 with Allow", async (t) => {
  const server = await serverFor(t);
  for (const method of ["GET", "PUT", "DELETE"]) {
    const res = await call(server, PREPARE, method === "GET" ? undefined : "{}", { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get("allow"), "POST, OPTIONS");
    assert.equal(res.json.error_code, "KOOPHONE.API.0405");
  }
});

test("a body over maxBodyBytes is a JSON 413, and one at the limit is accepted", async (t) => {
  const server = await serverFor(t, { maxBodyBytes: 100, instances: INSTANCES });
  const big = await call(server, BATCH, { instance_ids: ["a1"], padding: "x".repeat(200) });
  assert.equal(big.status, 413);
  assert.equal(big.json.error_code, "KOOPHONE.API.0413");
  assert.equal(server.requests[0].body, null);
  const exact = JSON.stringify({ instance_ids: ["a1"], pad: "" });
  const fits = exact.replace('"pad":""', `"pad":"${"x".repeat(100 - exact.length)}"`);
  assert.equal(fits.length, 100);
  assert.equal((await call(server, BATCH, fits)).status, 200);
});

test("the default body limit is 64 KiB", async (t) => {
  const server = await serverFor(t);
  const res = await call(server, BATCH, JSON.stringify({ instance_ids: ["a1"], pad: "x".repeat(64 * 1024) }));
  assert.equal(res.status, 413);
});

test("requests are recorded with lower-case headers, a redacted token and the parsed body", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const before = Date.now();
  await batch(server, ["a1"], {
    headers: { "Content-Type": "application/json", "X-Request-Id": "rec-1", "X-Auth-Token": TOKEN },
  });
  await call(server, `${PREPARE}?debug=1`, "plain text", {
    headers: headersFor({ authorization: "Bearer abc", "content-type": "text/plain" }),
  });
  const [first, second] = server.requests;
  assert.equal(first.method, "POST");
  assert.equal(first.path, BATCH);
  assert.equal(first.headers["x-request-id"], "rec-1");
  assert.equal(first.headers["x-auth-token"], "***");
  assert.deepEqual(first.body, { instance_ids: ["a1"] });
  assert.equal(first.status, 200);
  assert.ok(first.receivedAt >= before && first.receivedAt <= Date.now());
  assert.equal(second.path, PREPARE);
  assert.equal(second.body, "plain text");
  assert.equal(second.status, 400);
  assert.equal(second.headers.authorization, "***");
  assert.ok(!JSON.stringify(server.requests).includes(TOKEN), "token leaked into the records");
});

test("rejected requests are recorded too, and resetRequests empties the same array", async (t) => {
  const server = await serverFor(t);
  const { requests } = server;
  await batch(server, ["a1"], { headers: headersFor({ "x-auth-token": "wrong" }) });
  await call(server, "/x", {});
  assert.deepEqual(
    requests.map((r) => r.status),
    [401, 404],
  );
  server.resetRequests();
  assert.equal(server.requests, requests);
  assert.equal(requests.length, 0);
});

test("the latencyMs option delays every response", async (t) => {
  const server = await serverFor(t, { latencyMs: 60, instances: INSTANCES });
  for (const send of [() => batch(server, ["a1"]), () => call(server, "/x", {})]) {
    const started = Date.now();
    await send();
    assert.ok(Date.now() - started >= 55, "answered too early");
  }
});

test("records keep the query string and the response (status, headers, parsed body)", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  await batch(server, ["a1"]);
  await call(server, `${BATCH}?debug=1&x=a%20b`, { instance_ids: [] });
  const [ok, bad] = server.requests;
  assert.equal(ok.query, "");
  assert.deepEqual(ok.response, {
    status: 200,
    headers: {
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "x-request-id, retry-after, x-subject-token",
      "content-type": "application/json",
      "content-length": String(JSON.stringify(ok.response.body).length),
      "x-request-id": "req-1",
    },
    body: { error_code: "0", error_msg: "OK", data: { status_results: [{ instance_id: "a1", status: 2 }] } },
  });
  assert.equal(bad.path, BATCH);
  assert.equal(bad.query, "debug=1&x=a%20b");
  assert.equal(bad.response.status, 400);
  assert.equal(bad.response.body.error_code, "KOOPHONE.API.1000");
});

test("no secret reaches the request log: tokens, passwords, signatures, security tokens", async (t) => {
  const password = "Pa55-word-in-clear";
  const server = await serverFor(t, {
    instances: INSTANCES,
    iamUsers: [{ domainName: "d", userName: "u", password, projectName: "p" }],
    iamEchoesPassword: true,
  });
  const iam = { "content-type": "application/json" };
  const body = (pw) => ({
    auth: {
      identity: { methods: ["password"], password: { user: { name: "u", password: pw, domain: { name: "d" } } } },
      scope: { project: { name: "p" } },
    },
  });
  const issued = await call(server, "/v3/auth/tokens?nocatalog=true", body(password), { headers: iam });
  const token = issued.headers.get("x-subject-token");
  await call(server, "/v3/auth/tokens", body("wrong-password-echoed"), { headers: iam });
  await call(server, "/v3/auth/tokens", `{"auth": "${password}"`, { headers: iam });
  await batch(server, ["a1"], { headers: headersFor({ "x-auth-token": token }) });
  const signature = "ab".repeat(32);
  await batch(server, ["a1"], {
    headers: headersFor({
      "x-auth-token": undefined,
      authorization: `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${signature}`,
      "x-sdk-date": "20260102T030405Z",
      "x-security-token": "sts-secret-token",
    }),
  });
  assert.equal(server.requests.length, 5);
  assert.equal(server.requests[0].response.headers["x-subject-token"], "***");
  assert.equal(server.requests[0].body.auth.identity.password.user.password, "***");
  assert.equal(server.requests[2].body, "***", "a non-JSON IAM body is hidden whole");
  assert.equal(server.requests[3].headers["x-auth-token"], "***");
  assert.equal(
    server.requests[4].headers.authorization,
    "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=***",
  );
  assert.equal(server.requests[4].headers["x-security-token"], "***");
  const log = JSON.stringify(server.requests);
  for (const secret of [password, "wrong-password-echoed", token, signature, "sts-secret-token"]) {
    assert.ok(!log.includes(secret), `secret in the log: ${secret.slice(0, 12)}`);
  }
});

test("a response that quotes the request's token (a fault, a bad server) is recorded without it", async (t) => {
  const quoted = 'tok/en"with\\escapes-12345';
  const plain = "plain-token-12345";
  const server = await serverFor(t, { tokens: [quoted, plain, "t1"], instances: INSTANCES });
  server.setFault({ type: "api-error", errorMsg: `token ${quoted} refused`, times: 1 });
  await batch(server, ["a1"], { headers: headersFor({ "x-auth-token": quoted }) });
  server.setFault({ type: "http", status: 400, body: `{"error_code":"X","error_msg":"${plain}!"}`, times: 1 });
  await batch(server, ["a1"], { headers: headersFor({ "x-auth-token": plain }) });
  assert.equal(server.requests[0].response.body.error_msg, "token *** refused", "JSON-escaped form");
  assert.equal(server.requests[1].response.body.error_msg, "***!", "raw form");
  const log = JSON.stringify(server.requests);
  assert.ok(!log.includes(plain) && !log.includes("escapes-12345"), "a token in the log");
  // Short test tokens are not hunted in bodies: a token "t1" must not garble a record.
  server.setFault({ type: "api-error", errorMsg: "t1 t1", times: 1 });
  await batch(server, ["a1"], { headers: headersFor({ "x-auth-token": "t1" }) });
  assert.equal(server.requests[2].response.body.error_msg, "t1 t1");
  assert.equal(server.requests[2].headers["x-auth-token"], "***");
});
