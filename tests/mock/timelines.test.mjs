import { test } from "node:test";
import assert from "node:assert/strict";
import { batch, manualClock, prepare, serverFor } from "./helpers.mjs";

/** The statuses a batch query reports, by instance ID. */
async function statuses(server, ids) {
  const res = await batch(server, ids);
  assert.equal(res.status, 200);
  return Object.fromEntries(res.json.data.status_results.map((r) => [r.instance_id, r.status]));
}

test("statusTimeline changes an instance's status at the given times after server start", async (t) => {
  const clock = manualClock();
  const server = await serverFor(t, {
    clock,
    instances: [
      {
        id: "boot",
        status: 1,
        statusTimeline: [
          { atMs: 1000, status: 4 },
          { atMs: 3000, status: 2 },
        ],
      },
      { id: "fixed", status: 5 },
    ],
  });
  const seen = [];
  for (const at of [0, 999, 1000, 2999, 3000, 1_000_000]) {
    clock.now = clock.start + at;
    seen.push((await statuses(server, ["boot", "fixed"])).boot);
  }
  assert.deepEqual(seen, [1, 1, 4, 4, 2, 2]);
  assert.equal((await statuses(server, ["fixed"])).fixed, 5);
});

test("statusCycle goes through its statuses, each for stepMs, and starts over", async (t) => {
  const clock = manualClock();
  const server = await serverFor(t, {
    clock,
    instances: [{ id: "flaky", statusCycle: { statuses: [2, 3, 4], stepMs: 500 } }],
  });
  const seen = [];
  for (let at = 0; at < 3500; at += 250) {
    clock.now = clock.start + at;
    seen.push((await statuses(server, ["flaky"])).flaky);
  }
  assert.deepEqual(seen, [2, 2, 3, 3, 4, 4, 2, 2, 3, 3, 4, 4, 2, 2]);
});

test("resetInstances restarts timelines, cycles and preparation scripts from now", async (t) => {
  const clock = manualClock();
  const server = await serverFor(t, {
    clock,
    instances: [
      {
        id: "boot",
        statusTimeline: [
          { atMs: 0, status: 4 },
          { atMs: 1000, status: 2 },
        ],
      },
      { id: "cyc", statusCycle: { statuses: [1, 2], stepMs: 1000 } },
      {
        id: "prep",
        status: 2,
        prepare: [
          { status: 1, waitingCount: 1 },
          { status: 0, waitingCount: 0 },
        ],
      },
    ],
  });
  clock.now += 1500;
  assert.deepEqual(await statuses(server, ["boot", "cyc"]), { boot: 2, cyc: 2 });
  await prepare(server, "u", "prep");
  assert.deepEqual((await prepare(server, "u", "prep")).json.data, { status: 0, waitingCount: 0 });
  server.resetInstances();
  assert.deepEqual(await statuses(server, ["boot", "cyc"]), { boot: 4, cyc: 1 });
  assert.deepEqual((await prepare(server, "u", "prep")).json.data, { status: 1, waitingCount: 1 });
  clock.now += 1000;
  assert.deepEqual(await statuses(server, ["boot", "cyc"]), { boot: 2, cyc: 2 });
});

test("setInstance starts the new instance's timeline at the time it is set", async (t) => {
  const clock = manualClock();
  const server = await serverFor(t, { clock });
  clock.now += 60_000;
  server.setInstance({ id: "late", status: 4, statusTimeline: [{ atMs: 100, status: 2 }] });
  assert.equal((await statuses(server, ["late"])).late, 4);
  clock.now += 100;
  assert.equal((await statuses(server, ["late"])).late, 2);
});

test("timelines run on the real clock by default", async (t) => {
  const server = await serverFor(t, {
    instances: [{ id: "now", status: 1, statusTimeline: [{ atMs: 0, status: 3 }] }],
  });
  assert.equal((await statuses(server, ["now"])).now, 3);
});

test("malformed timelines and cycles are rejected with a TypeError naming the instance", async (t) => {
  const server = await serverFor(t);
  const bad = [
    { id: "x", statusTimeline: [{ atMs: 5, status: 1 }] },
    { id: "x", status: 1, statusTimeline: [] },
    {
      id: "x",
      status: 1,
      statusTimeline: [
        { atMs: 10, status: 1 },
        { atMs: 10, status: 2 },
      ],
    },
    { id: "x", status: 1, statusTimeline: [{ atMs: -1, status: 1 }] },
    { id: "x", status: 1, statusTimeline: [{ atMs: 0, status: "1" }] },
    { id: "x", status: 1, statusTimeline: [{ at: 0, status: 1 }] },
    { id: "x", statusCycle: { statuses: [], stepMs: 10 } },
    { id: "x", statusCycle: { statuses: [1], stepMs: 0 } },
    { id: "x", statusCycle: { statuses: [1.5], stepMs: 10 } },
    { id: "x", status: 1, statusCycle: { statuses: [1], stepMs: 10 } },
    { id: "x", statusTimeline: [{ atMs: 0, status: 1 }], statusCycle: { statuses: [1], stepMs: 10 } },
    { id: "x" },
  ];
  for (const instance of bad) {
    assert.throws(
      () => server.setInstance(instance),
      (err) => err instanceof TypeError && /Instance "x"/.test(err.message),
      JSON.stringify(instance),
    );
  }
});
