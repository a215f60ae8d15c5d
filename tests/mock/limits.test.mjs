import { test } from "node:test";
import assert from "node:assert/strict";
import { startMockServer } from "../../mock/index.mjs";
import { INSTANCES, batch, headersFor, manualClock, prepare, serverFor } from "./helpers.mjs";

const ids = (n) => Array.from({ length: n }, (_, i) => `id-${i}`);

test("maxIdsPerRequest raises the per-request limit up to 100", async (t) => {
  const server = await serverFor(t, { maxIdsPerRequest: 100, instances: [{ id: "id-99", status: 2 }] });
  const res = await batch(server, ids(100));
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.data.status_results, [{ instance_id: "id-99", status: 2 }]);
  const over = await batch(server, ids(101));
  assert.equal(over.status, 400);
  assert.match(over.json.error_msg, /1 to 100 IDs; got 101/);
});

test("too many IDs is a 400 that points at the client's chunkSize option", async (t) => {
  const server = await serverFor(t, { maxIdsPerRequest: 5 });
  assert.equal((await batch(server, ids(5))).status, 200);
  const res = await batch(server, ids(6));
  assert.equal(res.status, 400);
  assert.equal(res.json.error_code, "KOOPHONE.API.1000");
  assert.equal(
    res.json.error_msg,
    "instance_ids must be an array of 1 to 5 IDs; got 6. Send at most 5 IDs per request (the client's chunkSize option).",
  );
});

test("maxIdsPerRequest must be an integer from 1 to 100", async () => {
  for (const maxIdsPerRequest of [0, 101, 32.5, "32"]) {
    await assert.rejects(startMockServer({ maxIdsPerRequest }), /maxIdsPerRequest/, String(maxIdsPerRequest));
  }
});

test("rateLimit answers the gateway's 429 APIGW.0308 without Retry-After once the bucket is empty", async (t) => {
  const clock = manualClock();
  const server = await serverFor(t, { rateLimit: { requestsPerSecond: 2 }, clock, instances: INSTANCES });
  const statuses = [];
  for (let i = 0; i < 3; i += 1) statuses.push((await batch(server, ["a1"])).status);
  assert.deepEqual(statuses, [200, 200, 429]);
  const limited = await batch(server, ["a1"]);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), null);
  assert.deepEqual(Object.keys(limited.json), ["error_code", "error_msg", "request_id"]);
  assert.equal(limited.json.error_code, "APIGW.0308");
  assert.match(limited.json.error_msg, /^The throttling threshold has been reached: .*limit:2,time:1 second$/);
  clock.now += 499;
  assert.equal((await batch(server, ["a1"])).status, 429, "refilled too early");
  clock.now += 1;
  assert.equal((await batch(server, ["a1"])).status, 200, "one token after 500 ms at 2/s");
  assert.equal((await batch(server, ["a1"])).status, 429);
  clock.now += 10_000;
  const after = [];
  for (let i = 0; i < 3; i += 1) after.push((await batch(server, ["a1"])).status);
  assert.deepEqual(after, [200, 200, 429], "the bucket holds at most its burst");
});

test("each API has its own bucket; burst sets the bucket size", async (t) => {
  const clock = manualClock();
  const server = await serverFor(t, { rateLimit: { requestsPerSecond: 0.5, burst: 3 }, clock, instances: INSTANCES });
  const batches = [];
  for (let i = 0; i < 4; i += 1) batches.push((await batch(server, ["a1"])).status);
  assert.deepEqual(batches, [200, 200, 200, 429]);
  assert.equal((await prepare(server, "u", "a1")).status, 200, "prepare-progress has its own bucket");
  clock.now += 2000;
  assert.equal((await batch(server, ["a1"])).status, 200, "one token after 2 s at 0.5/s");
});

test("requests the gateway refuses for their credentials do not use the rate limit", async (t) => {
  const clock = manualClock();
  const server = await serverFor(t, { rateLimit: { requestsPerSecond: 1 }, clock, instances: INSTANCES });
  const bad = { headers: headersFor({ "x-auth-token": "wrong" }) };
  for (let i = 0; i < 3; i += 1) assert.equal((await batch(server, ["a1"], bad)).status, 401);
  assert.equal((await batch(server, ["a1"])).status, 200);
  assert.equal((await batch(server, ["a1"])).status, 429);
});

test("rateLimit is checked", async () => {
  const bad = [
    {},
    { requestsPerSecond: 0 },
    { requestsPerSecond: -1 },
    { requestsPerSecond: 5, burst: 0 },
    { requestsPerSecond: 5, burst: 1.5 },
    { requestsPerSecond: 5, per: 1 },
    5,
  ];
  for (const rateLimit of bad) {
    await assert.rejects(startMockServer({ rateLimit }), /rateLimit/, JSON.stringify(rateLimit));
  }
  await assert.rejects(startMockServer({ clock: 5 }), /clock/);
});
