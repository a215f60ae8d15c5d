// prepareProgress and waitPrepared against the mock server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lib, mockFor, opts, apiRequests } from "./support.mjs";

const { waitPrepared, prepareProgress, createClient, KooPhoneError } = lib;
const fast = { minDelayMs: 5, maxDelayMs: 20 };

const queueThenReady = {
  id: "prep-ok",
  status: 4,
  owner: "u1",
  prepare: [
    { status: 1, waitingCount: 3 },
    { status: 1, waitingCount: 2 },
    { status: 2, waitingCount: 0 },
    { status: 0, waitingCount: 0 },
  ],
};

test("waitPrepared follows queuing -> restoring -> normal and reports every reading", async (t) => {
  const server = await mockFor(t, { extra: [queueThenReady] });
  const seen = [];
  const done = await waitPrepared(
    { userId: "u1", instanceId: "prep-ok" },
    opts(server, { ...fast, onProgress: (p) => seen.push(p) }),
  );
  assert.equal(done.state, "normal");
  assert.equal(done.attempt, 4);
  assert.deepEqual(
    seen.map((p) => [p.state, p.waitingCount, p.attempt]),
    [
      ["queuing", 3, 1],
      ["queuing", 2, 2],
      ["restoring", 0, 3],
      ["normal", 0, 4],
    ],
  );
  assert.ok(seen.every((p, i) => i === 0 || p.elapsedMs >= seen[i - 1].elapsedMs));
  const sent = apiRequests(server, "prepare-progress");
  assert.deepEqual(sent[0].body, { user_id: "u1", instance_id: "prep-ok" });
  assert.deepEqual(
    sent.map((r) => r.headers["x-request-id"]),
    seen.map((p) => p.requestId),
  );
});

test("waitPrepared rejects with PREPARE_FAILED on status -1", async (t) => {
  const server = await mockFor(t, {
    extra: [
      {
        id: "bad",
        status: 3,
        owner: "u1",
        prepare: [
          { status: 1, waitingCount: 1 },
          { status: -1, waitingCount: 0 },
        ],
      },
    ],
  });
  const error = await waitPrepared({ userId: "u1", instanceId: "bad" }, opts(server, fast)).catch((e) => e);
  assert.ok(error instanceof KooPhoneError);
  assert.equal(error.code, "PREPARE_FAILED");
  assert.equal(error.progress.state, "failed");
  assert.equal(error.progress.attempt, 2);
});

test("waitPrepared rejects with WAIT_TIMEOUT after maxWaitMs, carrying the last progress", async (t) => {
  const server = await mockFor(t, {
    extra: [{ id: "slow", status: 4, owner: "u1", prepare: [{ status: 1, waitingCount: 9 }] }],
  });
  const started = Date.now();
  const error = await waitPrepared(
    { userId: "u1", instanceId: "slow" },
    opts(server, { ...fast, maxWaitMs: 200 }),
  ).catch((e) => e);
  const took = Date.now() - started;
  assert.equal(error.code, "WAIT_TIMEOUT");
  assert.equal(error.progress.waitingCount, 9);
  assert.ok(took >= 190 && took < 1500, `took ${took} ms`);
});

test("waitPrepared backs off while nothing changes", async (t) => {
  const server = await mockFor(t, {
    extra: [{ id: "slow", status: 4, owner: "u1", prepare: [{ status: 1, waitingCount: 9 }] }],
  });
  await waitPrepared(
    { userId: "u1", instanceId: "slow" },
    opts(server, { minDelayMs: 20, maxDelayMs: 200, maxWaitMs: 700 }),
  ).catch(() => {});
  // Without backoff, 700 ms at 20 ms would be ~35 polls; with it the schedule is 0, 20, 50, 95,
  // 162, 263, 463, 663 and the deadline poll at 700: at most 9. A loaded machine only polls less,
  // so this cannot flake; the exact cadence is tested with a simulated clock in
  // tests/engine_calls.rs (wait_prepared_polls_at_its_cadence_and_reports_every_reading).
  const polls = apiRequests(server, "prepare-progress").length;
  assert.ok(polls >= 2 && polls <= 9, `${polls} polls`);
});

test("waitPrepared stops at once on abort", async (t) => {
  const server = await mockFor(t, {
    extra: [{ id: "slow", status: 4, owner: "u1", prepare: [{ status: 1, waitingCount: 9 }] }],
  });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const started = Date.now();
  const error = await waitPrepared(
    { userId: "u1", instanceId: "slow" },
    opts(server, { minDelayMs: 5000, signal: controller.signal }),
  ).catch((e) => e);
  assert.equal(error.code, "ABORTED");
  assert.ok(Date.now() - started < 1000);
  assert.equal(error.progress?.state, "queuing", "the abort carries the last reading");
  assert.equal(error.progress?.waitingCount, 9);
});

test("prepareProgress reads one reading", async (t) => {
  const server = await mockFor(t, { extra: [queueThenReady] });
  const p = await prepareProgress({ userId: "u1", instanceId: "prep-ok" }, opts(server));
  assert.deepEqual(
    { ...p, requestId: typeof p.requestId },
    { status: 1, state: "queuing", waitingCount: 3, requestId: "string" },
  );
  const denied = await prepareProgress({ userId: "someone", instanceId: "prep-ok" }, opts(server)).catch((e) => e);
  assert.equal(denied.errorCode, "KOOPHONE.API.1001");
});

test("createClient binds defaults that calls can override", async (t) => {
  const server = await mockFor(t, { count: 2, extra: [queueThenReady] });
  const client = createClient(opts(server, fast));
  const r = await client.batchStatus(["id000", "id001"]);
  assert.equal(r.statuses.length, 2);
  const done = await client.waitPrepared({ userId: "u1", instanceId: "prep-ok" });
  assert.equal(done.state, "normal");
  const error = await client.batchStatus(["id000"], { token: "other" }).catch((e) => e);
  assert.equal(error.httpStatus, 401);
  assert.throws(() => createClient(null), KooPhoneError);
});
