// batchStatus against the mock server, through the packed tarball.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lib, mockFor, opts, apiRequests, TOKEN } from "./support.mjs";

const { batchStatus, KooPhoneError } = lib;

test("70 IDs go out in 3 chunks of at most 32 and come back in input order, the omitted one missing", async (t) => {
  const server = await mockFor(t, { count: 69 });
  const ids = Array.from({ length: 69 }, (_, i) => `id${String(68 - i).padStart(3, "0")}`);
  ids.splice(40, 0, "ghost001");
  const result = await batchStatus(ids, opts(server));

  assert.deepEqual(
    result.statuses.map((s) => s.instanceId),
    ids.filter((id) => id !== "ghost001"),
  );
  assert.deepEqual(result.missing, ["ghost001"]);
  const first = result.statuses.find((s) => s.instanceId === "id002");
  assert.deepEqual(first, { instanceId: "id002", status: 2, state: "running" });

  const sent = apiRequests(server);
  assert.deepEqual(
    sent.map((r) => r.body.instance_ids.length).sort((a, b) => a - b),
    [6, 32, 32],
  );
  assert.deepEqual(sent.flatMap((r) => r.body.instance_ids).sort(), [...ids].sort());
  assert.equal(result.requestIds.length, 3);
  assert.equal(new Set(result.requestIds).size, 3, "every request has its own x-request-id");
  assert.deepEqual(sent.map((r) => r.headers["x-request-id"]).sort(), [...result.requestIds].sort());
  for (const r of sent) {
    assert.equal(r.headers["x-auth-token"], "***", "the mock saw a token (it redacts it in its log)");
    assert.match(r.headers["content-type"], /^application\/json/);
  }
});

test("duplicates are queried once and reported once", async (t) => {
  const server = await mockFor(t, { count: 3 });
  const result = await batchStatus(["id001", "id000", "id001", "id002", "id000"], opts(server));
  assert.deepEqual(
    result.statuses.map((s) => s.instanceId),
    ["id001", "id000", "id002"],
  );
  assert.deepEqual(apiRequests(server)[0].body.instance_ids, ["id001", "id000", "id002"]);
});

test("the bare response form of the seed's example is accepted", async (t) => {
  const server = await mockFor(t, { count: 1, batchResponseForm: "bare" });
  const result = await batchStatus(["id000", "efjy72gs"], opts(server));
  assert.deepEqual(result.statuses, [{ instanceId: "id000", status: 0, state: "unknown" }]);
  assert.deepEqual(result.missing, ["efjy72gs"]);
});

test("unknown status numbers are kept as unrecognized", async (t) => {
  const server = await mockFor(t, { extra: [{ id: "new1", status: 12 }] });
  const result = await batchStatus(["new1"], opts(server));
  assert.deepEqual(result.statuses, [{ instanceId: "new1", status: 12, state: "unrecognized" }]);
});

test("chunkSize and concurrency are honoured", async (t) => {
  const server = await mockFor(t, { count: 100, latencyMs: 30 });
  const ids = Array.from({ length: 100 }, (_, i) => `id${String(i).padStart(3, "0")}`);
  const result = await batchStatus(ids, opts(server, { chunkSize: 10, concurrency: 2 }));
  assert.equal(result.statuses.length, 100);
  const sent = apiRequests(server);
  assert.equal(sent.length, 10);
  // With 2 in flight, no 3 requests can have arrived within one latency of each other.
  const times = sent.map((r) => r.receivedAt).sort((a, b) => a - b);
  for (let i = 2; i < times.length; i++) assert.ok(times[i] - times[i - 2] >= 25, `requests ${i - 2}..${i} overlapped`);
});

test("a transient 503 is retried and then succeeds, each attempt with a new request id", async (t) => {
  const server = await mockFor(t, { count: 1 });
  server.setFault({ endpoint: "batch-query-status", type: "http", status: 503, times: 2 });
  const result = await batchStatus(["id000"], opts(server));
  assert.equal(result.statuses.length, 1);
  assert.equal(result.requestIds.length, 3);
  assert.equal(new Set(result.requestIds).size, 3);
});

test("429 with Retry-After is honoured", async (t) => {
  const server = await mockFor(t, { count: 1 });
  server.setFault({ type: "rate-limit", retryAfter: "1", times: 1 });
  const started = Date.now();
  const result = await batchStatus(["id000"], opts(server));
  assert.equal(result.statuses.length, 1);
  assert.ok(Date.now() - started >= 950, "waited for Retry-After");
});

test("a failed chunk rejects the call and cancels the other chunks", async (t) => {
  const server = await mockFor(t, { count: 64 });
  server.setFault({ type: "http", status: 400, nth: 1 });
  server.setFault({ type: "hang", nth: 2 });
  const ids = Array.from({ length: 64 }, (_, i) => `id${String(i).padStart(3, "0")}`);
  const started = Date.now();
  const error = await batchStatus(ids, opts(server, { timeoutMs: 5000 })).catch((e) => e);
  assert.ok(error instanceof KooPhoneError);
  assert.equal(error.code, "HTTP");
  assert.equal(error.httpStatus, 400);
  assert.ok(Date.now() - started < 2000, "the hanging chunk was aborted, not waited for");
});

test("allowPartial resolves with the good chunks and the failed chunk's error", async (t) => {
  const server = await mockFor(t, { count: 64 });
  server.setFault({ type: "http", status: 500, nth: 2 });
  const ids = Array.from({ length: 64 }, (_, i) => `id${String(i).padStart(3, "0")}`);
  const result = await batchStatus(ids, opts(server, { allowPartial: true, maxAttempts: 1, concurrency: 1 }));
  assert.equal(result.errors.length, 1);
  const [failed] = result.errors;
  assert.ok(failed.error instanceof KooPhoneError);
  assert.equal(failed.error.code, "HTTP");
  assert.equal(failed.error.retryable, true);
  assert.deepEqual(failed.instanceIds, ids.slice(32));
  assert.deepEqual(
    result.statuses.map((s) => s.instanceId),
    ids.slice(0, 32),
  );
  assert.deepEqual(result.missing, [], "IDs of the failed chunk are not reported missing");
});

test("a token function is called for each request", async (t) => {
  const server = await mockFor(t, { count: 40 });
  let calls = 0;
  const result = await batchStatus(
    Array.from({ length: 40 }, (_, i) => `id${String(i).padStart(3, "0")}`),
    opts(server, {
      token: async () => {
        calls++;
        return TOKEN;
      },
    }),
  );
  assert.equal(result.statuses.length, 40);
  assert.equal(calls, 2);
});
