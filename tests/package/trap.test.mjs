// A trap inside the module (issue 11, item 3) fails the call it happened in with INTERNAL,
// and later calls work on a fresh instance. Nothing the library accepts makes the module
// trap any more (inputs are bounded), so the test makes one: the module's instances are
// wrapped so that `call_exchanged` traps once, as an out-of-memory or a bug would.
import { test } from "node:test";
import assert from "node:assert/strict";

let instances = 0;
let trapsLeft = 0;
const Instance = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(Instance, {
  construct(target, args, newTarget) {
    const instance = Reflect.construct(target, args, newTarget);
    if (typeof instance.exports.knownOptions !== "function") return instance;
    instances++;
    const exchanged = instance.exports.call_exchanged;
    const exports = {
      ...instance.exports,
      call_exchanged(...a) {
        if (trapsLeft > 0) {
          trapsLeft--;
          throw new WebAssembly.RuntimeError("unreachable");
        }
        return exchanged(...a);
      },
    };
    return { exports };
  },
});

const { lib, mockFor, opts } = await import("./support.mjs");

test("a trap fails that call with INTERNAL; the next call works on a fresh instance", async (t) => {
  const server = await mockFor(t, { count: 3 });
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);
  t.after(() => process.off("unhandledRejection", onUnhandled));

  await lib.batchStatus(["id000"], opts(server));
  assert.equal(instances, 1);
  trapsLeft = 1;
  const error = await lib.batchStatus(["id001"], opts(server)).catch((e) => e);
  assert.ok(lib.isKooPhoneError(error), String(error));
  assert.equal(error.code, "INTERNAL");
  assert.match(error.message, /unreachable/);

  const after = await lib.batchStatus(["id000", "id002"], opts(server));
  assert.deepEqual(
    after.statuses.map((s) => s.instanceId),
    ["id000", "id002"],
  );
  assert.equal(instances, 2, "a fresh instance after the trap");
  assert.equal(trapsLeft, 0);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(unhandled, []);
});
