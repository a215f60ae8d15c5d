// Loader of index.browser.mjs, the ESM entry bundlers pick for browsers (the "browser"
// export condition). Vite and webpack 5 see `new URL("./koophone_wasm.wasm",
// import.meta.url)`, emit the file as an asset and rewrite the URL; the module is then
// fetched and streaming-compiled, in pages and in web workers alike.
import { compileFromFile, compileFromUrl } from "./module-file.js";

/** The package's `WebAssembly.Module`. */
export async function loadModule() {
  const url = new URL("./koophone_wasm.wasm", import.meta.url);
  if (url.protocol !== "file:") return compileFromUrl(url);
  // A test runner resolving the "browser" condition under Node (Vitest with jsdom):
  // node:fs without an import statement, which would break browser bundles.
  return compileFromFile(globalThis.process?.getBuiltinModule?.("node:fs"), url);
}
