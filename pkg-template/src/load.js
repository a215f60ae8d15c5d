// Loader of index.mjs, the ESM entry for Node, Deno, Bun and browsers without a bundler:
// the module file sits next to the entry. From disk (a file: URL) it is read with node:fs
// (Node's fetch does not read files); over HTTP it is fetched and streaming-compiled.
// Bundlers targeting browsers get load-browser.js instead (the "browser" export
// condition), which has no node:fs import for them to trip on.
import { compileFromFile, compileFromUrl } from "./module-file.js";

/** The package's `WebAssembly.Module`. */
export async function loadModule() {
  const url = new URL("./koophone_wasm.wasm", import.meta.url);
  if (url.protocol !== "file:") return compileFromUrl(url);
  // getBuiltinModule (Node >= 20.16) spares a dynamic import; Node 18 takes the import.
  const fs = globalThis.process?.getBuiltinModule?.("node:fs") ?? (await import("node:fs"));
  return compileFromFile(fs, url);
}
