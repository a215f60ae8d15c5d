// Loader of proxy.mjs, the ESM entry of koophone-wasm/proxy (Node only): the module file
// sits next to the entry and is read with node:fs. `loadModuleSync` lets createProxy check
// its credentials with the module before it returns, so a bad configuration fails at
// start-up rather than at a browser's first request.
import { readFileSync } from "node:fs";
import { compileFromFile, compileFromFileSync } from "./module-file.js";

const fs = { readFileSync };
const file = () => new URL("./koophone_wasm.wasm", import.meta.url);

/** The package's `WebAssembly.Module`. */
export async function loadModule() {
  return compileFromFile(fs, file());
}

/** The package's `WebAssembly.Module`, compiled synchronously. */
export function loadModuleSync() {
  return compileFromFileSync(fs, file());
}
