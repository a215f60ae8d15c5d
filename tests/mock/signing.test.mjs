// AK/SK verification, checked against Huawei's own signer (@huaweicloud/huaweicloud-sdk-core's
// AKSKSigner, a dev dependency): whatever it signs, the mock accepts, and nothing else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { BATCH, INSTANCES, PREPARE, call, manualClock, serverFor } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const { AKSKSigner } = require("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner");
const { verifySignature, parseSdkDate } = require("../../mock/lib/signing.cjs");

const KEY = { accessKey: "HPUAEXAMPLEKEY0001", secretKey: "sk-Example/Secret+Key=0123456789abcdef" };
const SDK_DATE = "20260102T030405Z";

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Signs a request with Huawei's signer.
 * @returns {Record<string, string>} every header to send, Authorization and X-Sdk-Date included
 */
function huaweiSign({ url, headers, body, query = {}, key = KEY }) {
  const credential = { getAk: () => key.accessKey, getSk: () => key.secretKey };
  return AKSKSigner.sign({ method: "POST", endpoint: url, headers, data: body, queryParams: query }, credential);
}

/** Headers of a signed batch or prepare call to the mock, ready for fetch (Host is set by fetch). */
function signedHeaders(server, path, body, { extra = {}, key = KEY, date = SDK_DATE } = {}) {
  const headers = { "Content-Type": "application/json", "x-request-id": "sig-1", "X-Sdk-Date": date, ...extra };
  const { host, ...signed } = huaweiSign({ url: server.url + path, headers, body, key });
  assert.equal(host, new URL(server.url).host);
  return signed;
}

const HOSTS = ["127.0.0.1:8080", "localhost:3000", "koophone.myhuaweicloud.com", "api.example.test:8443", "[::1]:9000"];
const PREFIXES = ["", "/api", "/api/koophone", "/a-b_c.d~e/v2"];
const TEXT = ["a", "Z9", " ", "+", "&", "=", "%", "/", "é", "中", "😀", "-_.~", "!*'()"];

function pick(rand, list) {
  return list[Math.floor(rand() * list.length)];
}

function text(rand, max) {
  let s = "";
  for (let n = 1 + Math.floor(rand() * max); n > 0; n -= 1) s += pick(rand, TEXT);
  return s;
}

/** One generated request: Huawei's signature of it, and the request as the mock would receive it. */
function generatedCase(rand) {
  const host = pick(rand, HOSTS);
  const path = pick(rand, PREFIXES) + pick(rand, [BATCH, PREPARE]);
  const query = {};
  for (let n = Math.floor(rand() * 3); n > 0; n -= 1) query[text(rand, 4)] = text(rand, 6);
  const body = path.endsWith(BATCH)
    ? { instance_ids: Array.from({ length: 1 + Math.floor(rand() * 4) }, () => text(rand, 8)) }
    : { user_id: text(rand, 8), instance_id: text(rand, 8) };
  const key = { accessKey: `AK${Math.floor(rand() * 1e9)}`, secretKey: text(rand, 30) };
  const when = Date.UTC(2000, 0, 1) + Math.floor(rand() * 100 * 365 * 86_400) * 1000;
  const date = new Date(when).toISOString().replace(/[-:]|\.\d{3}/g, "");
  const headers = { "Content-Type": "application/json", "X-Sdk-Date": date, "x-request-id": `r-${text(rand, 5)}-e` };
  if (rand() < 0.3) headers["X-Project-Id"] = "p".repeat(32);
  const signed = huaweiSign({ url: `https://${host}${path}`, headers, body, query, key });
  const received = {
    method: "POST",
    rawPath: new URL(`https://${host}${path}`).pathname,
    rawQuery: new URLSearchParams(query).toString(),
    headers: Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), v])),
    bytes: Buffer.from(JSON.stringify(body)),
  };
  return { key, when, received };
}

test("the verifier accepts exactly what Huawei's signer signs, on 1000 generated requests", () => {
  const rand = random(20260102);
  let accepted = 0;
  for (let i = 0; i < 1000; i += 1) {
    const { key, when, received } = generatedCase(rand);
    const keys = new Map([[key.accessKey, key]]);
    const verdict = verifySignature(received, keys, when);
    assert.deepEqual(verdict, { ok: true, accessKey: key.accessKey }, `case ${i}: ${JSON.stringify(received.headers)}`);
    accepted += 1;
    const tampered = { ...received, bytes: Buffer.concat([received.bytes, Buffer.from(" ")]) };
    assert.deepEqual(
      verifySignature(tampered, keys, when),
      { ok: false, detail: "verify aksk signature fail" },
      `case ${i} body`,
    );
    const otherKey = new Map([[key.accessKey, { ...key, secretKey: `${key.secretKey}x` }]]);
    assert.equal(verifySignature(received, otherKey, when).ok, false, `case ${i} key`);
  }
  assert.equal(accepted, 1000);
});

test("parseSdkDate reads YYYYMMDDTHHMMSSZ and refuses anything else", () => {
  assert.equal(parseSdkDate("20260102T030405Z"), Date.UTC(2026, 0, 2, 3, 4, 5));
  for (const bad of [
    "20261302T030405Z",
    "20260230T000000Z",
    "20260102T240000Z",
    "2026-01-02T03:04:05Z",
    "20260102T030405",
    undefined,
  ]) {
    assert.ok(Number.isNaN(parseSdkDate(bad)), String(bad));
  }
});

test("a request signed by Huawei's signer passes the mock's gateway, for both endpoints", async (t) => {
  const clock = manualClock(parseSdkDate(SDK_DATE));
  const server = await serverFor(t, { accessKeys: [KEY], clock, instances: INSTANCES });
  const body = { instance_ids: ["a1"] };
  const res = await call(server, BATCH, body, { headers: signedHeaders(server, BATCH, body) });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.data.status_results, [{ instance_id: "a1", status: 2 }]);
  const poll = { user_id: "alice", instance_id: "a1" };
  assert.equal((await call(server, PREPARE, poll, { headers: signedHeaders(server, PREPARE, poll) })).status, 200);
  assert.equal(server.requests.length, 2);
  for (const record of server.requests) {
    assert.match(
      record.headers.authorization,
      /^SDK-HMAC-SHA256 Access=HPUAEXAMPLEKEY0001, SignedHeaders=content-type;host;x-request-id;x-sdk-date, Signature=\*\*\*$/,
    );
  }
});

test("X-Sdk-Date may be up to 15 minutes away from the server clock", async (t) => {
  const clock = manualClock(parseSdkDate(SDK_DATE));
  const server = await serverFor(t, { accessKeys: [KEY], clock, instances: INSTANCES });
  const body = { instance_ids: ["a1"] };
  const headers = signedHeaders(server, BATCH, body);
  const results = [];
  for (const offsetMs of [-900_000, 900_000, -901_000, 901_000]) {
    clock.now = clock.start + offsetMs;
    const res = await call(server, BATCH, body, { headers });
    results.push([res.status, res.json.error_msg]);
  }
  const late = "Incorrect IAM authentication information: X-Sdk-Date is more than 15 minutes away from the server time";
  assert.deepEqual(results, [
    [200, "OK"],
    [200, "OK"],
    [401, late],
    [401, late],
  ]);
});

test("bad signatures are 401 APIGW.0301 and say why without the secret", async (t) => {
  const clock = manualClock(parseSdkDate(SDK_DATE));
  const server = await serverFor(t, { accessKeys: [KEY], clock, instances: INSTANCES });
  const body = { instance_ids: ["a1"] };
  const good = signedHeaders(server, BATCH, body);
  const cases = [
    ["a changed body", good, { instance_ids: ["a1", "b2"] }, "verify aksk signature fail"],
    [
      "a wrong secret key",
      signedHeaders(server, BATCH, body, { key: { ...KEY, secretKey: "nope" } }),
      body,
      "verify aksk signature fail",
    ],
    [
      "an unknown access key",
      signedHeaders(server, BATCH, body, { key: { accessKey: "AKUNKNOWN", secretKey: "x" } }),
      body,
      "ak AKUNKNOWN not exist",
    ],
    ["a changed signed header", { ...good, "x-request-id": "sig-2" }, body, "verify aksk signature fail"],
    ["no X-Sdk-Date", { ...good, "X-Sdk-Date": undefined }, body, "X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ"],
    [
      "a signed header left out",
      { ...good, "x-request-id": undefined },
      body,
      "signed header x-request-id is not in the request",
    ],
    [
      "a malformed X-Sdk-Date",
      { ...good, "X-Sdk-Date": "2026-01-02" },
      body,
      "X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ",
    ],
    [
      "host not signed",
      { ...good, Authorization: good.Authorization.replace("content-type;host;", "content-type;") },
      body,
      "SignedHeaders must include host",
    ],
    [
      "a malformed Authorization",
      { ...good, Authorization: "SDK-HMAC-SHA256 Access=x" },
      body,
      "malformed Authorization header",
    ],
  ];
  for (const [name, headers, sent, detail] of cases) {
    const defined = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined));
    const res = await call(server, BATCH, sent, { headers: defined });
    assert.equal(res.status, 401, name);
    assert.deepEqual(Object.keys(res.json), ["error_code", "error_msg", "request_id"], name);
    assert.equal(res.json.error_code, "APIGW.0301", name);
    assert.equal(res.json.error_msg, `Incorrect IAM authentication information: ${detail}`, name);
    assert.ok(!res.text.includes(KEY.secretKey), name);
  }
  const log = JSON.stringify(server.requests);
  assert.ok(!log.includes(KEY.secretKey) && !/Signature=[0-9a-f]{64}/.test(log), "a secret in the request log");
});

test("temporary keys need their X-Security-Token, signed; X-Project-Id must match the key's project", async (t) => {
  const clock = manualClock(parseSdkDate(SDK_DATE));
  const temporary = {
    accessKey: "AKTEMP",
    secretKey: "temp-secret",
    securityToken: "sts-token-value",
    projectId: "proj-1",
  };
  const server = await serverFor(t, { accessKeys: [KEY, temporary], clock, instances: INSTANCES });
  const body = { instance_ids: ["a1"] };
  const send = async (key, extra) =>
    (await call(server, BATCH, body, { headers: signedHeaders(server, BATCH, body, { key, extra }) })).json;
  assert.equal(
    (await send(temporary, { "X-Security-Token": "sts-token-value", "X-Project-Id": "proj-1" })).error_code,
    "0",
  );
  assert.equal((await send(temporary, { "X-Security-Token": "sts-token-value" })).error_code, "0");
  assert.match((await send(temporary, {})).error_msg, /X-Security-Token is missing or wrong/);
  assert.match(
    (await send(temporary, { "X-Security-Token": "other" })).error_msg,
    /X-Security-Token is missing or wrong/,
  );
  assert.match((await send(KEY, { "X-Security-Token": "sts-token-value" })).error_msg, /permanent access key/);
  assert.match(
    (await send(temporary, { "X-Security-Token": "sts-token-value", "X-Project-Id": "proj-2" })).error_msg,
    /X-Project-Id does not match/,
  );
  assert.equal(server.requests[0].headers["x-security-token"], "***");
  assert.ok(!JSON.stringify(server.requests).includes("sts-token-value"), "security token in the request log");
});

test("a token request still works beside access keys; accessKeys is checked", async (t) => {
  const server = await serverFor(t, { accessKeys: [KEY], instances: INSTANCES });
  assert.equal((await call(server, BATCH, { instance_ids: ["a1"] })).status, 200);
  const { startMockServer } = await import("../../mock/index.mjs");
  for (const accessKeys of [[{ accessKey: "a" }], [{ ...KEY, region: "x" }], [{ ...KEY, securityToken: "" }], "AK"]) {
    await assert.rejects(startMockServer({ accessKeys }), /accessKeys/, JSON.stringify(accessKeys));
  }
});
