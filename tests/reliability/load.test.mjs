// 200 concurrent batchStatus calls with faults on about 10 % of requests, five rounds:
// all settle, every success is exact, failures are typed, and memory is flat afterwards
// (JS heap after forced GC, the wasm linear memory and the externref table).
// Faults are real ones on real sockets: every tenth request goes to one of five mocks
// that reset the connection, hang, answer a 502 HTML page, a truncated body, or 429
// with Retry-After 0. Run with --expose-gc (scripts/test-reliability.sh does).
import { wasm } from "./wasm-capture.mjs";
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { lib, startMockServer, TOKEN } from "./support.mjs";

const { batchStatus, KooPhoneError } = lib;
const COUNT = 200;
const ROUNDS = 5;
const TIMEOUT_MS = 1_000;
const instances = Array.from({ length: 100 }, (_, i) => ({ id: `n${i}`, status: i % 6 }));
const mock = await startMockServer({ tokens: [TOKEN], instances, latencyMs: 5 });
const FAULTS = [
  { type: "reset" },
  { type: "hang" },
  { type: "html" },
  { type: "truncated" },
  { type: "rate-limit", retryAfter: 0 },
];
const faulty = await Promise.all(
  FAULTS.map((fault) => startMockServer({ tokens: [TOKEN], instances, faults: [fault] })),
);
after(() => Promise.all([mock, ...faulty].map((m) => m.close())));

let requestNo = 0;
let faultedNo = 0;
const faultyFetch = (url, init) => {
  requestNo++;
  if (requestNo % 10 !== 0) return fetch(url, init);
  const target = faulty[faultedNo++ % faulty.length];
  return fetch(url.replace(mock.url, target.url), init);
};

async function round() {
  // The mocks' own request logs would otherwise grow with every call.
  for (const m of [mock, ...faulty]) m.resetRequests();
  const calls = Array.from({ length: COUNT }, (_, c) => {
    const ids = Array.from({ length: 1 + (c % 70) }, (_, k) => `n${(c + k) % 100}`);
    return batchStatus([...ids, "ghost"], {
      token: TOKEN,
      endpoint: mock.url,
      fetch: faultyFetch,
      chunkSize: 32,
      timeoutMs: TIMEOUT_MS,
    }).then(
      (r) => ({ ids, r }),
      (error) => ({ ids, error }),
    );
  });
  const settled = await Promise.all(calls);
  let ok = 0;
  const codes = {};
  for (const { ids, r, error } of settled) {
    if (error) {
      assert.ok(error instanceof KooPhoneError, String(error));
      assert.ok(["NETWORK", "TIMEOUT", "HTTP", "BAD_RESPONSE"].includes(error.code), `${error.code}: ${error.message}`);
      codes[error.code] = (codes[error.code] ?? 0) + 1;
      continue;
    }
    ok++;
    const distinct = [...new Set(ids)];
    assert.deepEqual(
      r.statuses.map((s) => s.instanceId),
      distinct,
    );
    for (const s of r.statuses) assert.equal(s.status, Number(s.instanceId.slice(1)) % 6);
    assert.deepEqual(r.missing, ["ghost"]);
  }
  return { ok, codes };
}

test(`${COUNT} concurrent calls with 10 % faulty requests all settle, successes are exact, memory is flat`, async () => {
  assert.equal(typeof globalThis.gc, "function", "run with --expose-gc");
  const sample = () => {
    for (let i = 0; i < 3; i++) globalThis.gc();
    return {
      heap: process.memoryUsage().heapUsed,
      wasm: wasm.memory?.buffer.byteLength ?? null,
      table: wasm.table?.length ?? null,
    };
  };
  const started = performance.now();
  const results = [await round()];
  results.push(await round()); // warm-up: connection pool, JIT, wasm memory and table sized for 200 calls
  const before = sample();
  const samples = [];
  for (let i = 2; i < ROUNDS; i++) {
    results.push(await round());
    samples.push(sample());
  }
  const tookMs = Math.round(performance.now() - started);
  const last = samples.at(-1);
  const heapGrowth = last.heap - before.heap;
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const codes = {};
  for (const r of results) for (const [k, v] of Object.entries(r.codes)) codes[k] = (codes[k] ?? 0) + v;
  const KiB = (b) => (b / 1024).toFixed(0);
  console.log(
    `# load: ${COUNT * ROUNDS} calls in ${ROUNDS} rounds of ${COUNT} concurrent, ${requestNo} requests (${faultedNo} faulted), ${ok} succeeded, failed: ${JSON.stringify(codes)}, ${tookMs} ms`,
  );
  console.log(
    `# heap after forced GC (KiB), after round 2..${ROUNDS}: ${[before, ...samples].map((s) => KiB(s.heap)).join(", ")}; growth ${KiB(heapGrowth)} KiB`,
  );
  console.log(
    `# wasm memory (KiB): ${[before, ...samples].map((s) => (s.wasm === null ? "n/a" : KiB(s.wasm))).join(", ")}; externref table: ${[before, ...samples].map((s) => s.table ?? "n/a").join(", ")}`,
  );

  assert.ok(faultedNo >= requestNo / 10 - 1, "about 10 % of requests were faulted");
  assert.ok(results[0].ok > COUNT * 0.9, `retries absorb most faults (${results[0].ok}/${COUNT} succeeded)`);
  assert.ok(heapGrowth < 1.5 * 1024 * 1024, `heap grew by ${heapGrowth} bytes`);
  assert.notEqual(wasm.memory, null, "the library's wasm memory was captured");
  assert.notEqual(wasm.table, null, "the library's externref table was captured");
  assert.ok(
    before.wasm > 0 && before.table > 0,
    `memory and table were sampled (${before.wasm} bytes, ${before.table} slots)`,
  );
  assert.equal(last.wasm, before.wasm, "wasm linear memory grew after warm-up");
  assert.ok(
    last.table <= before.table,
    `externref table grew after warm-up: ${before.table} -> ${last.table} (leaked JS handles)`,
  );
});
