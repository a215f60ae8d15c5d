// Per-call wall and CPU time of the library against bench/baseline-client.mjs, against the mock
// in its own process, rounds alternating between the two: the per-call part of bench/run.mjs,
// on its own, for quick comparisons while working.
//   node bench/tools/per-call.mjs [package dir] [calls per round] [rounds]
import { fork } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as baseline from "../baseline-client.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const [, , pkg = "build/installed/node_modules/koophone-wasm", callsArg = "1000", roundsArg = "7"] = process.argv;
const lib = await import(pathToFileURL(join(resolve(pkg), "index.mjs")).href);
const calls = Number(callsArg);
const rounds = Number(roundsArg);

const mockModule = pathToFileURL(join(resolve(pkg), "mock", "index.mjs")).href;
const mockOptions = JSON.stringify({ tokens: ["bench-token"], instanceCount: 10_000, latencyMs: 0 });
const child = fork(join(here, "..", "mock-process.mjs"), [mockModule, mockOptions], {
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const url = await new Promise((ok) => child.once("message", (m) => ok(m.url)));
const options = { token: "bench-token", endpoint: url };
const median = (values) => values.toSorted((a, b) => a - b)[values.length >> 1];

try {
  for (const size of [1, 32]) {
    const ids = Array.from({ length: size }, (_, i) => `id${String(i).padStart(5, "0")}`);
    const run = async (client, n) => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const result = await client.batchStatus(ids, options);
        if (result.statuses.length !== size) throw new Error(`expected ${size} statuses`);
      }
      const cpu = process.cpuUsage(cpu0);
      return { wall: ((performance.now() - t0) * 1000) / n, cpu: (cpu.user + cpu.system) / n };
    };
    await run(lib, 300); // JIT warm-up
    await run(baseline, 300);
    const library = [];
    const hand = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [library, hand] : [hand, library];
      for (const rows of order) rows.push(await run(rows === library ? lib : baseline, calls));
    }
    const ratio = (key) => median(library.map((r, i) => r[key] / hand[i][key])).toFixed(3);
    console.log(
      `${size} ID(s): library ${median(library.map((r) => r.wall)).toFixed(0)} µs, baseline ` +
        `${median(hand.map((r) => r.wall)).toFixed(0)} µs; ratio wall ${ratio("wall")}, CPU ${ratio("cpu")}`,
    );
  }
} finally {
  child.kill();
}
