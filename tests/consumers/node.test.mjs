// Node consumers: ESM `import` and CommonJS `require` of the installed tarball, concurrent
// first calls, calls after failures; on this Node and on Node 18 and 22 from the npm registry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { SCENARIO, VERSIONS, describeRun, fixture, project, run } from "./support.mjs";

const consumer = await project("node", {
  files: {
    "scenario.json": JSON.stringify(SCENARIO),
    "esm.mjs": fixture("node/esm.mjs"),
    "cjs.cjs": fixture("node/cjs.cjs"),
    "count-wasm.cjs": fixture("node/count-wasm.cjs"),
    "concurrent.mjs": fixture("node/concurrent.mjs"),
    "concurrent.cjs": fixture("node/concurrent.cjs"),
    "after-failure.mjs": fixture("node/after-failure.mjs"),
  },
});

/** Node binaries: this one, and 18 and 22 installed from the npm registry (`node` package). */
async function runtimes() {
  const found = [{ label: `node ${process.versions.node.split(".")[0]}`, bin: process.execPath }];
  for (const key of ["node18", "node22"]) {
    const major = key.slice(4);
    if (found[0].label === `node ${major}`) continue;
    try {
      const { dir } = await project(key, { withPackage: false, dependencies: { node: VERSIONS[key] } });
      const bin = join(dir, "node_modules", "node", "bin", "node");
      const version = await run(bin, ["--version"]);
      if (!existsSync(bin) || version.code !== 0) throw new Error(describeRun(bin, version));
      found.push({ label: `node ${major}`, bin, version: version.stdout.trim() });
    } catch (error) {
      found.push({ label: `node ${major}`, skip: `node@${VERSIONS[key]} not installable from the registry: ${String(error.message).split("\n")[0]}` });
    }
  }
  return found.sort((a, b) => Number(a.label.slice(5)) - Number(b.label.slice(5)));
}

const SCRIPTS = [
  ["ESM import: batchStatus, createClient, KooPhoneError instanceof", ["esm.mjs"]],
  ["CommonJS require: batchStatus, createClient, KooPhoneError instanceof", ["cjs.cjs"]],
  ["ESM: 10 concurrent first calls, one instantiation", ["-r", "./count-wasm.cjs", "concurrent.mjs"]],
  ["CommonJS: 10 concurrent first calls, one instantiation", ["-r", "./count-wasm.cjs", "concurrent.cjs"]],
  ["calls after a failed init, HTTP error, bad argument, refused connection, abort succeed", ["-r", "./count-wasm.cjs", "after-failure.mjs"]],
];

for (const runtime of await runtimes()) {
  for (const [name, args] of SCRIPTS) {
    test(`${runtime.label}: ${name}`, { skip: runtime.skip ?? false, timeout: 60_000 }, async () => {
      const result = await run(runtime.bin, args, { cwd: consumer.dir, timeout: 50_000 });
      assert.equal(result.code, 0, describeRun(`${runtime.label} ${args.join(" ")}`, result));
      const report = JSON.parse(result.stdout.trim().split("\n").pop());
      assert.equal(report.ok, true);
      assert.equal(report.node.split(".")[0], `v${runtime.label.slice(5)}`);
    });
  }
}

// Vite and webpack accept top-level await in production builds by now, so prove its absence
// directly: Node 22's require() of an ES module refuses modules with top-level await
// (ERR_REQUIRE_ASYNC_MODULE), so loading index.mjs that way shows there is none.
const node22 = (await runtimes()).find((r) => r.label === "node 22");
test("index.mjs has no top-level await (Node 22 require(esm) loads it synchronously)", { skip: node22?.skip ?? (node22 ? false : "no Node 22") }, async () => {
  const script = 'const m = require("./node_modules/koophone-wasm/index.mjs"); if (typeof m.batchStatus !== "function") process.exit(2); console.log("ok")';
  const result = await run(node22.bin, ["--no-warnings", "-e", script], { cwd: consumer.dir, timeout: 30_000 });
  assert.equal(result.code, 0, describeRun("node 22 require(index.mjs)", result));
  assert.equal(result.stdout.trim(), "ok");
});
