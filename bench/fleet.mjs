// Benchmarks of the fleet features (issue 13), against the mock in its own process:
//   1. watchStatus of 10 000 IDs every 2 s, mock latency 20 ms: client CPU per round, heap,
//      wasm memory and the externref table over the rounds.
//   2. A client with rateLimit 50/s under more load than that: the measured send rate.
//   3. Adaptive rate: mock limit 100/s, client set to 200/s: when the 429s stop, throughput after.
//   4. Retry budget: a 100 % outage for 10 s: sends against first attempts, with and without budget.
// Run by scripts/bench.sh after bench/run.mjs (node --expose-gc bench/fleet.mjs); writes
// bench/fleet-results.json and the "Fleet" section of bench/RESULTS.md. Shorter runs:
// FLEET_WATCH_ROUNDS (100), FLEET_RATE_SECONDS (30), FLEET_ADAPTIVE_SECONDS (30),
// FLEET_OUTAGE_SECONDS (10); `--render` rewrites the section from fleet-results.json.
import { fork } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const snap = join(here, ".work", "snapshot");
const pkg = existsSync(join(snap, "package", "index.mjs"))
  ? join(snap, "package")
  : join(here, "..", "build", "installed", "node_modules", "koophone-wasm");
const TOKEN = "bench-token";
const log = (...a) => console.error("bench fleet:", ...a);
const env = (name, fallback) => Number(process.env[name] || fallback);

// The library's wasm instance, captured as bench/memory.mjs does, for its memory and table.
let wasm = null;
const OriginalInstance = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(OriginalInstance, {
  construct(target, args, newTarget) {
    const instance = Reflect.construct(target, args, newTarget);
    if (typeof instance.exports.knownOptions === "function") wasm = instance.exports;
    return instance;
  },
});

function startMock(options) {
  const child = fork(
    join(here, "mock-process.mjs"),
    [pathToFileURL(join(pkg, "mock", "index.mjs")).href, JSON.stringify(options)],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("message", (m) =>
      resolve({
        url: m.url,
        close: () =>
          new Promise((done) => {
            child.once("exit", done);
            child.send({ cmd: "close" });
          }),
      }),
    );
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const gc = () => {
  for (let i = 0; i < 3; i++) globalThis.gc?.();
};
const round1 = (x) => Math.round(x * 10) / 10;

/** Run `workers` loops of `call()` until `seconds` passed; errors are counted, not thrown. */
async function load(workers, seconds, call) {
  const until = performance.now() + seconds * 1000;
  let failed = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < until) {
        try {
          await call();
        } catch {
          failed++;
        }
      }
    }),
  );
  return failed;
}

async function watchBench(lib) {
  const rounds = env("FLEET_WATCH_ROUNDS", 100);
  const intervalMs = 2000;
  const cycling = Array.from({ length: 100 }, (_, i) => ({
    id: `cyc${String(i).padStart(3, "0")}`,
    statusCycle: { statuses: [2, 3], stepMs: intervalMs },
  }));
  const mock = await startMock({ tokens: [TOKEN], latencyMs: 20, instanceCount: 9900, instances: cycling });
  const ids = [
    ...Array.from({ length: 9900 }, (_, i) => `id${String(i).padStart(5, "0")}`),
    ...cycling.map((c) => c.id),
  ];
  let requests = 0;
  const samples = [];
  let cpuAt10 = null;
  const started = performance.now();
  const watch = lib.watchStatus(ids, {
    token: TOKEN,
    endpoint: mock.url,
    intervalMs,
    hooks: { onRequest: () => void requests++ },
  });
  let events = 0;
  let changes = 0;
  let last = 0;
  for await (const event of watch) {
    events++;
    changes += event.changes.length;
    if (event.error) throw event.error;
    if (event.statuses.length + event.missing.length !== ids.length) throw new Error("an incomplete view");
    last = event.round;
    if (samples.length === 0 && event.round >= 10) {
      gc();
      cpuAt10 = { cpu: process.cpuUsage(), round: event.round, at: performance.now() };
      samples.push(memory(event.round));
    }
    if (event.round >= rounds) break;
  }
  const cpu = process.cpuUsage(cpuAt10.cpu);
  gc();
  samples.push(memory(last));
  await mock.close();
  const measured = last - cpuAt10.round;
  return {
    ids: ids.length,
    intervalMs,
    rounds: last,
    events,
    changes,
    requests,
    wallMs: Math.round(performance.now() - started),
    cpuMsPerRound: round1((cpu.user + cpu.system) / 1000 / measured),
    measuredRounds: measured,
    samples,
  };
}

function memory(round) {
  const m = process.memoryUsage();
  return {
    round,
    heapUsedKiB: Math.round(m.heapUsed / 1024),
    wasmMemoryKiB: wasm ? wasm.memory.buffer.byteLength / 1024 : null,
    externrefTable: wasm ? (Object.values(wasm).find((v) => v instanceof WebAssembly.Table)?.length ?? null) : null,
  };
}

async function rateBench(lib) {
  const seconds = env("FLEET_RATE_SECONDS", 30);
  const mock = await startMock({ tokens: [TOKEN], instanceCount: 10 });
  const sent = [];
  const client = lib.createClient({
    token: TOKEN,
    endpoint: mock.url,
    rateLimit: { requestsPerSecond: 50 },
    hooks: { onRequest: () => sent.push(performance.now()) },
  });
  const start = performance.now();
  await load(64, seconds, () => client.batchStatus(["id00001"]));
  await mock.close();
  const inWindow = sent.filter((t) => t - start < seconds * 1000).length;
  let busiest = 0;
  for (let s = 1; s < seconds; s++)
    busiest = Math.max(busiest, sent.filter((t) => t - start >= s * 1000 && t - start < (s + 1) * 1000).length);
  return {
    seconds,
    configured: 50,
    sent: inWindow,
    rate: round1(inWindow / seconds),
    deviationPct: round1((inWindow / seconds / 50 - 1) * 100),
    busiestSecondAfterTheFirst: busiest,
  };
}

async function adaptiveBench(lib) {
  const seconds = env("FLEET_ADAPTIVE_SECONDS", 30);
  const mock = await startMock({ tokens: [TOKEN], instanceCount: 10, rateLimit: { requestsPerSecond: 100 } });
  const answers = [];
  const client = lib.createClient({
    token: TOKEN,
    endpoint: mock.url,
    rateLimit: { requestsPerSecond: 200 },
    hooks: { onResponse: (e) => answers.push([performance.now(), e.httpStatus]) },
  });
  const start = performance.now();
  await load(64, seconds, () => client.batchStatus(["id00001"]));
  await mock.close();
  const at = (t) => (t - start) / 1000;
  const throttled = answers.filter(([, s]) => s === 429).map(([t]) => at(t));
  const ok = (from) =>
    answers.filter(([t, s]) => s === 200 && at(t) >= from && at(t) < seconds).length / (seconds - from);
  return {
    seconds,
    gatewayLimit: 100,
    configured: 200,
    throttled: throttled.length,
    lastThrottleAtS: throttled.length ? round1(Math.max(...throttled)) : null,
    throttledAfter5s: throttled.filter((t) => t > 5).length,
    throughputAfter5s: round1(ok(5)),
    throughputAfter10s: round1(ok(10)),
  };
}

async function budgetBench(lib, retryBudget) {
  const seconds = env("FLEET_OUTAGE_SECONDS", 10);
  const mock = await startMock({ tokens: [TOKEN], instanceCount: 10, faults: [{ type: "http", status: 503 }] });
  const sends = [];
  let retries = 0;
  const client = lib.createClient({
    token: TOKEN,
    endpoint: mock.url,
    retryBudget,
    rateLimit: { requestsPerSecond: 1000 },
    hooks: { onRequest: (e) => sends.push([performance.now(), e.attempt]), onRetry: () => void retries++ },
  });
  await load(16, seconds, () => client.batchStatus(["id00001"]));
  await mock.close();
  const lastRetry = Math.max(0, ...sends.filter(([, a]) => a > 1).map(([t]) => t));
  const after = sends.filter(([t]) => t > lastRetry);
  const first = sends.filter(([, a]) => a === 1).length;
  return {
    retryBudget,
    seconds,
    sent: sends.length,
    firstAttempts: first,
    retries,
    ratio: round1((sends.length / first) * 100) / 100,
    sentAfterBudgetEmptied: retryBudget ? after.length : null,
    firstAttemptsAfterBudgetEmptied: retryBudget ? after.filter(([, a]) => a === 1).length : null,
  };
}

function render(r) {
  const w = r.watch;
  const s0 = w.samples[0];
  const s1 = w.samples.at(-1);
  const lines = [
    "<!-- fleet:start -->",
    "## 7. Fleet features (issue 13; `bench/fleet.mjs`)",
    "",
    `Date ${r.date}; Node ${r.node}.${r.short ? ` **Shortened run**: ${r.short}.` : ""}`,
    "",
    `**watchStatus**: ${w.ids} IDs every ${w.intervalMs / 1000} s, mock latency 20 ms, ${w.rounds} rounds (${w.requests} requests, ${w.events} events, ${w.changes} changes): ` +
      `client CPU **${w.cpuMsPerRound} ms per round** (over rounds ${s0.round}–${s1.round}); heap ${s0.heapUsedKiB} → ${s1.heapUsedKiB} KiB, ` +
      `wasm memory ${s0.wasmMemoryKiB} → ${s1.wasmMemoryKiB} KiB, externref table ${s0.externrefTable} → ${s1.externrefTable} slots.`,
    "",
    "| Figure | Goal | Measured | Status |",
    "| --- | --- | --- | --- |",
    `| Send rate with \`rateLimit.requestsPerSecond = 50\`, ${r.rate.seconds} s of load (64 callers) | 50 ± 5 % | ${r.rate.rate}/s (${r.rate.deviationPct >= 0 ? "+" : ""}${r.rate.deviationPct} %; busiest second after the first: ${r.rate.busiestSecondAfterTheFirst}) | **${Math.abs(r.rate.deviationPct) <= 5 ? "met" : "missed"}** |`,
    `| Adaptive, mock limit 100/s, client 200/s: 429s stop within 5 s | no 429 after 5 s | ${r.adaptive.throttled} 429s, the last at ${r.adaptive.lastThrottleAtS} s; ${r.adaptive.throttledAfter5s} after 5 s | **${r.adaptive.throttledAfter5s === 0 ? "met" : "missed"}** |`,
    `| Adaptive: throughput after the 429s | ≥ 85/s | ${r.adaptive.throughputAfter5s}/s from 5 s, ${r.adaptive.throughputAfter10s}/s from 10 s (of ${r.adaptive.seconds} s) | **${r.adaptive.throughputAfter10s >= 85 ? "met" : "missed"}** |`,
    `| Retry budget, 100 % outage for ${r.budget.seconds} s (16 callers, maxAttempts 3): sends after the budget emptied / first attempts then | ≤ 1.1× | ${r.budget.sentAfterBudgetEmptied} / ${r.budget.firstAttemptsAfterBudgetEmptied}; overall ${r.budget.sent} sends for ${r.budget.firstAttempts} first attempts (${r.budget.retries} retries) | **${r.budget.sentAfterBudgetEmptied <= 1.1 * r.budget.firstAttemptsAfterBudgetEmptied ? "met" : "missed"}** |`,
    `| Same outage with \`retryBudget: false\` (for comparison) | – | ${r.noBudget.sent} sends for ${r.noBudget.firstAttempts} first attempts (${r.noBudget.ratio}×) | – |`,
    "<!-- fleet:end -->",
  ];
  return lines.join("\n");
}

function writeSection(results) {
  const file = join(here, "RESULTS.md");
  const section = render(results);
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const marked = /<!-- fleet:start -->[\s\S]*<!-- fleet:end -->/;
  const next = marked.test(text)
    ? text.replace(marked, section)
    : text.replace(/\n## What limits the figures/, `\n${section}\n\n## What limits the figures`);
  writeFileSync(file, next.includes(section) ? next : `${text.trimEnd()}\n\n${section}\n`);
}

if (process.argv[2] === "--render") {
  writeSection(JSON.parse(readFileSync(join(here, "fleet-results.json"), "utf8")));
} else {
  const lib = await import(pathToFileURL(join(pkg, "index.mjs")).href);
  const short = ["FLEET_WATCH_ROUNDS", "FLEET_RATE_SECONDS", "FLEET_ADAPTIVE_SECONDS", "FLEET_OUTAGE_SECONDS"]
    .filter((n) => process.env[n])
    .map((n) => `${n}=${process.env[n]}`)
    .join(", ");
  const results = { date: new Date().toISOString(), node: process.version, short };
  log("watch");
  results.watch = await watchBench(lib);
  log("rate");
  results.rate = await rateBench(lib);
  log("adaptive");
  results.adaptive = await adaptiveBench(lib);
  log("retry budget");
  results.budget = await budgetBench(lib, true);
  results.noBudget = await budgetBench(lib, false);
  writeFileSync(join(here, "fleet-results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeSection(results);
  log(JSON.stringify(results));
  await sleep(0);
}
