// Entry point of the koophone-wasm package, bundled by scripts/assemble.mjs once per
// entry file; only `./load.js` differs between them (how the module is obtained: from
// the .wasm file next to the entry, or inlined; see the load*.js files).
//
// The WebAssembly module is instantiated on the first call, once, however many
// calls race for it: no top-level await. Each call copies its arguments behind
// a guard (args.js), starts a state machine in the module, and lets a Host
// (host.js) perform what the machine asks for. If the module ever traps, the
// calls running on it fail with INTERNAL and the next call gets a fresh one.

import { ClientScheduler, checkInstanceIds as checkIds, initSync, knownOptions } from "./glue.js";
import { startBatchStatus, startPrepareProgress, startWaitPrepared } from "./calls.js";
import { loadModule } from "./load.js";
import { KooPhoneError, fromPayload, isKooPhoneError, messageOf } from "./error.js";
import { ArgumentError, checkedIds, readIds, readOptions, readTarget } from "./args.js";
import { Host } from "./host.js";
import { makeIamTokenProvider } from "./iam.js";
import { fleetCalls, SCHEDULER_OPTIONS } from "./fleet.js";

export { KooPhoneError, isKooPhoneError };

let ready = null;
let known = null;
/** Counts module instances (a fresh one after a trap): a client's scheduler and an IAM provider's handle belong to one. */
let generation = 0;
let standalone = null;
/** Hosts of the calls running on the current module instance. */
const live = new Set();

// Compile asynchronously (browsers refuse large synchronous compiles on the
// main thread), then instantiate the compiled module synchronously.
let compiled = null;
/** Whether the current instance is running (false again after a trap). */
let running = false;
async function instantiate() {
  compiled ??= loadModule();
  const module = await compiled;
  if (!running) instantiated(module);
}

function instantiated(module) {
  initSync({ module });
  generation++;
  standalone = ClientScheduler.none();
  known = knownOptions().split(",");
  running = true;
}

const startFailure = (cause) =>
  new KooPhoneError(
    `could not start the WebAssembly module: ${cause?.message ? cause.message : cause}` +
      " (a Content-Security-Policy without 'wasm-unsafe-eval' blocks WebAssembly)",
    { code: "INTERNAL", cause },
  );

/** Load the WebAssembly module now instead of on the first call. Idempotent. */
export function init() {
  if (ready === null) {
    ready = instantiate().catch((cause) => {
      ready = null; // let a later call try again
      compiled = null;
      throw startFailure(cause);
    });
  }
  return ready;
}

/**
 * Node entries only: start the module synchronously, from `loadSync()` (a compiled
 * module), unless it is running. koophone-wasm/proxy checks its credentials with it
 * when it is created.
 */
export function initNow(loadSync) {
  if (!running) {
    let module;
    try {
      module = loadSync();
    } catch (cause) {
      throw startFailure(cause);
    }
    compiled = Promise.resolve(module);
    instantiated(module);
    ready = Promise.resolve();
  }
}

/** The module trapped: its state may be corrupt. Stop its calls; the next call starts a fresh instance. */
function trapped() {
  ready = null;
  running = false;
  for (const host of [...live])
    host.fail("INTERNAL", "the WebAssembly module failed during another call; this call was stopped", undefined, true);
  live.clear();
}

const origin = () => {
  const value = globalThis.location?.origin;
  return typeof value === "string" && value !== "null" ? value : undefined;
};

/**
 * Run one call: `start(host, firstArgJson, optionsJson, token, origin, aborted, now, seed, scheduler)`.
 * `client` is a client's bookkeeping (see createClient); `attach(host, invalid)` lets a
 * watch take the host's events.
 */
async function run(start, readFirst, first, options, defaults, client, attach) {
  await init();
  let firstJson;
  let described;
  let invalid;
  let scheduler = standalone;
  try {
    described = readOptions(known, defaults, options);
    firstJson = readFirst(first);
    if (client) scheduler = client.scheduler();
    if (readFirst === readIds && /"invalidIds":"report"/.test(described.json)) {
      // Invalid IDs are set aside by the module's own rules, then listed in the result.
      const checked = checkedIds(firstJson, checkIds);
      firstJson = JSON.stringify(checked.valid);
      invalid = checked.invalid;
    }
  } catch (error) {
    if (typeof error === "string") throw fromPayload(JSON.parse(error));
    if (!(error instanceof ArgumentError)) throw error;
    throw new KooPhoneError(error.message, { code: "INVALID_ARGUMENT" });
  }
  const result = await new Promise((resolve, reject) => {
    const host = new Host(
      described.handles,
      (ok, payload) => {
        live.delete(host);
        if (ok) resolve(payload);
        else reject(withAbortReason(fromPayload(payload), described.handles.signal));
      },
      trapped,
    );
    live.add(host);
    if (client) client.adopt(host);
    if (attach) attach(host, invalid);
    const seed = Math.floor(Math.random() * 2 ** 53);
    host.begin((self, aborted, now) =>
      start(self, firstJson, described.json, described.token, origin(), aborted, now, seed, scheduler),
    );
  });
  if (invalid && result !== null && typeof result === "object") result.invalid = invalid;
  return result;
}

/** An `ABORTED` error carries the signal's reason as its `cause`, as `fetch` rejects with it. */
function withAbortReason(error, signal) {
  if (error.code !== "ABORTED" || !signal) return error;
  try {
    const reason = signal.reason;
    if (reason !== undefined) {
      Object.defineProperty(error, "cause", { value: reason, writable: true, configurable: true, enumerable: false });
    }
  } catch {
    // A signal whose reason cannot be read: the error stays as it is.
  }
  return error;
}

function withErrors(result) {
  if (result.errors) {
    result.errors = result.errors.map(({ instanceIds, error }) => ({ instanceIds, error: fromPayload(error) }));
  }
  return result;
}

export function batchStatus(instanceIds, options) {
  return run(startBatchStatus, readIds, instanceIds, options).then(withErrors);
}

export function prepareProgress(request, options) {
  return run(startPrepareProgress, readTarget, request, options);
}

export function waitPrepared(request, options) {
  return run(startWaitPrepared, readTarget, request, options);
}

/** The module's instance number, once it is running. */
const instance = () => init().then(() => generation);

/** A token function getting (and caching) project-scoped IAM tokens with a password. */
export function iamTokenProvider(options) {
  return makeIamTokenProvider(instance, options);
}

/** The same, its options checked now by the module, which must be running (see `initNow`). */
export function checkedIamTokenProvider(options) {
  return makeIamTokenProvider(instance, options, generation);
}

const fleet = fleetCalls({ run, init, checkIds: (json) => checkIds(json) });
export const { watchStatus, waitForState, waitPreparedAll, checkInstanceIds } = fleet;

/** A client's scheduler, made on first use for the current module instance. */
function clientState(settings) {
  const hosts = new Set();
  let made = null;
  return {
    scheduler() {
      if (!made || made.generation !== generation) {
        let json;
        try {
          json = JSON.stringify(settings);
        } catch (error) {
          throw new ArgumentError(`reading the createClient options threw: ${messageOf(error, 200)}`);
        }
        made = { generation, handle: new ClientScheduler(json) };
      }
      return made.handle;
    },
    adopt(host) {
      hosts.add(host);
      host.onAnswer = (self) => {
        if (self.settled) hosts.delete(self);
        if (made && made.generation === generation && made.handle.takeSlotWaiters()) {
          for (const other of [...hosts]) if (other !== self) other.kick();
        }
      };
    },
  };
}

export function createClient(defaults = {}) {
  if (defaults === null || typeof defaults !== "object") {
    throw new KooPhoneError("createClient needs an options object", { code: "INVALID_ARGUMENT" });
  }
  let bound;
  try {
    bound = { ...defaults };
  } catch (error) {
    throw new KooPhoneError(`reading the createClient options threw: ${messageOf(error, 200)}`, {
      code: "INVALID_ARGUMENT",
    });
  }
  const settings = {};
  for (const name of SCHEDULER_OPTIONS) {
    if (bound[name] !== undefined) settings[name] = bound[name];
    delete bound[name];
  }
  const client = clientState(settings);
  const calls = fleet.bind(bound, client);
  return Object.freeze({
    batchStatus: (instanceIds, options) =>
      run(startBatchStatus, readIds, instanceIds, options, bound, client).then(withErrors),
    prepareProgress: (request, options) => run(startPrepareProgress, readTarget, request, options, bound, client),
    waitPrepared: (request, options) => run(startWaitPrepared, readTarget, request, options, bound, client),
    ...calls,
  });
}
