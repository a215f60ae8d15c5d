// Node consumers: ESM `import` and CommonJS `require` of the installed tarball, concurrent
// first calls, calls after failures, for the default entries (koophone_wasm.wasm read from
// disk) and the koophone-wasm/inline entries; on this Node and on Node 18 and 22 from the
// npm registry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONSUMERS, SCENARIO, VERSIONS, describeRun, fixture, project, run } from "./support.mjs";

const SCRIPT_FILES = ["esm.mjs", "cjs.cjs", "concurrent.mjs", "concurrent.cjs", "after-failure.mjs"];

/** A fixture rewritten for the inline entry: imports and the resolved-path checks. */
const inlined = (text) =>
  text
    .replaceAll('"koophone-wasm"', '"koophone-wasm/inline"')
    .replaceAll("koophone-wasm\\/index", "koophone-wasm\\/inline\\/index");

const consumer = await project("node", {
  files: {
    "scenario.json": JSON.stringify(SCENARIO),
    "count-wasm.cjs": fixture("node/count-wasm.cjs"),
    ...Object.fromEntries(SCRIPT_FILES.map((f) => [f, fixture(`node/${f}`)])),
    ...Object.fromEntries(SCRIPT_FILES.map((f) => [`inline/${f}`, inlined(fixture(`node/${f}`))])),
    "inline/scenario.json": JSON.stringify(SCENARIO),
    "inline/count-wasm.cjs": fixture("node/count-wasm.cjs"),
  },
});

// The installed package without its koophone_wasm.wasm, for the test that the default
// entries read that file and the inline ones do not need it.
const noWasm = join(CONSUMERS, "node-no-wasm");
rmSync(noWasm, { recursive: true, force: true });
mkdirSync(join(noWasm, "node_modules"), { recursive: true });
cpSync(join(consumer.dir, "node_modules", "koophone-wasm"), join(noWasm, "node_modules", "koophone-wasm"), {
  recursive: true,
  filter: (src) => !src.endsWith(".wasm"),
});
writeFileSync(join(noWasm, "no-wasm.mjs"), fixture("node/no-wasm.mjs"));
assert.equal(existsSync(join(noWasm, "node_modules", "koophone-wasm", "index.mjs")), true);
assert.equal(existsSync(join(noWasm, "node_modules", "koophone-wasm", "koophone_wasm.wasm")), false);

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
      found.push({
        label: `node ${major}`,
        skip: `node@${VERSIONS[key]} not installable from the registry: ${String(error.message).split("\n")[0]}`,
      });
    }
  }
  return found.sort((a, b) => Number(a.label.slice(5)) - Number(b.label.slice(5)));
}

const SCRIPTS = [
  ["ESM import: batchStatus, createClient, KooPhoneError instanceof", ["esm.mjs"]],
  ["CommonJS require: batchStatus, createClient, KooPhoneError instanceof", ["cjs.cjs"]],
  ["ESM: 10 concurrent first calls, one instantiation", ["-r", "./count-wasm.cjs", "concurrent.mjs"]],
  ["CommonJS: 10 concurrent first calls, one instantiation", ["-r", "./count-wasm.cjs", "concurrent.cjs"]],
  [
    "calls after a failed init, HTTP error, bad argument, refused connection, abort succeed",
    ["-r", "./count-wasm.cjs", "after-failure.mjs"],
  ],
];
const ENTRIES = [
  { label: "koophone-wasm (.wasm file)", cwd: consumer.dir },
  { label: "koophone-wasm/inline", cwd: join(consumer.dir, "inline") },
];

async function runScript(runtime, args, cwd) {
  const result = await run(runtime.bin, args, { cwd, timeout: 50_000 });
  assert.equal(result.code, 0, describeRun(`${runtime.label} ${args.join(" ")}`, result));
  const report = JSON.parse(result.stdout.trim().split("\n").pop());
  assert.equal(report.ok, true);
  assert.equal(report.node.split(".")[0], `v${runtime.label.slice(5)}`);
}

for (const runtime of await runtimes()) {
  for (const entry of ENTRIES) {
    for (const [name, args] of SCRIPTS) {
      test(`${runtime.label}, ${entry.label}: ${name}`, { skip: runtime.skip ?? false, timeout: 60_000 }, () =>
        runScript(runtime, args, entry.cwd),
      );
    }
  }
  test(
    `${runtime.label}: without koophone_wasm.wasm the default entries fail INTERNAL naming the file and koophone-wasm/inline; the inline entries start`,
    { skip: runtime.skip ?? false, timeout: 60_000 },
    () => runScript(runtime, ["no-wasm.mjs"], noWasm),
  );
}

// Vite and webpack accept top-level await in production builds by now, so prove its absence
// directly: Node 22's require() of an ES module refuses modules with top-level await
// (ERR_REQUIRE_ASYNC_MODULE), so loading each ESM entry that way shows there is none.
const node22 = (await runtimes()).find((r) => r.label === "node 22");
for (const file of ["index.mjs", "index.browser.mjs", "inline/index.mjs"]) {
  test(`${file} has no top-level await (Node 22 require(esm) loads it synchronously)`, {
    skip: node22?.skip ?? (node22 ? false : "no Node 22"),
  }, async () => {
    const script = `const m = require("./node_modules/koophone-wasm/${file}"); if (typeof m.batchStatus !== "function") process.exit(2); console.log("ok")`;
    const result = await run(node22.bin, ["--no-warnings", "-e", script], { cwd: consumer.dir, timeout: 30_000 });
    assert.equal(result.code, 0, describeRun(`node 22 require(${file})`, result));
    assert.equal(result.stdout.trim(), "ok");
  });
}
