// Loader of index.cjs and proxy.cjs, the CommonJS entries (Node): reads the module file
// next to the entry (`__dirname`). `loadModuleSync` serves koophone-wasm/proxy, which
// checks its credentials with the module when it is created.
import { compileFromFile, compileFromFileSync } from "./module-file.js";

const file = () => require("node:path").join(__dirname, "koophone_wasm.wasm");

/** The package's `WebAssembly.Module`. */
export async function loadModule() {
  return compileFromFile(require("node:fs"), file());
}

/** The package's `WebAssembly.Module`, compiled synchronously. */
export function loadModuleSync() {
  return compileFromFileSync(require("node:fs"), file());
}
