import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { batch, prepare, headersFor } from "./helpers.mjs";

const CLI = fileURLToPath(new URL("../../mock/cli.cjs", import.meta.url));
const DEMO = fileURLToPath(new URL("../../mock/scenarios/demo.json", import.meta.url));
const LINE = /^KooPhone mock listening on (http:\/\/127\.0\.0\.1:\d+)\n$/;

/** Runs the CLI to completion. */
async function runCli(args) {
  const child = spawn(process.execPath, [CLI, ...args]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const [code] = await once(child, "exit");
  return { code, stdout, stderr };
}

/** Starts the CLI and resolves once it printed its line. */
async function startCli(t, args) {
  const child = spawn(process.execPath, [CLI, ...args]);
  t.after(() => child.kill("SIGKILL"));
  let stdout = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  while (!stdout.includes("\n")) await once(child.stdout, "data");
  const match = LINE.exec(stdout);
  assert.ok(match, `unexpected output: ${stdout}`);
  return { child, url: match[1], output: () => stdout };
}

for (const signal of ["SIGTERM", "SIGINT"]) {
  test(`the CLI prints one line, serves, and exits 0 on ${signal}`, async (t) => {
    const { child, url, output } = await startCli(t, ["--port", "0", "--latency", "1"]);
    const res = await batch({ url }, ["a1"]);
    assert.equal(res.status, 200);
    child.kill(signal);
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
    assert.match(output(), LINE);
  });
}

test("the CLI serves the demo scenario", async (t) => {
  const { child, url } = await startCli(t, ["--port", "0", "--scenario", DEMO]);
  const server = { url };
  const headers = headersFor({ "x-auth-token": "demo-token" });
  const all = ["a44uhlf7", "stopped01", "running01", "prep-fail", "prep-ok", "shutdown01", "mystery07", "ghost001"];
  const results = (await batch(server, all, { headers })).json.data.status_results;
  assert.deepEqual(
    results.map((r) => r.status),
    [0, 1, 2, 3, 4, 5, 7],
  );
  assert.ok(!results.some((r) => r.instance_id === "ghost001"));
  const steps = [];
  for (let i = 0; i < 6; i += 1) steps.push((await prepare(server, "demo-user", "prep-ok", { headers })).json.data);
  assert.deepEqual(
    steps.map((s) => [s.status, s.waitingCount]),
    [
      [1, 3],
      [1, 2],
      [1, 1],
      [2, 0],
      [0, 0],
      [0, 0],
    ],
  );
  const fail = [];
  for (let i = 0; i < 4; i += 1)
    fail.push((await prepare(server, "demo-user", "prep-fail", { headers })).json.data.status);
  assert.deepEqual(fail, [1, 1, -1, -1]);
  assert.equal((await prepare(server, "someone", "prep-ok", { headers })).status, 400);
  child.kill("SIGTERM");
  assert.deepEqual(await once(child, "exit"), [0, null]);
});

test("--help prints usage under the bin name, pointing at the package README, and exits 0", async () => {
  const { code, stdout } = await runCli(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: koophone-mock \[options\]\n/);
  assert.match(stdout, /--port.*--host.*--latency.*--rate-limit.*--max-ids.*--scenario.*--help/s);
  assert.match(stdout, /koophone-wasm README/);
  assert.doesNotMatch(stdout, /cli\.cjs|mock\/README/, "names a file the package does not ship");
});

test("--rate-limit and --max-ids configure the gateway limit and the IDs per request", async (t) => {
  const { url } = await startCli(t, ["--port", "0", "--rate-limit", "0.001", "--max-ids", "2"]);
  const server = { url };
  assert.equal((await batch(server, ["a1", "b2", "c3"])).status, 400);
  const limited = await batch(server, ["a1"]);
  assert.equal(limited.status, 429);
  assert.equal(limited.json.error_code, "APIGW.0308");
});

test("bad flags exit non-zero with a message on stderr", async () => {
  const bad = [
    ["--bogus"],
    ["--port", "eighty"],
    ["--port", "70000"],
    ["--latency", "-1"],
    ["extra"],
    ["--rate-limit", "0"],
    ["--max-ids", "101"],
  ];
  for (const args of bad) {
    const { code, stdout, stderr } = await runCli(args);
    assert.notEqual(code, 0, args.join(" "));
    assert.equal(stdout, "");
    assert.match(stderr, /koophone-mock: .+\n.*--help/s);
  }
});

test("an invalid or missing scenario file exits non-zero naming the file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "koophone-mock-"));
  const files = {
    "not-json.json": "{ nope",
    "bad-instance.json": JSON.stringify({ instances: [{ id: "x", status: "up" }] }),
    "unknown-key.json": JSON.stringify({ port: 1 }),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  for (const name of [...Object.keys(files), "absent.json"]) {
    const { code, stderr } = await runCli(["--scenario", join(dir, name)]);
    assert.notEqual(code, 0, name);
    assert.ok(stderr.includes(name), stderr);
  }
});

test("a taken port exits 1 with a message", async (t) => {
  const { url } = await startCli(t, ["--port", "0"]);
  const { code, stderr } = await runCli(["--port", new URL(url).port]);
  assert.equal(code, 1);
  assert.match(stderr, /EADDRINUSE/);
});
