// How often the module calls out to JavaScript (issue 12: at most 12 wasm->JS calls for a
// 1-ID batchStatus, at most 6 more per extra request). Every import of the module is
// wrapped with a counter before the library instantiates it, so nothing is missed.
import { test } from "node:test";
import assert from "node:assert/strict";

const counts = { calls: 0, byName: new Map() };
const Instance = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(Instance, {
  construct(target, [module, imports], newTarget) {
    const wrapped = {};
    for (const [space, fns] of Object.entries(imports ?? {})) {
      wrapped[space] = {};
      for (const [name, value] of Object.entries(fns)) {
        wrapped[space][name] =
          typeof value === "function"
            ? (...args) => {
                counts.calls++;
                counts.byName.set(name, (counts.byName.get(name) ?? 0) + 1);
                return value(...args);
              }
            : value;
      }
    }
    return Reflect.construct(target, [module, wrapped], newTarget);
  },
});

const { lib, mockFor, opts } = await import("./support.mjs");

async function crossingsOf(call) {
  counts.calls = 0;
  counts.byName.clear();
  await call();
  return counts.calls;
}

test("a 1-ID batchStatus crosses from wasm to JS at most 12 times, 6 more per extra request", async (t) => {
  const server = await mockFor(t, { count: 70 });
  await lib.batchStatus(["id000"], opts(server)); // instantiate; warm up
  assert.ok(counts.byName.size > 0, "the module's imports were wrapped");
  const one = await crossingsOf(() => lib.batchStatus(["id000"], opts(server)));
  const ids = Array.from({ length: 70 }, (_, i) => `id${String(i).padStart(3, "0")}`);
  const three = await crossingsOf(() => lib.batchStatus(ids, opts(server)));
  console.log(
    `# crossings: 1 ID ${one}, 70 IDs (3 requests) ${three}; by import: ${JSON.stringify(Object.fromEntries(counts.byName))}`,
  );
  // The budget is 12 and 12 + 2 x 6; the design needs one host call per request and one to
  // settle, and exact counts make any regression visible.
  assert.equal(one, 2, "1-ID batchStatus: host.send + host.settle");
  assert.equal(three, 4, "3 requests: 3 x host.send + host.settle");
});

test("a waitPrepared of two polls crosses 6 times: send, notify, sleep, send, notify, settle", async (t) => {
  const server = await mockFor(t, {
    extra: [
      {
        id: "p1",
        status: 4,
        owner: "u1",
        prepare: [
          { status: 1, waitingCount: 2 },
          { status: 0, waitingCount: 0 },
        ],
      },
    ],
  });
  const n = await crossingsOf(() =>
    lib.waitPrepared({ userId: "u1", instanceId: "p1" }, opts(server, { minDelayMs: 200, onProgress: () => {} })),
  );
  assert.equal(n, 6, JSON.stringify(Object.fromEntries(counts.byName)));
});
