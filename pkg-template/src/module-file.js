// The module file koophone_wasm.wasm, shipped next to the JS entries: compiling it from a
// URL or from disk, with an error that says what to do when it cannot be had.

const FILE = "koophone_wasm.wasm";
const INLINE = 'import "koophone-wasm/inline", which needs no separate file';

/** `WebAssembly.Module` from `url`, streaming-compiled when the server sends `application/wasm`. */
export async function compileFromUrl(url) {
  const hint = ` (serve ${FILE} next to the package's JS entry, or ${INLINE})`;
  let response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new Error(`could not fetch ${url}: ${cause?.message ? cause.message : cause}${hint}`, { cause });
  }
  if (!response.ok) throw new Error(`fetching ${url} answered HTTP ${response.status}${hint}`);
  // compileStreaming refuses any other MIME type: read the bytes instead of failing.
  const type = (response.headers.get("content-type") || "").split(";")[0].trim().toLowerCase();
  if (type === "application/wasm" && typeof WebAssembly.compileStreaming === "function") {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/**
 * `WebAssembly.Module` from `file` (a path or file: URL) read with `fs` (node:fs, or
 * undefined where there is none). One synchronous read: on a cold start it measured
 * 2 ms faster than fs/promises, whose thread pool has to start first.
 */
export function compileFromFile(fs, file) {
  return WebAssembly.compile(readModuleFile(fs, file));
}

/** The same, compiled synchronously (Node only: browsers refuse large synchronous compiles). */
export function compileFromFileSync(fs, file) {
  return new WebAssembly.Module(readModuleFile(fs, file));
}

function readModuleFile(fs, file) {
  const shown = typeof file === "string" ? file : decodeURIComponent(file.pathname);
  try {
    if (!fs) throw new Error("no file system access here");
    return fs.readFileSync(file);
  } catch (cause) {
    const reason = cause?.code ? cause.code : cause?.message ? cause.message : String(cause);
    const hint = `when the package is bundled into one file, ${INLINE}, or copy ${FILE} next to the bundle`;
    throw new Error(`could not read ${shown} (${reason}): ${hint}`, { cause });
  }
}
