// How the package behaves as a dependency: CommonJS, process lifetime, typings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync, cpSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { promisify } from "node:util";
import { PKG_DIR, TOKEN } from "./support.mjs";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

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
  const dir = join(ROOT, "build", "types-check");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(PKG_DIR, join(dir, "node_modules", "koophone-wasm"));
  cpSync(new URL("./types/usage.ts", import.meta.url), join(dir, "usage.ts"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2022",
        lib: ["ES2022"],
        types: [],
        module: "Node16",
        moduleResolution: "Node16",
      },
      files: ["globals.d.ts", "usage.ts"],
    }),
  );
  // console is not in lib ES2022; declare it the way a Node-free project would.
  writeFileSync(join(dir, "globals.d.ts"), "declare const console: { log(...args: unknown[]): void };\n");
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const compiled = await run(process.execPath, [tsc, "-p", dir]).catch((e) => e);
  assert.equal(compiled.code, undefined, `tsc failed:\n${compiled.stdout}`);
});
