// Loader of index.cjs, the CommonJS entry (Node): reads the module file next to the
// entry (`__dirname`).
import { compileFromFile } from "./module-file.js";

/** The package's `WebAssembly.Module`. */
export async function loadModule() {
  return compileFromFile(require("node:fs"), require("node:path").join(__dirname, "koophone_wasm.wasm"));
}
