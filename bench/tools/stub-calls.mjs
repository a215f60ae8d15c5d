// The library's own CPU per batchStatus call, without a network: `fetch` is a stub that answers
// at once, so what is measured is argument copying, the module's work, the exchange's reading
// of the answer and the result. Beside it, the same work done by hand (what
// bench/baseline-client.mjs does with an answer), in the same process.
//   node bench/tools/stub-calls.mjs [package dir] [IDs per call] [calls per round] [token length]
// The package dir defaults to build/installed/node_modules/koophone-wasm (scripts/pack.sh); the
// token to 11 characters (real IAM tokens are several kilobytes: try 6000).
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [, , pkg = "build/installed/node_modules/koophone-wasm", sizeArg = "32", callsArg = "20000", tokenArg = "0"] =
  process.argv;
const lib = await import(pathToFileURL(join(resolve(pkg), "index.mjs")).href);
const size = Number(sizeArg);
const calls = Number(callsArg);
const ids = Array.from({ length: size }, (_, i) => `id${String(i).padStart(5, "0")}`);
const body = JSON.stringify({
  error_code: "0",
  error_msg: "ok",
  data: { status_results: ids.map((id, i) => ({ instance_id: id, status: i % 6 })) },
});
const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
const stub = async () => new Response(body, { status: 200, headers });
const token = Number(tokenArg) > 11 ? `MIIE${"A".repeat(Number(tokenArg) - 4)}` : "bench-token";
const options = { token, endpoint: "http://127.0.0.1:9", fetch: stub };

const STATES = ["unknown", "stopped", "running", "offline", "starting", "shutdown"];
async function byHand() {
  const unique = [...new Set(ids)];
  const requestBody = JSON.stringify({ instance_ids: unique });
  const res = await stub(requestBody);
  const json = await res.json();
  const found = new Map();
  for (const r of json.data.status_results) found.set(r.instance_id, r.status);
  const statuses = unique.map((id) => ({ instanceId: id, status: found.get(id), state: STATES[found.get(id)] }));
  return { statuses, missing: [], requestIds: [crypto.randomUUID()] };
}

async function run(call, n) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await call();
  const cpu = process.cpuUsage(cpu0);
  return { wall: ((performance.now() - t0) * 1000) / n, cpu: (cpu.user + cpu.system) / n };
}

const library = () => lib.batchStatus(ids, options);
await run(library, 2000); // JIT warm-up
await run(byHand, 2000);
const rows = { library: [], byHand: [] };
for (let round = 0; round < 5; round++) {
  rows.library.push(await run(library, calls));
  rows.byHand.push(await run(byHand, calls));
}
const median = (values) => values.toSorted((a, b) => a - b)[values.length >> 1];
for (const [name, list] of Object.entries(rows)) {
  const wall = median(list.map((r) => r.wall)).toFixed(1);
  const cpu = median(list.map((r) => r.cpu)).toFixed(1);
  console.log(
    `${size} ID(s), ${token.length}-character token, stub fetch, ${name}: ${wall} µs wall, ${cpu} µs CPU per call ` +
      `(median of 5 × ${calls})`,
  );
}
