// How the package behaves as a dependency: CommonJS, process lifetime, typings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { PKG_DIR, TOKEN } from "./support.mjs";
import { compile } from "./tsc.mjs";

const run = promisify(execFile);

test("CommonJS require works and a Node script exits by itself once calls settle", async () => {
  const script = `
    const { batchStatus, waitPrepared, KooPhoneError } = require(${JSON.stringify(join(PKG_DIR, "index.cjs"))});
    const { startMockServer } = require(${JSON.stringify(join(PKG_DIR, "mock", "server.cjs"))});
    (async () => {
      const server = await startMockServer({ tokens: [${JSON.stringify(TOKEN)}], instances: [{ id: "a", status: 2, owner: "u", prepare: [{ status: 1, waitingCount: 1 }, { status: 0, waitingCount: 0 }] }] });
      const opts = { token: ${JSON.stringify(TOKEN)}, endpoint: server.url, timeoutMs: 60000, minDelayMs: 5 };
      const r = await batchStatus(["a", "b"], opts);
      const w = await waitPrepared({ userId: "u", instanceId: "a" }, opts);
      const e = await batchStatus(["a"], { ...opts, token: "nope" }).catch((e) => e);
      server.setFault({ type: "hang" });
      const c = new AbortController();
      setTimeout(() => c.abort(), 20);
      const a = await batchStatus(["a"], { ...opts, signal: c.signal }).catch((e) => e);
      await server.close();
      console.log(JSON.stringify({ state: r.statuses[0].state, missing: r.missing, wait: w.state, err: e instanceof KooPhoneError && e.code, aborted: a.code }));
    })();`;
  const started = Date.now();
  const { stdout } = await run(process.execPath, ["-e", script], { timeout: 10_000 });
  assert.deepEqual(JSON.parse(stdout), {
    state: "running",
    missing: ["b"],
    wait: "normal",
    err: "HTTP",
    aborted: "ABORTED",
  });
  // A 60 s attempt timer or a 5 s poll timer left behind would hold the process open.
  assert.ok(Date.now() - started < 5_000, "the process exited promptly");
});

test("typings compile under tsc --strict without DOM or Node types, and reject wrong calls", async () => {
  // usage.ts holds right calls and, under @ts-expect-error, wrong ones: both must hold.
  const output = await compile("usage.ts", readFileSync(new URL("./types/usage.ts", import.meta.url), "utf8"));
  assert.equal(output, "", `tsc failed:\n${output}`);
});
