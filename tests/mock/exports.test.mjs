import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as esm from "../../mock/index.mjs";
import * as detected from "../../mock/server.cjs";

const require = createRequire(import.meta.url);
const read = (name) => readFileSync(new URL(`../../mock/${name}`, import.meta.url), "utf8");

test("the ESM entry and the CommonJS module export the same names and values", () => {
  const cjs = require("../../mock/server.cjs");
  assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).sort());
  // biome-ignore lint/performance/noDynamicNamespaceImportAccess: comparing every export by name is the test
  for (const name of Object.keys(cjs)) assert.equal(esm[name], cjs[name], name);
});

test("Node's ESM loader detects the CommonJS named exports", () => {
  assert.equal(typeof detected.startMockServer, "function");
  assert.equal(typeof detected.loadScenario, "function");
  assert.ok(Array.isArray(detected.FAULT_TYPES));
});

test("index.d.ts declares every export and fault type", () => {
  const dts = read("index.d.ts");
  for (const name of Object.keys(esm)) assert.match(dts, new RegExp(`export declare (function|const) ${name}\\b`));
  for (const type of esm.FAULT_TYPES) assert.match(dts, new RegExp(`['"]${type}['"]`), type);
  assert.doesNotMatch(dts, /reference\s+lib="dom"|\bResponse\b|\bRequestInit\b/);
});

test("the README documents every fault type, option, server method and CLI flag", async () => {
  const readme = read("README.md");
  for (const type of esm.FAULT_TYPES) assert.ok(readme.includes(`\`${type}\``), type);
  const { DEFAULTS } = await import("../../mock/lib/options.cjs");
  const options = Object.keys(DEFAULTS);
  assert.equal(options.length, 15);
  for (const option of options) assert.ok(readme.includes(`\`${option}\``), option);
  for (const method of [
    "setFault",
    "removeFault",
    "clearFaults",
    "setInstance",
    "removeInstance",
    "resetInstances",
    "revokeTokens",
    "resetRequests",
    "close",
  ]) {
    assert.ok(readme.includes(`${method}(`), method);
  }
  assert.match(readme, /npx koophone-mock/);
  for (const flag of ["--port", "--host", "--latency", "--rate-limit", "--max-ids", "--scenario", "--help"]) {
    assert.ok(readme.includes(`\`${flag}`), flag);
  }
  assert.doesNotMatch(readme, /cli\.cjs/, "the CLI is documented by its bin name");
});

test("index.d.ts declares every option and server method", () => {
  const dts = read("index.d.ts");
  for (const name of [
    "maxIdsPerRequest",
    "rateLimit",
    "accessKeys",
    "iamUsers",
    "tokenLifetimeMs",
    "iamEchoesPassword",
    "clock",
    "statusTimeline",
    "statusCycle",
    "resetInstances",
    "revokeTokens",
    "response?: RecordedResponse",
    "query: string",
  ]) {
    assert.ok(dts.includes(name), name);
  }
  assert.match(dts, /invalidToken: ['"]APIGW\.0301['"]/);
  assert.match(dts, /rateLimited: ['"]APIGW\.0308['"]/);
});

test("the fleet scenario loads, and its statuses change over time", () => {
  const options = esm.loadScenario(new URL("../../mock/scenarios/fleet.json", import.meta.url).pathname);
  assert.deepEqual(options.tokens, ["fleet-token"]);
  assert.equal(options.instances.length, 9);
  assert.equal(options.instances.filter((i) => i.statusTimeline || i.statusCycle).length, 7);
});

test("the demo scenario loads and has what the demo needs", () => {
  const options = esm.loadScenario(new URL("../../mock/scenarios/demo.json", import.meta.url).pathname);
  assert.deepEqual(options.tokens, ["demo-token"]);
  const statuses = new Set(options.instances.map((i) => i.status));
  for (const s of [0, 1, 2, 3, 4, 5, 7]) assert.ok(statuses.has(s), `status ${s}`);
  assert.ok(options.instances.every((i) => i.owner === "demo-user"));
  assert.ok(!options.instances.some((i) => i.id === "ghost001"));
  assert.match(JSON.parse(read("scenarios/demo.json")).description, /ghost001/);
});
