// Entry point of the koophone-wasm package, bundled by scripts/assemble.mjs once per
// entry file; only `./load.js` differs between them (how the module is obtained: from
// the .wasm file next to the entry, or inlined; see the load*.js files).
//
// The WebAssembly module is compiled and instantiated on the first call, once, however
// many calls race for it: no top-level await, so the same code runs in Node (ESM and
// CommonJS), browsers, web workers, Vite and webpack.

import {
  initSync,
  batchStatus as rawBatchStatus,
  prepareProgress as rawPrepareProgress,
  waitPrepared as rawWaitPrepared,
} from "./glue.js";
import { loadModule } from "./load.js";
import { KooPhoneError, fromPayload } from "./error.js";

export { KooPhoneError };

let ready = null;

// Compile asynchronously (browsers refuse large synchronous compiles on the
// main thread), then instantiate the compiled module synchronously. The glue's
// async loader is not used: its `typeof Request` / `Response` checks make Node
// load its whole fetch implementation, ~25 ms of cold start.
async function instantiate() {
  const module = await loadModule();
  initSync({ module });
}

/** Load the WebAssembly module now instead of on the first call. Idempotent. */
export function init() {
  if (ready === null) {
    ready = instantiate().catch((cause) => {
      ready = null; // let a later call try again
      const error = new KooPhoneError(
        `could not start the WebAssembly module: ${cause && cause.message ? cause.message : cause}` +
          " (a Content-Security-Policy without 'wasm-unsafe-eval' blocks WebAssembly)",
        { code: "INTERNAL" },
      );
      error.cause = cause;
      throw error;
    });
  }
  return ready;
}

async function call(raw, first, options) {
  await init();
  try {
    return await raw(first, options);
  } catch (payload) {
    throw fromPayload(payload);
  }
}

export async function batchStatus(instanceIds, options) {
  const result = await call(rawBatchStatus, instanceIds, options);
  if (result.errors) {
    result.errors = result.errors.map(({ instanceIds: ids, error }) => ({ instanceIds: ids, error: fromPayload(error) }));
  }
  return result;
}

export function prepareProgress(request, options) {
  return call(rawPrepareProgress, request, options);
}

export function waitPrepared(request, options) {
  return call(rawWaitPrepared, request, options);
}

export function createClient(defaults = {}) {
  if (defaults === null || typeof defaults !== "object") {
    throw new KooPhoneError("createClient needs an options object", { code: "INVALID_ARGUMENT" });
  }
  const bound = { ...defaults };
  const withDefaults = (options) => ({ ...bound, ...options });
  return Object.freeze({
    batchStatus: (instanceIds, options) => batchStatus(instanceIds, withDefaults(options)),
    prepareProgress: (request, options) => prepareProgress(request, withDefaults(options)),
    waitPrepared: (request, options) => waitPrepared(request, withDefaults(options)),
  });
}
