// The `koophone` CLI where users go wrong: no command, mistyped flags, values the library
// refuses (named by the flag the user typed), and a reader that closes the pipe early.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { mockFor, PKG_DIR, TOKEN } from "./support.mjs";

const CLI = join(PKG_DIR, "cli", "koophone.mjs");

/** Run the CLI with only the given environment; resolves with { code, signal, stdout, stderr }. */
function run(args, env = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end();
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

test("no command: the help goes to stderr and the exit code is 2, like every usage error", async () => {
  const r = await run([]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^koophone: KooPhone .*\n\nCommands:\n/);
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.equal(help.stdout, r.stderr, "--help prints the same text, on stdout");
});

test("an unknown flag is named without Node's advice about positionals", async () => {
  const r = await run(["status", "--colour", "a1"]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    "koophone: Unknown option '--colour'\nusage: koophone status <id…> | --ids-file FILE | -  [--json | --ndjson]\n",
  );
});

test("the help of every command lists the ways to give IDs it accepts", async () => {
  for (const command of ["status", "wait-state", "watch"]) {
    const r = await run([command, "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: koophone \S+ .*<id…> \| --ids-file FILE \| -/, command);
  }
  const main = await run(["--help"]);
  assert.match(main.stdout, /Every command but token takes --endpoint URL/);
});

test("values the library refuses are reported by the flag the user typed", async (t) => {
  const server = await mockFor(t, { extra: [{ id: "run00001", status: 2, owner: "u1" }] });
  const env = { KOOPHONE_TOKEN: TOKEN, KOOPHONE_ENDPOINT: server.url };
  const cases = [
    [
      ["wait-prepared", "--user", "u1", "--instance", "run00001", "--max-wait-ms", "0"],
      "koophone: --max-wait-ms must be a whole number from 1 to 2147483647, got 0 (code INVALID_ARGUMENT)\n",
    ],
    [
      ["watch", "run00001", "--interval-ms", "50"],
      "koophone: --interval-ms must be at least 100, got 50 (code INVALID_ARGUMENT)\n",
    ],
    [
      ["wait-state", "runing", "run00001"],
      "koophone: <state> takes state names, several as a,b: unknown, stopped, running, offline, starting, shutdown, unrecognized (code INVALID_ARGUMENT)\n",
    ],
    [
      ["wait-state", "running", "run00001", "--fail-on", "shutdwn"],
      "koophone: --fail-on takes state names, several as a,b: unknown, stopped, running, offline, starting, shutdown, unrecognized (code INVALID_ARGUMENT)\n",
    ],
  ];
  for (const [args, stderr] of cases) {
    const r = await run(args, env);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr, stderr);
  }
});

test("one poll and one round are counted in the singular", async (t) => {
  const server = await mockFor(t, { extra: [{ id: "run00001", status: 2, owner: "u1" }] });
  const env = { KOOPHONE_TOKEN: TOKEN, KOOPHONE_ENDPOINT: server.url };
  const prepared = await run(["wait-prepared", "--user", "u1", "--instance", "run00001"], env);
  assert.equal(prepared.code, 0, prepared.stderr);
  assert.match(prepared.stdout, /\nready: run00001 \(1 poll, \d+\.\d s\)\n$/);
  const state = await run(["wait-state", "running", "run00001"], env);
  assert.equal(state.code, 0, state.stderr);
  assert.match(state.stdout, /\nall 1 running \(1 round, \d+\.\d s\)\n$/);
});

test("watch piped into a reader that stops (| head -1) exits 0 quietly at its next write", async (t) => {
  const server = await mockFor(t, { extra: [{ id: "cycle001", statusCycle: { statuses: [2, 3], stepMs: 100 } }] });
  const child = spawn(process.execPath, [CLI, "watch", "cycle001", "--interval-ms", "100"], {
    env: { PATH: process.env.PATH, KOOPHONE_TOKEN: TOKEN, KOOPHONE_ENDPOINT: server.url },
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  // A watch that ignores the closed pipe never ends: stop it so the assertions report that.
  const stuck = setTimeout(() => child.kill("SIGKILL"), 20_000);
  t.after(() => clearTimeout(stuck));
  child.stdout.once("data", () => child.stdout.destroy());
  const [code, signal] = await new Promise((resolve) => child.on("close", (c, s) => resolve([c, s])));
  assert.equal(signal, null, "the watch ended by itself");
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
});
