// The fleet calls on the installed package against the mock (issue 13): watchStatus events and
// stopping, waitForState outcomes, waitPreparedAll, a client's shared scheduler, hooks.
// Status changes follow the mock's settable clock, so no assertion depends on timing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { lib, mockFor, opts, apiRequests, PKG_DIR, TOKEN } from "./support.mjs";

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A mock whose clock the test moves by hand. */
async function fleetMock(t, instances, more = {}) {
  const clock = { now: 0 };
  const server = await mockFor(t, { extra: instances, clock: () => clock.now, ...more });
  return { server, clock };
}

const booting = {
  id: "boot01",
  status: 1,
  owner: "u1",
  statusTimeline: [
    { atMs: 1000, status: 4 },
    { atMs: 2000, status: 2 },
  ],
};
const steady = { id: "steady01", status: 2, owner: "u1" };

test("watchStatus yields every ID first, then only what changed", async (t) => {
  const { server, clock } = await fleetMock(t, [booting, steady]);
  const watch = lib.watchStatus(["boot01", "steady01", "ghost01"], opts(server, { intervalMs: 100 }));
  const first = await watch.next();
  assert.equal(first.done, false);
  assert.equal(first.value.round, 1);
  assert.deepEqual(
    first.value.changes.map((c) => [c.instanceId, c.previous, c.current?.state ?? null]),
    [
      ["boot01", null, "stopped"],
      ["steady01", null, "running"],
      ["ghost01", null, null],
    ],
  );
  assert.deepEqual(first.value.missing, ["ghost01"]);
  assert.equal(typeof first.value.at, "number");
  clock.now = 1500;
  const second = await watch.next();
  assert.deepEqual(
    second.value.changes.map((c) => [c.instanceId, c.previous.state, c.current.state]),
    [["boot01", "stopped", "starting"]],
  );
  assert.deepEqual(
    second.value.statuses.map((s) => s.state),
    ["starting", "running"],
  );
  assert.equal(second.value.error, undefined);
  assert.deepEqual(await watch.return(), { value: undefined, done: true });
  assert.deepEqual(await watch.next(), { value: undefined, done: true });
});

test("return() while next() is pending settles it at once and sends nothing more", async (t) => {
  const { server } = await fleetMock(t, [steady]);
  const watch = lib.watchStatus(["steady01"], opts(server, { intervalMs: 100, emitInitial: false }));
  const pending = watch.next();
  while (apiRequests(server).length < 2) await delay(20);
  const returned = watch.return();
  assert.deepEqual(await pending, { value: undefined, done: true });
  assert.deepEqual(await returned, { value: undefined, done: true });
  const sent = apiRequests(server).length;
  await delay(350);
  assert.equal(apiRequests(server).length, sent, "no request after return()");
});

test("a failed round yields its error and keeps the last statuses; a 401 ends the watch", async (t) => {
  const { server } = await fleetMock(t, [steady]);
  const watch = lib.watchStatus(["steady01"], opts(server, { intervalMs: 100, maxAttempts: 1 }));
  await watch.next();
  server.setFault({ type: "http", status: 503, times: 1 });
  const failed = (await watch.next()).value;
  assert.equal(failed.error.code, "HTTP");
  assert.equal(failed.error.httpStatus, 503);
  assert.deepEqual(failed.changes, []);
  assert.deepEqual(
    failed.statuses.map((s) => s.state),
    ["running"],
  );
  server.setFault({
    type: "http",
    status: 401,
    body: { error_code: "APIGW.0301", error_msg: "Incorrect IAM authentication information" },
  });
  await assert.rejects(watch.next(), (e) => lib.isKooPhoneError(e) && e.httpStatus === 401);
  assert.deepEqual(await watch.next(), { value: undefined, done: true });
});

test("the signal stops a watch: the pending next() rejects with ABORTED", async (t) => {
  const { server } = await fleetMock(t, [steady]);
  const controller = new AbortController();
  const watch = lib.watchStatus(
    ["steady01"],
    opts(server, { intervalMs: 100, emitInitial: false, signal: controller.signal }),
  );
  const pending = watch.next();
  while (apiRequests(server).length < 1) await delay(20);
  controller.abort();
  await assert.rejects(pending, { code: "ABORTED" });
  const sent = apiRequests(server).length;
  await delay(250);
  assert.equal(apiRequests(server).length, sent);
});

test("an empty ID list is valid for watchStatus and sends nothing", async (t) => {
  const { server } = await fleetMock(t, []);
  const watch = lib.watchStatus([], opts(server, { intervalMs: 100 }));
  const first = await watch.next();
  assert.deepEqual([first.value.changes, first.value.statuses, first.value.missing], [[], [], []]);
  await watch.return();
  assert.equal(apiRequests(server).length, 0);
});

test("waitForState resolves when every ID is in the state, reporting each round", async (t) => {
  const { server, clock } = await fleetMock(t, [booting, steady]);
  const rounds = [];
  const waiting = lib.waitForState(
    ["boot01", "steady01"],
    "running",
    opts(server, {
      intervalMs: 100,
      onProgress: (p) => {
        rounds.push(p);
        clock.now += 1000;
      },
    }),
  );
  const result = await waiting;
  assert.deepEqual(
    result.statuses.map((s) => s.state),
    ["running", "running"],
  );
  assert.equal(result.rounds, 3);
  assert.equal(rounds.length, 3);
  assert.deepEqual([rounds[0].done, rounds[0].pending], [["steady01"], ["boot01"]]);
});

test("waitForState rejects with STATE_FAILED, WAIT_TIMEOUT and ABORTED", async (t) => {
  const { server } = await fleetMock(t, [
    steady,
    { id: "down01", status: 5, owner: "u1" },
    { id: "slow01", status: 4, owner: "u1" },
  ]);
  await assert.rejects(
    lib.waitForState(["steady01", "down01"], "running", opts(server, { failOn: ["shutdown"] })),
    (e) => {
      assert.equal(e.code, "STATE_FAILED");
      assert.match(e.message, /down01 \(shutdown\)/);
      assert.doesNotMatch(e.message, /steady01/);
      return true;
    },
  );
  await assert.rejects(
    lib.waitForState(["slow01", "ghost01", "steady01"], "running", opts(server, { intervalMs: 100, maxWaitMs: 250 })),
    (e) => {
      assert.equal(e.code, "WAIT_TIMEOUT");
      assert.match(e.message, /slow01 \(starting\), ghost01 \(not reported\)$/);
      return true;
    },
  );
  const controller = new AbortController();
  const waiting = lib.waitForState(
    ["slow01"],
    ["running"],
    opts(server, { intervalMs: 100, signal: controller.signal, onProgress: () => controller.abort() }),
  );
  await assert.rejects(waiting, { code: "ABORTED" });
  await assert.rejects(lib.waitForState(["slow01"], "sleeping", opts(server)), { code: "INVALID_ARGUMENT" });
});

test("invalidIds: report leaves invalid IDs out and lists them; checkInstanceIds uses the same rules", async (t) => {
  const { server } = await fleetMock(t, [steady]);
  const result = await lib.batchStatus(["steady01", "", "a b"], opts(server, { invalidIds: "report" }));
  assert.deepEqual(
    result.statuses.map((s) => s.instanceId),
    ["steady01"],
  );
  assert.deepEqual(
    result.invalid.map((i) => i.instanceId),
    ["", "a b"],
  );
  const none = await lib.batchStatus([], opts(server, { invalidIds: "report" }));
  assert.deepEqual([none.statuses, none.invalid], [[], []]);
  assert.equal(apiRequests(server).length, 1, "the empty call sent nothing");
  await assert.rejects(lib.batchStatus(["steady01", ""], opts(server)), { code: "INVALID_ARGUMENT" });
  const checked = await lib.checkInstanceIds(["ok", 7, "x".repeat(33)]);
  assert.deepEqual(checked.valid, ["ok"]);
  assert.deepEqual(
    checked.invalid.map((i) => i.instanceId),
    [7, "x".repeat(33)],
  );
  assert.match(checked.invalid[1].reason, /33 UTF-16 code units/);
});

test("a failed watch round aborts its other requests still on the wire", async () => {
  // Chunks of one ID: "a" fails at once, "b" hangs until its request is aborted.
  const aborted = [];
  const fetchStub = (_url, init) => {
    const [id] = JSON.parse(init.body).instance_ids;
    if (id === "a") return Promise.resolve(new Response("{}", { status: 503 }));
    return new Promise((_, reject) => {
      init.signal.addEventListener("abort", () => {
        aborted.push(id);
        reject(init.signal.reason);
      });
    });
  };
  const watch = lib.watchStatus(["a", "b"], {
    token: TOKEN,
    endpoint: "http://127.0.0.1:9",
    fetch: fetchStub,
    chunkSize: 1,
    maxAttempts: 1,
    intervalMs: 60_000,
  });
  try {
    const first = await watch.next();
    assert.equal(first.value.error?.httpStatus, 503);
    assert.deepEqual(aborted, ["b"], "b's request was aborted with the round, not left to run on");
  } finally {
    await watch.return();
  }
});

test("an ID with a lone surrogate is set aside as written, not a refusal of the whole call", async (t) => {
  const { server } = await fleetMock(t, [steady]);
  const lone = "bad\ud800";
  const trailing = "x\udc00y";
  const reason = (i) =>
    `instanceIds[${i}] contains a lone UTF-16 surrogate (half of a character); IDs must be well-formed text`;
  // "a\\ud800" is the six characters a, \, u, d, 8, 0, 0: well-formed, and valid.
  const checked = await lib.checkInstanceIds(["ok", lone, "", trailing, "\u{1F600}ok", "a\\ud800"]);
  assert.deepEqual(checked.valid, ["ok", "\u{1F600}ok", "a\\ud800"]);
  assert.deepEqual(checked.invalid, [
    { instanceId: lone, reason: reason(1) },
    { instanceId: "", reason: "instanceIds[2] is empty; IDs must be 1 to 32 characters" },
    { instanceId: trailing, reason: reason(3) },
  ]);

  const result = await lib.batchStatus([lone, "steady01"], opts(server, { invalidIds: "report" }));
  assert.deepEqual(
    result.statuses.map((s) => s.instanceId),
    ["steady01"],
  );
  assert.deepEqual(result.invalid, [{ instanceId: lone, reason: reason(0) }]);
  const sent = apiRequests(server);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].body.instance_ids, ["steady01"], "only the valid ID was asked about");
  // Without `invalidIds: "report"` the same ID still refuses the call, naming it.
  await assert.rejects(lib.batchStatus(["steady01", lone], opts(server)), {
    code: "INVALID_ARGUMENT",
    message: reason(1),
  });
});

test("waitPreparedAll keeps input order, limits waits and reports each failure on its own", async (t) => {
  const prepare = [
    { status: 1, waitingCount: 2 },
    { status: 0, waitingCount: 0 },
  ];
  const { server } = await fleetMock(t, [
    { id: "p1", status: 2, owner: "u1", prepare },
    { id: "p2", status: 2, owner: "u1", prepare: [{ status: -1, waitingCount: 0 }] },
    { id: "p3", status: 2, owner: "u1", prepare },
  ]);
  const readings = [];
  const requests = ["p1", "p2", "p3", "p4"].map((instanceId) => ({ userId: "u1", instanceId }));
  const outcomes = await lib.waitPreparedAll(
    requests,
    opts(server, { concurrency: 2, minDelayMs: 100, onProgress: (p) => readings.push(p.instanceId) }),
  );
  assert.deepEqual(
    outcomes.map((o) => [o.instanceId, o.ok]),
    [
      ["p1", true],
      ["p2", false],
      ["p3", true],
      ["p4", false],
    ],
  );
  assert.equal(outcomes[1].error.code, "PREPARE_FAILED");
  assert.equal(outcomes[3].error.code, "HTTP");
  assert.ok(lib.isKooPhoneError(outcomes[3].error));
  assert.deepEqual(readings.sort(), ["p1", "p1", "p2", "p3", "p3"]);
  await assert.rejects(lib.waitPreparedAll([{ userId: "u1" }], opts(server)), { code: "INVALID_ARGUMENT" });
});

test("a client's scheduler caps concurrency across its calls; hooks see every request", async (t) => {
  const { server } = await fleetMock(t, [steady]);
  const counts = { onRequest: 0, onResponse: 0, onRetry: 0 };
  let inFlight = 0;
  let most = 0;
  const fetch = async (url, init) => {
    most = Math.max(most, ++inFlight);
    try {
      return await globalThis.fetch(url, init);
    } finally {
      inFlight--;
    }
  };
  const client = lib.createClient(
    opts(server, {
      fetch,
      maxConcurrentRequests: 1,
      rateLimit: { requestsPerSecond: 1000 },
      chunkSize: 1,
      hooks: {
        onRequest: (e) => {
          counts.onRequest++;
          assert.equal(JSON.stringify(e).includes(TOKEN), false);
        },
        onResponse: () => {
          counts.onResponse++;
        },
      },
    }),
  );
  const ids = ["steady01", "a1", "a2"];
  const results = await Promise.all([
    client.batchStatus(ids),
    client.batchStatus(ids),
    client.waitForState(["steady01"], "running"),
  ]);
  assert.equal(results.length, 3);
  assert.equal(most, 1, "one request at a time across the client");
  assert.deepEqual(counts, { onRequest: 7, onResponse: 7, onRetry: 0 });
  assert.equal(apiRequests(server).length, 7);
});

test("hooks that throw or reject are ignored, and leave no unhandled rejection", async (t) => {
  const { server } = await fleetMock(t, [steady]);
  const unhandled = [];
  const onUnhandled = (reason) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  t.after(() => process.off("unhandledRejection", onUnhandled));
  server.setFault({ type: "http", status: 503, times: 1 });
  const seen = [];
  const hooks = {
    onRequest: () => {
      seen.push("request");
      throw new Error("hook threw");
    },
    onResponse: async () => {
      seen.push("response");
      throw new Error("hook rejected");
    },
    onRetry: (e) => {
      seen.push(`retry ${e.error.code}`);
      return Promise.reject(new Error("no"));
    },
  };
  const result = await lib.batchStatus(["steady01"], opts(server, { hooks }));
  assert.equal(result.statuses.length, 1);
  await delay(50);
  assert.deepEqual(seen, ["request", "response", "retry HTTP", "request", "response"]);
  assert.deepEqual(unhandled, []);
});

test("a process exits by itself after its watch is stopped", async (t) => {
  const { server } = await fleetMock(t, [steady]);
  const script = `
    const lib = await import(${JSON.stringify(join(PKG_DIR, "index.mjs"))});
    for await (const e of lib.watchStatus(["steady01"], { token: ${JSON.stringify(TOKEN)}, endpoint: ${JSON.stringify(server.url)}, intervalMs: 100 })) {
      console.log("event", e.round);
      break;
    }
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const timer = setTimeout(() => child.kill(), 10_000);
  const code = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(signal ?? c)));
  clearTimeout(timer);
  assert.equal(out.trim(), "event 1");
  assert.equal(code, 0, "exited on its own");
});

test("watchStatus sends nothing before the first next(), like an async generator", async (t) => {
  const server = await mockFor(t, { count: 1 });
  await lib.init();
  let fetched = 0;
  const counting = (url, init) => {
    fetched++;
    return fetch(url, init);
  };
  const watch = lib.watchStatus(["id000"], opts(server, { intervalMs: 100, fetch: counting }));
  t.after(() => watch.return());
  // The module is loaded: a round started at creation would have called fetch within two turns.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(fetched, 0, "a watch nobody iterates polls nobody's IDs");
  const first = await watch.next();
  assert.equal(fetched, 1);
  assert.deepEqual(
    first.value.statuses.map((s) => s.instanceId),
    ["id000"],
  );
});

test("a watch returned before its first next() never sends", async (t) => {
  const server = await mockFor(t, { count: 1 });
  const watch = lib.watchStatus(["id000"], opts(server, { intervalMs: 100 }));
  await watch.return();
  assert.deepEqual(await watch.next(), { value: undefined, done: true });
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(apiRequests(server).length, 0);
});
