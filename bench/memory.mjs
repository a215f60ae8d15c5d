// Memory sample, run with --expose-gc in a fresh process by bench/run.mjs:
//   node --expose-gc bench/memory.mjs <library|baseline> <module path> <mock url> <calls>
// Captures the library's wasm instance by wrapping WebAssembly.instantiate and the
// WebAssembly.Instance constructor before the library loads (the package does not expose it; the instance is recognised by its `batchStatus` export,
// since Node's fetch instantiates a wasm of its own, undici's llhttp). Prints JSON checkpoints
// after a forced GC: heapUsed, external, rss, the wasm linear memory and the length of the
// externref table (JS values held by Rust; it grows if handles leak). Checkpoints after a warm-up
// of 200 calls, then every calls/4.
const [, , which, modulePath, url, callsArg] = process.argv;
const calls = Number(callsArg);
let wasmMemory = null;
let externrefs = null;
function capture(instance) {
  const exports = instance.exports;
  if (typeof exports.knownOptions === "function") {
    wasmMemory = Object.values(exports).find((v) => v instanceof WebAssembly.Memory) ?? null;
    externrefs = Object.values(exports).find((v) => v instanceof WebAssembly.Table) ?? null;
  }
}
// The package compiles asynchronously and instantiates with `new WebAssembly.Instance`;
// wrap both that constructor and `instantiate` so either way of loading is seen.
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (...args) {
  const result = await instantiate.apply(this, args);
  capture(result instanceof WebAssembly.Instance ? result : result.instance);
  return result;
};
const OriginalInstance = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(OriginalInstance, {
  construct(target, args, newTarget) {
    const instance = Reflect.construct(target, args, newTarget);
    capture(instance);
    return instance;
  },
});
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
  return {
    calls: done,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rss: m.rss,
    wasmMemory: wasmMemory ? wasmMemory.buffer.byteLength : null,
    externrefTable: externrefs ? externrefs.length : null,
  };
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
