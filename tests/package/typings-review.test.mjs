// Typings that must match what the runtime accepts (see types/review.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { compile } from "./tsc.mjs";
import { join } from "node:path";
import { lib, PKG_DIR } from "./support.mjs";

test("types/review.ts compiles under tsc --strict", async () => {
  const source = readFileSync(new URL("./types/review.ts", import.meta.url), "utf8");
  const errors = await compile("review.ts", source);
  assert.equal(errors, "", `tsc:\n${errors}`);
});

test("what types/review.ts types is what the runtime does", () => {
  assert.equal(typeof lib.createClient().batchStatus, "function");
  const first = new lib.KooPhoneError("chunk", { code: "HTTP", httpStatus: 503 });
  const error = new lib.KooPhoneError("every chunk failed", {
    code: "HTTP",
    errors: [{ instanceIds: ["a"], error: first }],
  });
  assert.equal(error.errors[0].error, first);
  assert.deepEqual(error.toJSON().errors, [{ instanceIds: ["a"], error: first.toJSON() }]);
  assert.equal(new lib.KooPhoneError("x").code, "INTERNAL");
});

test("the proxy's MAX_REQUEST_BYTES, typed in proxy.d.ts, is what the proxy exports", async () => {
  const proxy = await import(join(PKG_DIR, "proxy.mjs"));
  assert.equal(proxy.MAX_REQUEST_BYTES, 64 * 1024);
});
