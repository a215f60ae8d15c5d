// The fleet calls: watchStatus (an async iterator written by hand), waitForState,
// waitPreparedAll and checkInstanceIds. Their logic is in the module's state machines
// (src/engine/watch.rs, wait_state.rs, prepare_all.rs); this file shapes their events
// and results and implements the iterator protocol.

import { startWaitForState, startWaitPreparedAll, startWatchStatus } from "./calls.js";
import { KooPhoneError, fromPayload, messageOf } from "./error.js";
import { ArgumentError, checkedIds, readIds, readTargets } from "./args.js";

/** Options only `createClient` takes: they configure the client's scheduler. */
export const SCHEDULER_OPTIONS = ["rateLimit", "maxConcurrentRequests", "retryBudget"];

const DONE = Object.freeze({ value: undefined, done: true });

/**
 * The iterator `watchStatus` returns. Not an async generator: `return()` must settle a
 * pending `next()` at once, and stop the rounds (no request after it, the one in flight
 * aborted, timers cleared). Like a generator, it starts at the first `next()`: a watch
 * nobody iterates sends nothing.
 */
class Watch {
  constructor(start) {
    this.queued = null; // the next event, not yet taken (later events merge into it)
    this.waiters = []; // pending next() calls
    this.failure = null; // the error that ended the watch, to throw from next()
    this.over = false;
    this.host = null;
    this.invalid = undefined;
    this.start = start; // until the first next()
  }

  begin() {
    const start = this.start;
    if (start === null) return;
    this.start = null;
    start((host, invalid) => {
      this.invalid = invalid;
      if (this.over) {
        host.cancel();
        return;
      }
      this.host = host;
      host.handles.onWatch = (event) => this.push(event);
    }).then(
      () => this.end(null),
      (error) => this.end(error),
    );
  }

  push(raw) {
    if (this.over) return;
    const event = shape(raw, this.invalid);
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve({ value: event, done: false });
    else this.queued = this.queued ? merge(this.queued, event) : event;
  }

  end(error) {
    this.host = null;
    if (this.over) return;
    if (error && this.waiters.length === 0) {
      this.failure = error;
      return;
    }
    this.over = true;
    const waiters = this.waiters.splice(0);
    if (error) waiters.shift().reject(error);
    for (const w of waiters) w.resolve(DONE);
  }

  next() {
    this.begin();
    if (this.queued) {
      const value = this.queued;
      this.queued = null;
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) {
      const error = this.failure;
      this.failure = null;
      this.over = true;
      return Promise.reject(error);
    }
    if (this.over) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return() {
    this.start = null;
    this.over = true;
    this.queued = null;
    this.failure = null;
    const host = this.host;
    this.host = null;
    if (host) host.cancel();
    for (const w of this.waiters.splice(0)) w.resolve(DONE);
    return Promise.resolve(DONE);
  }

  throw(error) {
    this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

function shape(event, invalid) {
  event.at = Date.now();
  if (event.error) event.error = fromPayload(event.error);
  else delete event.error;
  if (invalid) event.invalid = invalid;
  return event;
}

const sameStatus = (a, b) => (a === null ? b === null : b !== null && a.status === b.status);

/** Two events the caller has not taken yet, as one: changes since the older one's view. */
function merge(older, newer) {
  const byId = new Map(older.changes.map((c) => [c.instanceId, c]));
  for (const c of newer.changes) {
    const before = byId.get(c.instanceId);
    byId.set(c.instanceId, before ? { instanceId: c.instanceId, previous: before.previous, current: c.current } : c);
  }
  newer.changes = [...byId.values()].filter((c) => older.round === 1 || !sameStatus(c.previous, c.current));
  return newer;
}

/** The `until` argument of waitForState as JSON. */
function readUntil(until) {
  try {
    if (typeof until === "string") return JSON.stringify(until);
    if (!Array.isArray(until)) return "null";
    return JSON.stringify(
      Array.from({ length: Math.min(until.length, 16) }, (_, i) => (typeof until[i] === "string" ? until[i] : null)),
    );
  } catch (error) {
    throw new KooPhoneError(`reading until threw: ${messageOf(error, 200)}`, { code: "INVALID_ARGUMENT" });
  }
}

function withOutcomeErrors(outcomes) {
  return outcomes.map((o) => (o.ok ? o : { ...o, error: fromPayload(o.error) }));
}

/** The fleet calls, standalone and bound to a client's defaults. */
export function fleetCalls({ run, init, checkIds }) {
  const make = (defaults, client) => ({
    watchStatus(instanceIds, options) {
      return new Watch((attach) => run(startWatchStatus, readIds, instanceIds, options, defaults, client, attach));
    },
    async waitForState(instanceIds, until, options) {
      const untilJson = readUntil(until);
      return run(startWaitForState(untilJson), readIds, instanceIds, options, defaults, client);
    },
    waitPreparedAll(requests, options) {
      return run(startWaitPreparedAll, readTargets, requests, options, defaults, client).then(withOutcomeErrors);
    },
  });
  return {
    ...make(undefined, undefined),
    async checkInstanceIds(instanceIds) {
      await init();
      let json;
      try {
        json = readIds(instanceIds);
        return checkedIds(json, checkIds);
      } catch (error) {
        if (typeof error === "string") throw fromPayload(JSON.parse(error));
        if (error instanceof ArgumentError) throw new KooPhoneError(error.message, { code: "INVALID_ARGUMENT" });
        throw error;
      }
    },
    bind: make,
  };
}
