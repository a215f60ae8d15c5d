// Memory stays bounded whatever a server sends (issue 11, item 5): a gzip bomb (1 GiB of
// spaces, 1 MB on the wire, content-encoding gzip, status 200) and an endless chunked body
// are cut at the 4 MiB limit of decompressed bytes: the call rejects with BAD_RESPONSE
// quickly, the process's peak RSS grows by under 64 MB, the wasm memory by under 8 MB, and
// the rest of an endless body is cancelled (the server sees the connection closed).
// Each case runs in a fresh process so its peak RSS is its own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createGzip } from "node:zlib";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PKG_DIR, TOKEN } from "./support.mjs";
import { startStub } from "../support/stub-server.mjs";
import { runIsolated, explain, faultSummary } from "../support/isolated.mjs";

const MB = 1024 * 1024;
const RSS_LIMIT = 64 * MB;
const WASM_LIMIT = 8 * MB;
const WASM_CAPTURE = fileURLToPath(new URL("./wasm-capture.mjs", import.meta.url));

/** 1 GiB of spaces, gzip-compressed (about 1 MB). */
async function gzipBomb() {
  const gzip = createGzip({ level: 9 });
  const out = [];
  gzip.on("data", (c) => out.push(c));
  const ended = new Promise((resolve) => gzip.on("end", resolve));
  const spaces = Buffer.alloc(MB, 0x20);
  for (let i = 0; i < 1024; i++) if (!gzip.write(spaces)) await new Promise((resolve) => gzip.once("drain", resolve));
  gzip.end();
  await ended;
  return Buffer.concat(out);
}

let bomb;
const endless = []; // per endless response: bytes sent and when the client went away
const server = await startStub((req, res, record) => {
  if (record.path.startsWith("/gzip/")) {
    res.writeHead(200, {
      "content-type": "application/json",
      "content-encoding": "gzip",
      "content-length": bomb.length,
    });
    res.end(bomb);
    return;
  }
  // Endless: spaces (valid leading JSON whitespace) for as long as the client reads.
  const stream = { sent: 0, closedAt: null };
  endless.push(stream);
  res.on("close", () => (stream.closedAt = Date.now()));
  res.writeHead(200, { "content-type": "application/json" });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (!res.destroyed && stream.closedAt === null) {
      stream.sent += chunk.length;
      if (!res.write(chunk)) return res.once("drain", pump);
    }
  };
  pump();
});
before(async () => (bomb = await gzipBomb()));
after(() => server.close());

const CALLS = {
  batchStatus: `lib.batchStatus(["i1"], options)`,
  prepareProgress: `lib.prepareProgress({ userId: "u1", instanceId: "i1" }, options)`,
};

/** Run `call` against `endpoint` in a fresh process; report outcome, growth and timing. */
function measure(call, endpoint) {
  return runIsolated(
    `
    const { wasm } = await import(${JSON.stringify(WASM_CAPTURE)});
    const lib = await import(${JSON.stringify(join(PKG_DIR, "index.mjs"))});
    // Warm up: module instantiated, one normal call's worth of wasm memory.
    const ok = JSON.stringify({ data: { status_results: [{ instance_id: "i1", status: 2 }] }, error_code: "0", error_msg: "OK" });
    await lib.batchStatus(["i1"], { token: "t", endpoint: "http://127.0.0.1:1", fetch: async () => new Response(ok) });
    for (let i = 0; i < 3; i++) globalThis.gc();
    // Peak RSS: Linux's VmHWM of this process, reset here (writing 5 to clear_refs). Not
    // process.resourceUsage().maxRSS: it starts at the parent's RSS when the child is spawned.
    // Elsewhere, the highest RSS sampled every 5 ms.
    const fs = await import("node:fs");
    let sampled = 0;
    const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 5);
    const vmHwm = () => {
      try {
        return Number(/VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
      } catch {
        return null;
      }
    };
    try {
      fs.writeFileSync("/proc/self/clear_refs", "5");
    } catch {
      // not Linux, or not allowed: VmHWM may include start-up, which only overstates growth
    }
    const peakRss = () => Math.max(vmHwm() ?? 0, sampled, process.memoryUsage().rss);
    const rss0 = process.memoryUsage().rss;
    const wasm0 = wasm.memory.buffer.byteLength;
    // Fail fast instead of taking the machine down: stop once RSS has grown by 1 GiB.
    const watchdog = setInterval(() => {
      if (process.memoryUsage().rss - rss0 > 1024 * 1024 * 1024) {
        report({ watchdog: true, rssGrowth: peakRss() - rss0 });
        process.exit(0);
      }
    }, 10);
    const options = { token: ${JSON.stringify(TOKEN)}, endpoint: ${JSON.stringify(endpoint)}, timeoutMs: 30000, maxAttempts: 1 };
    const started = performance.now();
    const outcome = await settle(${call}, 40000);
    const tookMs = Math.round(performance.now() - started);
    const settledAt = Date.now();
    clearInterval(watchdog);
    clearInterval(sampler);
    const rssGrowth = peakRss() - rss0;
    const wasmGrowth = wasm.memory.buffer.byteLength - wasm0;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the server must see the cancel before we exit
    report({ outcome, tookMs, settledAt, rssGrowth, wasmGrowth });
    `,
    { nodeArgs: ["--expose-gc"], timeoutMs: 90_000 },
  );
}

const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

/** The call was cut at the limit: BAD_RESPONSE, quickly, within both memory bounds, no fault. */
function assertCutAtTheLimit(run, label) {
  assert.ok(run.result, explain(run));
  const { outcome, tookMs, rssGrowth, wasmGrowth, watchdog } = run.result;
  console.log(
    `# ${label}: ${JSON.stringify(outcome)}, ${tookMs} ms, RSS +${mb(rssGrowth)}, wasm +${mb(wasmGrowth ?? 0)}`,
  );
  assert.equal(watchdog, undefined, `RSS grew past 1 GiB (${mb(rssGrowth)}) before the call settled`);
  assert.equal(outcome.status, "rejected", JSON.stringify(outcome));
  assert.equal(outcome.error.code, "BAD_RESPONSE", JSON.stringify(outcome));
  assert.match(outcome.error.message, /larger than/);
  assert.ok(rssGrowth < RSS_LIMIT, `peak RSS grew by ${mb(rssGrowth)}`);
  assert.ok(wasmGrowth < WASM_LIMIT, `wasm memory grew by ${mb(wasmGrowth)}`);
  assert.ok(tookMs < 10_000, `took ${tookMs} ms`);
  assert.equal(run.faults.length, 0, faultSummary(run));
}

for (const [name, call] of Object.entries(CALLS)) {
  test(`${name}: a gzip bomb (1 GiB of spaces) is cut at 4 MiB, BAD_RESPONSE, RSS +<64 MB, wasm +<8 MB`, async () => {
    assertCutAtTheLimit(await measure(call, `${server.url}/gzip`), `${name} gzip bomb`);
  });

  test(`${name}: an endless chunked body is cut at 4 MiB and cancelled, BAD_RESPONSE, RSS +<64 MB, wasm +<8 MB`, async () => {
    const first = endless.length;
    const run = await measure(call, `${server.url}/endless`);
    const streams = endless.slice(first);
    assertCutAtTheLimit(run, `${name} endless body (sent ${streams.map((s) => mb(s.sent)).join(", ")})`);
    assert.equal(streams.length, 1, "one request");
    assert.ok(
      streams[0].closedAt !== null && streams[0].closedAt <= run.result.settledAt + 500,
      "the rest of the body was cancelled while the process lived on",
    );
  });
}
