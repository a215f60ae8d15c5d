// Import before the library: captures the library's WebAssembly instance (recognised by
// its `knownOptions` export; Node's fetch instantiates a wasm of its own, undici's llhttp)
// so tests can read its linear memory and its externref table (JS values held by Rust).
// The package does not expose them; the same technique as bench/memory.mjs.
export const wasm = { memory: null, table: null };
function capture(instance) {
  const exports = instance?.exports ?? {};
  if (typeof exports.knownOptions === "function") {
    wasm.memory = Object.values(exports).find((v) => v instanceof WebAssembly.Memory) ?? null;
    wasm.table = Object.values(exports).find((v) => v instanceof WebAssembly.Table) ?? null;
  }
}
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (...args) {
  const result = await instantiate.apply(this, args);
  capture(result instanceof WebAssembly.Instance ? result : result.instance);
  return result;
};
WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
  construct(target, args, newTarget) {
    const instance = Reflect.construct(target, args, newTarget);
    capture(instance);
    return instance;
  },
});
