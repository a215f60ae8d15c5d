// 200 concurrent batchStatus calls with faults on about 10 % of requests: all
// settle, every success is correct, and memory is flat afterwards.
// Run with --expose-gc (scripts/test-reliability.sh does).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { lib, startMockServer, TOKEN } from "./support.mjs";

const { batchStatus, KooPhoneError } = lib;
const COUNT = 200;
const instances = Array.from({ length: 100 }, (_, i) => ({ id: `n${i}`, status: i % 6 }));
const mock = await startMockServer({ tokens: [TOKEN], instances, latencyMs: 5 });
after(() => mock.close());

// Deterministic ~10 % faults: every tenth request fails in one of several ways.
let requestNo = 0;
const FAULTS = [
  () => Promise.reject(new TypeError("fetch failed", { cause: new Error("ECONNRESET") })),
  () => Promise.resolve(new Response("<html>502</html>", { status: 502 })),
  () => Promise.resolve(new Response('{"error_code":"0"', { status: 200 })),
  () => Promise.resolve(new Response('{"error_code":"KOOPHONE.API.9999","error_msg":"busy"}', { status: 503, headers: { "retry-after": "0" } })),
];
const faultyFetch = (url, init) => {
  requestNo++;
  return requestNo % 10 === 0 ? FAULTS[(requestNo / 10) % FAULTS.length]() : fetch(url, init);
};

async function round() {
  mock.resetRequests(); // the mock's own request log would otherwise grow with every call
  const calls = Array.from({ length: COUNT }, (_, c) => {
    const ids = Array.from({ length: 1 + (c % 70) }, (_, k) => `n${(c + k) % 100}`);
    return batchStatus([...ids, "ghost"], { token: TOKEN, endpoint: mock.url, fetch: faultyFetch, chunkSize: 32, timeoutMs: 5_000 })
      .then((r) => ({ ids, r }), (error) => ({ ids, error }));
  });
  const settled = await Promise.all(calls);
  let ok = 0;
  for (const { ids, r, error } of settled) {
    if (error) {
      assert.ok(error instanceof KooPhoneError, String(error));
      assert.ok(["NETWORK", "HTTP", "BAD_RESPONSE"].includes(error.code), error.code);
      continue;
    }
    ok++;
    const distinct = [...new Set(ids)];
    assert.deepEqual(r.statuses.map((s) => s.instanceId), distinct);
    for (const s of r.statuses) assert.equal(s.status, Number(s.instanceId.slice(1)) % 6);
    assert.deepEqual(r.missing, ["ghost"]);
  }
  return ok;
}

test("200 concurrent calls with 10 % faulty requests all settle, successes correct, memory flat", async () => {
  assert.equal(typeof globalThis.gc, "function", "run with --expose-gc");
  const heap = () => {
    for (let i = 0; i < 3; i++) globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  const okFirst = await round();
  await round(); // warm-up: connection pool, JIT, caches
  const before = heap();
  let okLater = 0;
  const samples = [];
  for (let i = 0; i < 4; i++) {
    okLater += await round();
    samples.push(heap());
  }
  const growth = samples.at(-1) - before;
  console.log(`# heap after each round (KiB): ${[before, ...samples].map((b) => (b / 1024).toFixed(0)).join(", ")}`);
  console.log(`# load: ${COUNT * 5} calls, ${requestNo} requests, ${okFirst + okLater} succeeded (retries absorb most faults); heap growth over 4 rounds ${(growth / 1024).toFixed(0)} KiB`);
  assert.ok(okFirst > COUNT * 0.9, `most calls succeed after retries (${okFirst}/${COUNT})`);
  assert.ok(growth < 1.5 * 1024 * 1024, `heap grew by ${growth} bytes`);
});
