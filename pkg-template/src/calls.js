// The calls the module can start, as `src/api/mod.rs` numbers them (`kind`), each as a
// start function `(host, firstJson, optionsJson, token, origin, aborted, now, seed, scheduler)`.
// The module has one `start` export for all of them (each export costs a wrapper in the wasm).

import { start } from "./glue.js";

const starter =
  (kind) =>
  (host, first, options, ...rest) =>
    start(kind, host, first, "", options, ...rest);

export const startBatchStatus = starter(0);
export const startPrepareProgress = starter(1);
export const startWaitPrepared = starter(2);
export const startWatchStatus = starter(3);
export const startWaitPreparedAll = starter(5);

/** `waitForState`, whose `until` (JSON) comes beside its IDs. */
export const startWaitForState =
  (untilJson) =>
  (host, ids, options, ...rest) =>
    start(4, host, ids, untilJson, options, ...rest);
