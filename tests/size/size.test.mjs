// Size budget of the shipped artefacts (run by scripts/test-size.sh after scripts/pack.sh).
// Budgets live in bench/size-budget.json; gzip sizes are Node zlib at level 9 (as `gzip -9`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const at = (...p) => join(root, ...p);
const budget = JSON.parse(readFileSync(at("bench", "size-budget.json"), "utf8"));
const kb = (n) => `${n} bytes (${(n / 1024).toFixed(1)} KiB)`;

function read(path) {
  assert.ok(existsSync(path), `${path} is missing: run scripts/pack.sh first`);
  return readFileSync(path);
}

/** Entries of a ustar archive: { name, size, data }. */
function untar(buffer) {
  const entries = [];
  for (let off = 0; off + 512 <= buffer.length; ) {
    const header = buffer.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, len) =>
      header
        .subarray(start, start + len)
        .toString("latin1")
        .replace(/\0.*$/s, "");
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : "") + field(0, 100);
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1);
    const data = buffer.subarray(off + 512, off + 512 + size);
    if (type === "0" || type === "") entries.push({ name, size, data });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

const wasm = read(at("build", "koophone_wasm.wasm"));
const tarball = read(at("build", "koophone-wasm.tgz"));
const entries = untar(gunzipSync(tarball));

test("wasm gzip size is within budget", () => {
  const gz = gzipSync(wasm, { level: 9 }).length;
  assert.ok(
    gz <= budget.wasmGzipBytes,
    `build/koophone_wasm.wasm is ${kb(gz)} gzip, over the budget of ${kb(budget.wasmGzipBytes)} (bench/size-budget.json)`,
  );
});

/** A file of the tarball, by its path in the package. */
function shipped(file) {
  const entry = entries.find((e) => e.name === `package/${file}`);
  assert.ok(entry, `${file} not in the tarball`);
  return entry.data;
}

// The entries that load koophone_wasm.wasm from next to themselves, and those that inline it.
const FILE_ENTRIES = ["index.mjs", "index.browser.mjs", "index.cjs"];
const INLINE_ENTRIES = ["inline/index.mjs", "inline/index.cjs"];

test("the wasm measured is the one shipped: the .wasm file, and inlined in the inline entries only", () => {
  assert.ok(
    shipped("koophone_wasm.wasm").equals(wasm),
    "package/koophone_wasm.wasm differs from build/koophone_wasm.wasm: re-run scripts/pack.sh",
  );
  for (const file of INLINE_ENTRIES) {
    const base64 = shipped(file)
      .toString("utf8")
      .match(/"(AGFzbQ[A-Za-z0-9+/=]+)"/)?.[1];
    assert.ok(base64, `no inlined wasm (base64 starting AGFzbQ) in ${file}`);
    assert.ok(
      Buffer.from(base64, "base64").equals(wasm),
      `${file} inlines a different wasm than build/koophone_wasm.wasm: re-run scripts/pack.sh`,
    );
  }
  for (const file of FILE_ENTRIES) {
    assert.doesNotMatch(
      shipped(file).toString("utf8"),
      /AGFzbQ/,
      `${file} inlines the module; it should load koophone_wasm.wasm`,
    );
  }
});

test("JS entries that load the .wasm file are within budget (gzip); sizes of every shipped entry", (t) => {
  for (const file of [...FILE_ENTRIES, ...INLINE_ENTRIES, "koophone_wasm.wasm"]) {
    const data = shipped(file);
    t.diagnostic(`${file}: ${data.length} B raw, ${gzipSync(data, { level: 9 }).length} B gzip`);
  }
  for (const file of FILE_ENTRIES) {
    const gz = gzipSync(shipped(file), { level: 9 }).length;
    assert.ok(
      gz <= budget.entryGzipBytes,
      `${file} is ${kb(gz)} gzip, over the budget of ${kb(budget.entryGzipBytes)} (bench/size-budget.json)`,
    );
  }
});

test("packed tarball size is within budget", () => {
  assert.ok(
    tarball.length <= budget.tarballBytes,
    `build/koophone-wasm.tgz is ${kb(tarball.length)}, over the budget of ${kb(budget.tarballBytes)}`,
  );
});

test("unpacked package size is within budget and ships no stray files", () => {
  const unpacked = entries.reduce((sum, e) => sum + e.size, 0);
  assert.ok(
    unpacked <= budget.unpackedBytes,
    `the package unpacks to ${kb(unpacked)}, over the budget of ${kb(budget.unpackedBytes)}`,
  );
  const stray = entries.filter((e) =>
    /\.(map|rs|ts\.map|tgz)$|(^|\/)(src|target|tests?)\//.test(e.name.replace(/^package\//, "")),
  );
  assert.deepEqual(
    stray.map((e) => e.name),
    [],
    "unexpected files in the tarball (source maps, sources, tests)",
  );
  const wasmFiles = entries.filter((e) => e.name.endsWith(".wasm")).map((e) => e.name);
  assert.deepEqual(wasmFiles, ["package/koophone_wasm.wasm"], "exactly one .wasm, next to the entries");
});
