// Benchmarks of koophone-wasm against the hand-written fetch client (bench/baseline-client.mjs),
// both measured in the same run against the same mock server. Run by scripts/bench.sh, which
// snapshots the built package into bench/.work/snapshot first (so a rebuild during the run does
// not mix builds). Writes bench/results.json and bench/RESULTS.md.
//
// Environment: BENCH_ROUNDS (default 7) repetitions of every timed figure; BENCH_QUICK=1 for a
// fast smoke run (fewer rounds and samples; results are then marked as quick).
import { fork, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, readdirSync, statSync, mkdirSync, existsSync, rmSync } from "node:fs";
import { cpus, totalmem, platform, release, arch, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync, brotliCompressSync, constants as zc } from "node:zlib";
import * as baseline from "./baseline-client.mjs";
import { renderMarkdown } from "./report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const snap = join(here, ".work", "snapshot");
const work = join(here, ".work");
const QUICK = process.env.BENCH_QUICK === "1";
const ROUNDS = Number(process.env.BENCH_ROUNDS || (QUICK ? 3 : 7));
const TOKEN = "bench-token";
const libPath = join(snap, "package", "index.mjs");
const mockPath = join(snap, "package", "mock", "index.mjs");
const log = (...a) => console.error("bench:", ...a);

// ---------- helpers ----------
function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  const q = (p) => {
    const i = (v.length - 1) * p;
    const lo = Math.floor(i);
    return v[lo] + (v[Math.ceil(i)] - v[lo]) * (i - lo);
  };
  return { n: v.length, median: q(0.5), min: v[0], max: v[v.length - 1], q1: q(0.25), q3: q(0.75) };
}
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const br = (buf) => brotliCompressSync(buf, { params: { [zc.BROTLI_PARAM_QUALITY]: 11 } }).length;
const sizes = (buf) => ({ raw: buf.length, gzip: gz(buf), brotli: br(buf) });

function startMock(options) {
  const child = fork(join(here, "mock-process.mjs"), [pathToFileURL(mockPath).href, JSON.stringify(options)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let queue = Promise.resolve();
  const send = (msg) =>
    (queue = queue.then(
      () =>
        new Promise((resolve) => {
          child.once("message", (m) => resolve(m.reply));
          child.send(msg);
        }),
    ));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("message", (m) => resolve({ url: m.url, send, pid: child.pid, close: () => send({ cmd: "close" }) }));
  });
}

function runChild(args, nodeFlags = []) {
  const out = execFileSync(process.execPath, [...nodeFlags, ...args], { encoding: "utf8", maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split("\n").pop());
}

const ids = (n) => Array.from({ length: n }, (_, i) => `id${String(i).padStart(5, "0")}`);

// ---------- machine ----------
function machine() {
  const c = cpus();
  let commit = null;
  let dirty = null;
  try {
    commit = execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    dirty =
      execFileSync("git", ["-C", root, "status", "--porcelain", "--", "src", "pkg-template", "Cargo.toml"], {
        encoding: "utf8",
      }).trim() !== "";
  } catch {}
  return {
    date: new Date().toISOString(),
    cpuModel: c[0]?.model ?? "unknown",
    cores: c.length,
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    totalMemoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    loadAverageAtStart: loadavg().map((x) => +x.toFixed(2)),
    gitCommit: commit,
    sourcesDirty: dirty,
    wasmSha256: createHash("sha256")
      .update(readFileSync(join(snap, "koophone_wasm.wasm")))
      .digest("hex")
      .slice(0, 16),
    quick: QUICK,
    rounds: ROUNDS,
  };
}

// ---------- 1. sizes ----------
function measureSizes() {
  const wasm = readFileSync(join(snap, "koophone_wasm.wasm"));
  const glue = readFileSync(join(snap, "koophone_wasm.js"));
  const mjs = readFileSync(join(snap, "package", "index.mjs"));
  const cjs = readFileSync(join(snap, "package", "index.cjs"));
  const base64 = mjs.toString("utf8").match(/"(AGFzbQ[A-Za-z0-9+/=]+)"/)?.[1] ?? "";
  const entryWithoutWasm = Buffer.from(mjs.toString("utf8").replace(base64, ""));
  const tarball = statSync(join(snap, "koophone-wasm.tgz")).size;
  let unpacked = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else unpacked += statSync(join(d, e.name)).size;
    }
  };
  walk(join(snap, "package"));
  const base = readFileSync(join(here, "baseline-client.mjs"));
  return {
    wasm: sizes(wasm),
    glue: sizes(glue),
    entryMjs: sizes(mjs),
    entryCjs: sizes(cjs),
    entryJsWithoutWasm: sizes(entryWithoutWasm),
    inlinedBase64Bytes: base64.length,
    tarball,
    unpacked,
    baselineClient: sizes(base),
    budget: JSON.parse(readFileSync(join(here, "size-budget.json"), "utf8")),
  };
}

// ---------- 2. cold init ----------
function measureColdInit(url, samples) {
  const out = { library: [], baseline: [] };
  const script = join(here, "cold-init.mjs");
  const paths = {
    library: pathToFileURL(libPath).href,
    baseline: pathToFileURL(join(here, "baseline-client.mjs")).href,
  };
  for (let i = 0; i < samples + 1; i++) {
    for (const which of i % 2 ? ["library", "baseline"] : ["baseline", "library"]) {
      const r = runChild([script, which, paths[which], url]);
      if (i > 0) out[which].push(r); // the first pair warms the OS file cache
    }
  }
  const summarize = (rows) =>
    Object.fromEntries(
      ["importMs", "initMs", "readyMs", "firstCallMs", "secondCallMs", "processStartMs"].map((k) => [
        k,
        stats(rows.map((r) => r[k])),
      ]),
    );
  return { samples, library: summarize(out.library), baseline: summarize(out.baseline) };
}

// ---------- 3. per-call overhead ----------
async function measurePerCall(lib, mock, calls) {
  const clients = { library: lib, baseline };
  const options = { token: TOKEN, endpoint: mock.url };
  const result = {};
  for (const size of [1, 32]) {
    const list = ids(size);
    const run = async (client, n) => {
      await mock.send({ cmd: "reset" });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const r = await client.batchStatus(list, options);
        if (r.statuses.length !== size) throw new Error(`expected ${size} statuses`);
      }
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      return { wallUsPerCall: (wall * 1000) / n, cpuUsPerCall: (cpu.user + cpu.system) / n };
    };
    for (const c of Object.values(clients)) await run(c, Math.min(300, calls)); // JIT warm-up
    const rows = { library: [], baseline: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const which of round % 2 ? ["library", "baseline"] : ["baseline", "library"])
        rows[which].push(await run(clients[which], calls));
    }
    const ratios = rows.library.map((r, i) => r.wallUsPerCall / rows.baseline[i].wallUsPerCall);
    const cpuRatios = rows.library.map((r, i) => r.cpuUsPerCall / rows.baseline[i].cpuUsPerCall);
    result[`ids${size}`] = {
      calls,
      library: {
        wallUsPerCall: stats(rows.library.map((r) => r.wallUsPerCall)),
        cpuUsPerCall: stats(rows.library.map((r) => r.cpuUsPerCall)),
      },
      baseline: {
        wallUsPerCall: stats(rows.baseline.map((r) => r.wallUsPerCall)),
        cpuUsPerCall: stats(rows.baseline.map((r) => r.cpuUsPerCall)),
      },
      wallRatio: stats(ratios),
      cpuRatio: stats(cpuRatios),
      // Issue 12: at most 1.05x the baseline, in wall time and in CPU time.
      goal: 1.05,
      met: stats(ratios).median <= 1.05 && stats(cpuRatios).median <= 1.05,
    };
    log(
      `per-call ${size} ID(s): library ${result[`ids${size}`].library.wallUsPerCall.median.toFixed(0)} µs, baseline ${result[`ids${size}`].baseline.wallUsPerCall.median.toFixed(0)} µs, ratio ${stats(ratios).median.toFixed(3)}`,
    );
  }
  return result;
}

// ---------- 4. throughput ----------
async function measureThroughput(lib, mock, latencyMs, rounds) {
  const list = ids(10_000);
  const chunkSize = 32;
  const chunks = Math.ceil(list.length / chunkSize);
  const clients = { library: lib, baseline };
  const result = { ids: list.length, chunkSize, chunks, latencyMs };
  for (const concurrency of [4, 8]) {
    const ideal = Math.ceil(chunks / concurrency) * latencyMs;
    const options = { token: TOKEN, endpoint: mock.url, chunkSize, concurrency };
    const run = async (client) => {
      await mock.send({ cmd: "reset" });
      const t0 = performance.now();
      const r = await client.batchStatus(list, options);
      const wall = performance.now() - t0;
      if (r.statuses.length !== list.length) throw new Error("incomplete result");
      return wall;
    };
    for (const c of Object.values(clients)) await run(c);
    const rows = { library: [], baseline: [] };
    for (let round = 0; round < rounds; round++) {
      for (const which of round % 2 ? ["library", "baseline"] : ["baseline", "library"])
        rows[which].push(await run(clients[which]));
    }
    const lib = stats(rows.library.map((w) => w / ideal));
    result[`concurrency${concurrency}`] = {
      idealMs: ideal,
      library: { wallMs: stats(rows.library), vsIdeal: lib },
      baseline: { wallMs: stats(rows.baseline), vsIdeal: stats(rows.baseline.map((w) => w / ideal)) },
      libraryVsBaseline: stats(rows.library.map((w, i) => w / rows.baseline[i])),
      goal: 1.15,
      met: lib.median <= 1.15,
    };
    log(
      `throughput c=${concurrency}: library ${stats(rows.library).median.toFixed(0)} ms, baseline ${stats(rows.baseline).median.toFixed(0)} ms, ideal ${ideal} ms`,
    );
  }
  return result;
}

// ---------- 5. poll cadence ----------
async function measurePollCadence(lib, mock, rounds) {
  const polls = 50;
  const delay = 50;
  const ideal = (polls - 1) * delay;
  const clients = { library: lib, baseline };
  const instance = {
    id: "poll0001",
    status: 4,
    owner: "bench-user",
    prepare: [
      ...Array.from({ length: polls - 1 }, (_, k) => ({ status: 1, waitingCount: polls - 1 - k })),
      { status: 0, waitingCount: 0 },
    ],
  };
  const run = async (client) => {
    await mock.send({ cmd: "setInstance", instance });
    const times = [];
    const t0 = performance.now();
    const last = await client.waitPrepared(
      { userId: "bench-user", instanceId: instance.id },
      {
        token: TOKEN,
        endpoint: mock.url,
        minDelayMs: delay,
        maxDelayMs: delay,
        maxWaitMs: 60_000,
        onProgress: () => times.push(performance.now()),
      },
    );
    const total = performance.now() - t0;
    if (times.length !== polls || last.status !== 0) throw new Error(`expected ${polls} polls, saw ${times.length}`);
    const intervals = times.slice(1).map((t, i) => t - times[i]);
    return { firstToLastMs: times[polls - 1] - times[0], totalMs: total, intervals };
  };
  const rows = { library: [], baseline: [] };
  for (let round = 0; round < rounds; round++) {
    for (const which of round % 2 ? ["library", "baseline"] : ["baseline", "library"])
      rows[which].push(await run(clients[which]));
  }
  const summarize = (rs) => ({
    firstToLastMs: stats(rs.map((r) => r.firstToLastMs)),
    drift: stats(rs.map((r) => (r.firstToLastMs - ideal) / ideal)),
    intervalMs: stats(rs.flatMap((r) => r.intervals)),
    totalMs: stats(rs.map((r) => r.totalMs)),
  });
  const library = summarize(rows.library);
  log(
    `poll cadence: library drift ${(library.drift.median * 100).toFixed(2)} %, baseline ${(summarize(rows.baseline).drift.median * 100).toFixed(2)} %`,
  );
  return {
    polls,
    delayMs: delay,
    idealMs: ideal,
    library,
    baseline: summarize(rows.baseline),
    goal: 0.05,
    met: library.drift.median <= 0.05,
  };
}

// ---------- 6. memory ----------
function measureMemory(url, calls, runs) {
  const script = join(here, "memory.mjs");
  const paths = {
    library: pathToFileURL(libPath).href,
    baseline: pathToFileURL(join(here, "baseline-client.mjs")).href,
  };
  const out = { library: [], baseline: [] };
  for (let i = 0; i < runs; i++) {
    for (const which of ["library", "baseline"])
      out[which].push(runChild([script, which, paths[which], url, String(calls)], ["--expose-gc"]));
  }
  const summarize = (rs) => {
    const first = (r) => r.samples[0];
    const last = (r) => r.samples[r.samples.length - 1];
    const mid = (r) => r.samples[Math.floor(r.samples.length / 2)];
    return {
      heapBefore: stats(rs.map((r) => first(r).heapUsed)),
      heapAfter: stats(rs.map((r) => last(r).heapUsed)),
      heapGrowth: stats(rs.map((r) => last(r).heapUsed - first(r).heapUsed)),
      heapGrowthSecondHalf: stats(rs.map((r) => last(r).heapUsed - mid(r).heapUsed)),
      externalGrowth: stats(rs.map((r) => last(r).external - first(r).external)),
      wasmBefore: rs[0].wasmCaptured ? stats(rs.map((r) => first(r).wasmMemory)) : null,
      wasmAfter: rs[0].wasmCaptured ? stats(rs.map((r) => last(r).wasmMemory)) : null,
      externrefBefore: rs[0].wasmCaptured ? stats(rs.map((r) => first(r).externrefTable)) : null,
      externrefAfter: rs[0].wasmCaptured ? stats(rs.map((r) => last(r).externrefTable)) : null,
      runs: rs.map((r) => r.samples),
    };
  };
  const library = summarize(out.library);
  const baselineMem = summarize(out.baseline);
  // "Beyond noise": growth larger than the baseline's growth plus the spread between runs,
  // with a 256 KiB floor (GC heuristics move heapUsed by that much on their own).
  const noise = Math.max(
    256 * 1024,
    baselineMem.heapGrowth.max - baselineMem.heapGrowth.min + Math.abs(baselineMem.heapGrowth.median),
  );
  const wasmGrew = library.wasmAfter && library.wasmAfter.max > library.wasmBefore.max;
  const tableGrew = library.externrefAfter && library.externrefAfter.max > library.externrefBefore.max;
  const met = library.heapGrowth.median <= noise && !wasmGrew && !tableGrew;
  log(
    `memory: library heap +${(library.heapGrowth.median / 1024).toFixed(0)} KiB, wasm ${library.wasmBefore?.median} -> ${library.wasmAfter?.median}, externref table ${library.externrefBefore?.median} -> ${library.externrefAfter?.median}; baseline heap +${(baselineMem.heapGrowth.median / 1024).toFixed(0)} KiB`,
  );
  return { calls, idsPerCall: 32, runs, library, baseline: baselineMem, noiseBytes: noise, wasmGrew, tableGrew, met };
}

// ---------- profile (for missed per-call goals) ----------
function profilePerCall(url) {
  const dir = join(work, "profile");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync(
    process.execPath,
    ["--cpu-prof", "--cpu-prof-dir", dir, join(here, "profile-calls.mjs"), pathToFileURL(libPath).href, url, "3000"],
    { stdio: "ignore" },
  );
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) || 0) + (dt[i] || 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const groups = new Map();
  const category = (n) => {
    const f = n.callFrame;
    const u = f.url || "";
    if (u.includes("/package/index.mjs"))
      return f.functionName.startsWith("wasm-function") || f.url.startsWith("wasm")
        ? "library: wasm"
        : "library: JS glue/entry";
    if (u.startsWith("wasm://")) return "library: wasm";
    if (u.includes("undici") || u.includes("internal/deps/undici")) return "fetch (undici)";
    if (u.startsWith("node:")) return `node: ${u.replace(/^node:internal\//, "").split("/")[0]}`;
    if (f.functionName === "(garbage collector)") return "GC";
    if (f.functionName === "(idle)" || f.functionName === "(program)") return f.functionName;
    return u ? "other JS" : f.functionName || "(anonymous native)";
  };
  const fns = new Map();
  for (const [id, t] of self) {
    const n = byId.get(id);
    const cat = category(n);
    groups.set(cat, (groups.get(cat) || 0) + t);
    const key = `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) || 0) + t);
  }
  const top = (m, k) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, t]) => ({ name, share: +(t / total).toFixed(4), ms: +(t / 1000).toFixed(1) }));
  return {
    calls: 3000,
    idsPerCall: 1,
    byCategory: top(groups, 12),
    topFunctions: top(fns, 15),
    profileFile: join("bench", ".work", "profile", file),
  };
}

// ---------- main ----------
async function main() {
  if (!existsSync(libPath)) throw new Error(`${libPath} missing: run scripts/bench.sh (it snapshots the build)`);
  const results = { machine: machine() };
  log(
    `machine: ${results.machine.cpuModel} x${results.machine.cores}, node ${results.machine.node}${QUICK ? " (quick run)" : ""}`,
  );
  results.sizes = measureSizes();
  log(`sizes: wasm ${results.sizes.wasm.raw} B raw, ${results.sizes.wasm.gzip} B gzip`);

  // Mocks run in separate processes (see RESULTS.md); one without latency, one with 20 ms.
  const fast = await startMock({ tokens: [TOKEN], instanceCount: 10_000, latencyMs: 0 });
  const slow = await startMock({ tokens: [TOKEN], instanceCount: 10_000, latencyMs: 20 });
  try {
    results.mock = {
      process: "separate",
      note: "the mock server runs in its own Node process (one per latency setting); the client under test runs alone in the benchmark process",
    };
    results.coldInit = measureColdInit(fast.url, QUICK ? 5 : 15);
    log(
      `cold init: library ready ${results.coldInit.library.readyMs.median.toFixed(1)} ms, baseline ${results.coldInit.baseline.readyMs.median.toFixed(1)} ms`,
    );

    const lib = await import(pathToFileURL(libPath).href);
    await lib.init();
    results.perCall = await measurePerCall(lib, fast, QUICK ? 300 : 1000);
    results.throughput = await measureThroughput(lib, slow, 20, QUICK ? 3 : 5);
    results.pollCadence = await measurePollCadence(lib, fast, QUICK ? 2 : 5);
    results.memory = measureMemory(fast.url, QUICK ? 2000 : 10_000, QUICK ? 1 : 3);
    if (!results.perCall.ids1.met || !results.perCall.ids32.met) {
      log("per-call goal missed: profiling the library with --cpu-prof");
      results.profile = profilePerCall(fast.url);
    }
  } finally {
    await fast.close();
    await slow.close();
  }
  writeFileSync(join(here, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(
    join(here, "RESULTS.md"),
    renderMarkdown(
      results,
      existsSync(join(here, "analysis.md")) ? readFileSync(join(here, "analysis.md"), "utf8") : "",
    ),
  );
  log("wrote bench/results.json and bench/RESULTS.md");
}

if (process.argv[2] === "--render") {
  // Re-render RESULTS.md from results.json (after editing bench/analysis.md).
  const results = JSON.parse(readFileSync(join(here, "results.json"), "utf8"));
  writeFileSync(
    join(here, "RESULTS.md"),
    renderMarkdown(
      results,
      existsSync(join(here, "analysis.md")) ? readFileSync(join(here, "analysis.md"), "utf8") : "",
    ),
  );
} else {
  await main();
}
