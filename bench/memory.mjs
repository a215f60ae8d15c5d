// Memory sample, run with --expose-gc in a fresh process by bench/run.mjs:
//   node --expose-gc bench/memory.mjs <library|baseline> <module path> <mock url> <calls>
// Captures the wasm instance's memory by wrapping WebAssembly.instantiate before the library
// loads (the package does not expose it). Prints JSON checkpoints of heapUsed, external and
// wasm memory after a forced GC: after a warm-up of 200 calls, then every calls/4.
const [, , which, modulePath, url, callsArg] = process.argv;
const calls = Number(callsArg);
let wasmMemory = null;
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (...args) {
  const result = await instantiate.apply(this, args);
  const instance = result instanceof WebAssembly.Instance ? result : result.instance;
  for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) wasmMemory = value;
  return result;
};
const mod = await import(modulePath);
const options = { token: "bench-token", endpoint: url };
const ids = Array.from({ length: 32 }, (_, i) => `id${String(i).padStart(5, "0")}`);
const one = async () => {
  const r = await mod.batchStatus(ids, options);
  if (r.statuses.length !== 32) throw new Error("bad result");
};
const gc = () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
};
const sample = (done) => {
  gc();
  const m = process.memoryUsage();
  return { calls: done, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, wasmMemory: wasmMemory ? wasmMemory.buffer.byteLength : null };
};
for (let i = 0; i < 200; i++) await one();
// Let keep-alive sockets and timers of the warm-up settle before the baseline reading.
await new Promise((r) => setTimeout(r, 100));
const samples = [sample(0)];
for (let done = 0; done < calls; ) {
  for (let i = 0; i < calls / 4; i++, done++) await one();
  await new Promise((r) => setTimeout(r, 100));
  samples.push(sample(done));
}
console.log(JSON.stringify({ which, wasmCaptured: wasmMemory !== null, samples }));
