// The `koophone` CLI as a child process against the mock: each command, terminal
// (a pseudo-terminal from util-linux `script`) and piped output, stdin input,
// every exit code, and Ctrl-C.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mockFor, PKG_DIR, TOKEN, apiRequests } from "./support.mjs";

const CLI = join(PKG_DIR, "cli", "koophone.mjs");
const PASSWORD = "Pw-cli-s3cret!";
const USER = { domainName: "acme", userName: "carol", password: PASSWORD, projectName: "cn-south-1" };
const KEY = { accessKey: "AK-CLI", secretKey: "SK-cli-s3cret-0123456789" };

const INSTANCES = [
  { id: "run00001", status: 2, owner: "u1" },
  { id: "stop0001", status: 1, owner: "u1" },
  {
    id: "prep-ok",
    status: 4,
    owner: "u1",
    prepare: [
      { status: 1, waitingCount: 2 },
      { status: 0, waitingCount: 0 },
    ],
  },
  {
    id: "prep-bad",
    status: 4,
    owner: "u1",
    prepare: [
      { status: 1, waitingCount: 1 },
      { status: -1, waitingCount: 0 },
    ],
  },
  { id: "prep-slow", status: 4, owner: "u1", prepare: [{ status: 1, waitingCount: 9 }] },
  {
    id: "boot0001",
    statusTimeline: [
      { atMs: 0, status: 4 },
      { atMs: 300, status: 2 },
    ],
  },
  {
    id: "dies0001",
    statusTimeline: [
      { atMs: 0, status: 4 },
      { atMs: 300, status: 5 },
    ],
  },
];

async function mock(t, extra = {}) {
  return mockFor(t, { extra: INSTANCES, iamUsers: [USER], accessKeys: [KEY], ...extra });
}

/** Only the variables a test gives (plus PATH/HOME/TERM), so the caller's environment cannot leak in. */
function cleanEnv(env) {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TERM: "xterm-256color", ...env };
}

/**
 * Run the CLI. `tty: true` runs it in a pseudo-terminal. `onOutput(text, child)` sees
 * stdout as it arrives. Resolves with { code, stdout, stderr, endedAt }.
 */
function run(args, { env = {}, input, tty = false, onOutput } = {}) {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const child = tty
    ? spawn("script", ["-qefc", quoted, "/dev/null"], { env: cleanEnv(env) })
    : spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env) });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
    onOutput?.(stdout, child);
  });
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end(input);
  return new Promise((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr, endedAt: performance.now() })),
  );
}

const tokenEnv = (server) => ({ KOOPHONE_TOKEN: TOKEN, KOOPHONE_ENDPOINT: server.url });

test("status: a table with counts and the IDs not reported (exit 3), JSON, NDJSON, stdin and a file", async (t) => {
  const server = await mock(t);
  const env = tokenEnv(server);
  const table = await run(["status", "run00001", "stop0001", "ghost001"], { env });
  assert.equal(table.code, 3, table.stderr);
  assert.equal(
    table.stdout,
    "INSTANCE     STATE\nrun00001     running\nstop0001     stopped\nghost001     not reported\n\n1 running, 1 stopped, 1 not reported\nnot reported: ghost001\n",
  );
  assert.ok(!table.stdout.includes("\x1b["), "no colour when piped");

  const json = await run(["status", "-", "--json"], { env, input: "run00001\nstop0001  # comment\n" });
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), {
    statuses: [
      { instanceId: "run00001", status: 2, state: "running" },
      { instanceId: "stop0001", status: 1, state: "stopped" },
    ],
    missing: [],
  });

  const dir = mkdtempSync(join(tmpdir(), "koophone-cli-"));
  writeFileSync(join(dir, "ids.txt"), "run00001\nghost001\n");
  const nd = await run(["status", "--ids-file", join(dir, "ids.txt"), "--ndjson"], { env });
  assert.equal(nd.code, 3);
  assert.deepEqual(
    nd.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l)),
    [
      { instanceId: "run00001", status: 2, state: "running" },
      { instanceId: "ghost001", status: null, state: null, missing: true },
    ],
  );
});

test("status on a terminal has colour badges", async (t) => {
  const server = await mock(t);
  const r = await run(["status", "run00001", "stop0001"], { env: tokenEnv(server), tty: true });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(r.stdout.includes("\x1b[32mrunning\x1b[0m"), JSON.stringify(r.stdout));
  assert.ok(r.stdout.includes("\x1b[90mstopped\x1b[0m"));
  assert.ok(r.stdout.includes("1 running, 1 stopped"));
});

test("AK/SK and IAM from the environment; `token` prints only the token", async (t) => {
  const server = await mock(t);
  const signed = await run(["status", "run00001"], {
    env: { HUAWEICLOUD_SDK_AK: KEY.accessKey, HUAWEICLOUD_SDK_SK: KEY.secretKey, KOOPHONE_ENDPOINT: server.url },
  });
  assert.equal(signed.code, 0, signed.stderr);
  assert.match(apiRequests(server).at(-1).headers.authorization, /^SDK-HMAC-SHA256 Access=AK-CLI,/);

  const iamEnv = {
    KOOPHONE_IAM_DOMAIN: USER.domainName,
    KOOPHONE_IAM_USER: USER.userName,
    KOOPHONE_IAM_PASSWORD: PASSWORD,
    KOOPHONE_IAM_PROJECT: USER.projectName,
    KOOPHONE_IAM_ENDPOINT: server.url,
  };
  const viaIam = await run(["status", "run00001", "--endpoint", server.url], { env: iamEnv });
  assert.equal(viaIam.code, 0, viaIam.stderr);
  const tok = await run(["token"], { env: iamEnv });
  assert.equal(tok.code, 0, tok.stderr);
  assert.match(tok.stdout, /^[A-Za-z0-9_-]{100,}$/, "the token and nothing else");
  assert.equal(tok.stderr, "");
  const ok = await fetch(`${server.url}/v1/instances/batch-query-status`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "r1", "x-auth-token": tok.stdout },
    body: JSON.stringify({ instance_ids: ["run00001"] }),
  });
  assert.equal(ok.status, 200, "the printed token works");

  const wrong = await run(["token"], { env: { ...iamEnv, KOOPHONE_IAM_PASSWORD: `${PASSWORD}-wrong` } });
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stdout, "");
  assert.match(wrong.stderr, /^koophone: IAM refused the credentials .*\(code AUTH, HTTP 401/);
  assert.match(
    wrong.stderr,
    /\nkoophone: the IAM login comes from KOOPHONE_IAM_DOMAIN, KOOPHONE_IAM_USER, KOOPHONE_IAM_PASSWORD/,
  );
  assert.ok(!wrong.stderr.includes("Pw-cli-s3cret"));

  const badKeys = await run(["status", "run00001"], {
    env: {
      HUAWEICLOUD_SDK_AK: KEY.accessKey,
      HUAWEICLOUD_SDK_SK: "SK-cli-wrong-0123456789",
      KOOPHONE_ENDPOINT: server.url,
    },
  });
  assert.equal(badKeys.code, 1);
  assert.match(badKeys.stderr, /HTTP 401/);
  assert.match(badKeys.stderr, /\nkoophone: the keys come from HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK/);
  assert.ok(!badKeys.stderr.includes("SK-cli-wrong"));
});

test("wait-prepared: progress lines, then ready (0), failed (1), timed out (4); a live line on a terminal", async (t) => {
  const server = await mock(t);
  const env = tokenEnv(server);
  const ok = await run(["wait-prepared", "--user", "u1", "--instance", "prep-ok", "--interval-ms", "100"], { env });
  assert.equal(ok.code, 0, ok.stderr);
  const lines = ok.stdout.trim().split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^queuing · waiting 2 · poll 1 · \d+\.\d s$/);
  assert.match(lines[1], /^normal · waiting 0 · poll 2 · /);
  assert.match(lines[2], /^ready: prep-ok \(2 polls, /);

  const bad = await run(["wait-prepared", "--user", "u1", "--instance", "prep-bad", "--interval-ms", "100"], { env });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /\(code PREPARE_FAILED/);

  const slow = await run(
    ["wait-prepared", "--user", "u1", "--instance", "prep-slow", "--interval-ms", "100", "--max-wait-ms", "300"],
    { env },
  );
  assert.equal(slow.code, 4);
  assert.match(slow.stderr, /\(code WAIT_TIMEOUT/);

  server.resetInstances();
  const live = await run(["wait-prepared", "--user", "u1", "--instance", "prep-ok", "--interval-ms", "100"], {
    env,
    tty: true,
  });
  assert.equal(live.code, 0, live.stdout);
  assert.ok(live.stdout.includes("\r\x1b[2Kqueuing · waiting 2"), JSON.stringify(live.stdout));
  assert.ok(live.stdout.includes("\r\x1b[2Kready: prep-ok"));
});

test("usage errors exit 2 (secrets as flags, unknown commands and flags, no credentials); --help exits 0", async (t) => {
  const server = await mock(t);
  const env = tokenEnv(server);
  for (const args of [
    ["status", "run00001", "--token", "x"],
    ["status", "run00001", "--password=x"],
    ["token", "--secret-key", "x"],
    ["frobnicate"],
    ["status", "run00001", "--colour"],
    ["status"],
    ["wait-prepared", "--user", "u1"],
    ["wait-prepared", "--user", "u1", "--instance", "i", "--max-wait-ms", "soon"],
    ["status", "a".repeat(40)],
  ]) {
    const r = await run(args, { env });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^koophone: /);
    assert.equal(r.stdout, "");
  }
  const secret = await run(["status", "x", "--token", "x"], { env });
  assert.match(secret.stderr, /secrets are not accepted as flags \(--token\)/);
  const none = await run(["status", "run00001"], { env: {} });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no credentials in the environment/);
  for (const args of [
    ["--help"],
    ["status", "--help"],
    ["wait-prepared", "-h"],
    ["watch", "--help"],
    ["token", "--help"],
  ]) {
    const r = await run(args, {});
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: koophone|Commands:/);
    assert.equal(r.stderr, "");
  }
  assert.equal(apiRequests(server).length, 0);
});

test("API errors exit 1 with the code and request ID on stderr", async (t) => {
  const server = await mock(t);
  const r = await run(["status", "run00001"], {
    env: { KOOPHONE_TOKEN: "wrong-token-0000", KOOPHONE_ENDPOINT: server.url },
  });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^koophone: HTTP 401 .*\(code HTTP, HTTP 401, APIGW\.0301, request [0-9a-f-]{36}\)\nkoophone: the token comes from KOOPHONE_TOKEN\n$/,
  );
  assert.ok(!r.stderr.includes("wrong-token-0000"));
});

test("Ctrl-C aborts the request in flight and exits 130 within a second", async (t) => {
  const server = await mock(t);
  server.setFault({ endpoint: "prepare-progress", type: "hang", nth: 2 });
  let sentAt = 0;
  let killedAt = 0;
  const r = await run(["wait-prepared", "--user", "u1", "--instance", "prep-slow", "--interval-ms", "100"], {
    env: tokenEnv(server),
    onOutput: (text, child) => {
      if (!sentAt && text.includes("poll 1")) {
        sentAt = performance.now();
        // The second poll is hanging on the mock by now (or about to).
        setTimeout(() => {
          killedAt = performance.now();
          child.kill("SIGINT");
        }, 300);
      }
    },
  });
  assert.ok(sentAt > 0, "progress was printed first");
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /koophone: interrupted/);
  assert.ok(r.endedAt - killedAt < 1000, `exited ${Math.round(r.endedAt - killedAt)} ms after SIGINT`);
  assert.equal(apiRequests(server, "prepare-progress").length, 2, "the hanging poll was in flight");
});

test("wait-state: all running (0), a failOn state (1), a timeout (4)", async (t) => {
  const server = await mock(t);
  const env = tokenEnv(server);
  const ok = await run(["wait-state", "running", "boot0001", "run00001", "--interval-ms", "100"], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /all 2 running/);
  server.resetInstances();
  const dies = await run(["wait-state", "running", "dies0001", "--fail-on", "shutdown", "--interval-ms", "100"], {
    env,
  });
  assert.equal(dies.code, 1);
  assert.match(dies.stderr, /code STATE_FAILED/);
  const slow = await run(["wait-state", "running", "stop0001", "--interval-ms", "100", "--max-wait-ms", "300"], {
    env,
  });
  assert.equal(slow.code, 4);
  assert.match(slow.stderr, /code WAIT_TIMEOUT/);
});

test("watch: NDJSON change events when piped, until Ctrl-C (130)", async (t) => {
  // The mock's clock stands still until the first event is out (see the terminal test below).
  let now = Date.now();
  let booted = false;
  const server = await mock(t, { clock: () => now });
  const r = await run(["watch", "boot0001", "run00001", "--interval-ms", "100"], {
    env: tokenEnv(server),
    onOutput: (text, child) => {
      const lines = text.trim().split("\n").length;
      if (!booted) {
        booted = true;
        now += 1000;
      }
      if (lines >= 2) child.kill("SIGINT");
    },
  });
  assert.equal(r.code, 130);
  const events = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.ok(events.length >= 2);
  assert.deepEqual(
    events[0].changes.map((c) => [c.instanceId, c.previous, c.current?.state]),
    [
      ["boot0001", null, "starting"],
      ["run00001", null, "running"],
    ],
  );
  assert.deepEqual(
    events[1].changes.map((c) => [c.instanceId, c.previous?.state, c.current?.state]),
    [["boot0001", "starting", "running"]],
  );
});

test("watch on a terminal redraws a live table each round, until Ctrl-C (130)", async (t) => {
  // The mock's clock stands still until the first frame is drawn, so boot0001 is still
  // starting in it however long the CLI takes to start under load (its timeline turns at
  // 300 ms); then it moves on a second, and the next round sees boot0001 running.
  let now = Date.now();
  let booted = false;
  const server = await mock(t, { clock: () => now });
  const CLEAR = "\x1b[H\x1b[2J";
  const colours = new RegExp(`${"\x1b"}\\[[0-9;]*m`, "g");
  let interrupted = false;
  const interrupt = () => {
    if (interrupted) return;
    interrupted = true;
    // The pseudo-terminal's program is in a session of its own: Ctrl-C reaches it by PID.
    const pids = execFileSync("pgrep", ["-f", `${CLI} watch`], { encoding: "utf8" })
      .trim()
      .split("\n");
    for (const pid of pids) process.kill(Number(pid), "SIGINT");
  };
  const deadline = setTimeout(interrupt, 10_000); // a hung watch fails the assertions below, not the run
  t.after(() => clearTimeout(deadline));
  const r = await run(["watch", "boot0001", "run00001", "--interval-ms", "100"], {
    env: tokenEnv(server),
    tty: true,
    // The second frame is boot0001's change: rounds without a change redraw nothing.
    onOutput: (text) => {
      const frames = text.split(CLEAR).length - 1;
      if (frames >= 1 && !booted) {
        booted = true;
        now += 1000;
      }
      if (frames >= 2) interrupt();
    },
  });
  assert.equal(r.code, 130, r.stdout + r.stderr);
  const frames = r.stdout
    .split(CLEAR)
    .map((f) => f.replace(colours, ""))
    .filter((f) => f.trim());
  assert.ok(frames.length >= 2, JSON.stringify(r.stdout));
  assert.match(frames[0], /boot0001\s+starting/);
  assert.match(frames[0], /run00001\s+running/);
  assert.match(frames[0], /round 1 at .* · Ctrl-C to stop/);
  assert.match(frames[1], /boot0001\s+running/);
  assert.ok(r.stdout.includes("\x1b[32mrunning\x1b[0m"), "state badges in colour");
});
