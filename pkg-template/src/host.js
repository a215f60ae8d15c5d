// The JavaScript host of one call: it performs what the call's state machine
// (in the wasm, `src/driver`) asks for, and reports back what happened.
//
// It owns every timer, abort listener and `fetch` of the call, so when the
// call settles it can stop them all: no request starts after that, in-flight
// exchanges are aborted, and nothing keeps the process alive. Every entry into
// the module goes through `enter`, which catches a trap and fails this call
// alone; every caller-supplied function is called behind a guard.

import { exchange, describeError } from "./exchange.js";
import { fromPayload, messageOf as message } from "./error.js";

const now = () => performance.now();

export class Host {
  /**
   * @param handles the caller's functions and signal ({ fetch, token, signal, onProgress })
   * @param settle  (ok, payload) => void: resolve or reject the caller's promise
   * @param onTrap  (error) => void: the module trapped; the entry starts a fresh one
   */
  constructor(handles, settle, onTrap) {
    this.handles = handles;
    this.done = settle;
    this.onTrap = onTrap;
    this.call = null;
    this.settled = false;
    this.timer = undefined;
    /** Exchange ID → the AbortController of its attempt on the wire. */
    this.inFlight = new Map();
    this.trapped = false;
    /** Set by a client: called after each answer and at the end (its other calls may take a freed slot). */
    this.onAnswer = undefined;
    this.onAbort = () => this.enter((call) => call.aborted(now()));
  }

  /** Start the call with `start(host, aborted, now)`, which returns the `Call` handle. */
  begin(start) {
    if (this.settled) return;
    const { signal } = this.handles;
    let aborted = false;
    if (signal) {
      try {
        aborted = signal.aborted === true;
        if (!aborted) signal.addEventListener("abort", this.onAbort, { once: true });
      } catch (error) {
        this.fail("INVALID_ARGUMENT", `reading or listening to \`signal\` threw: ${message(error)}`, error);
        return;
      }
    }
    this.enter(() => {
      this.call = start(this, aborted, now());
    });
  }

  // ---- called by the module (src/driver/mod.rs) ----

  send(id, url, headers, body, timeoutMs, maxBodyBytes) {
    const fetchFn = this.handles.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== "function") {
      const detail = JSON.stringify({
        name: "TypeError",
        message: "this runtime has no global fetch; pass one as the `fetch` option",
      });
      queueMicrotask(() =>
        this.enter((call) => call.exchanged(id, now(), Date.now(), 1, 0, undefined, undefined, detail)),
      );
      return;
    }
    const controller = new AbortController();
    this.inFlight.set(id, controller);
    exchange(fetchFn, url, headers, body, timeoutMs, maxBodyBytes, controller).then((r) => {
      this.inFlight.delete(id);
      this.enter((call) => call.exchanged(id, now(), r.wall, r.failure, r.status, r.retryAfter, r.body, r.detail));
      this.answered();
    });
  }

  getToken(id, forceRefresh) {
    new Promise((resolve) => resolve(this.handles.token({ forceRefresh: forceRefresh === true }))).then(
      (token) => {
        if (typeof token !== "string" || token.length > 65536) {
          const what = typeof token === "string" ? "a string over 65536 characters" : describeType(token);
          const detail = JSON.stringify({
            name: "TypeError",
            message: `the token function must return (or resolve to) a string, got ${what}`,
          });
          this.enter((call) => call.token(id, now(), undefined, detail));
        } else {
          this.enter((call) => call.token(id, now(), token, undefined));
        }
      },
      (error) => this.enter((call) => call.token(id, now(), undefined, describeError(error))),
    );
  }

  /** Abort exchange `id`: the part of the call that sent it was dropped (its answer is ignored). */
  cancelExchange(id) {
    this.inFlight.get(id)?.abort();
  }

  sleep(delayMs) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.enter((call) => call.woke(now())), delayMs);
  }

  notify(kind, json) {
    const { onProgress, onWatch, hooks } = this.handles;
    if (kind === "watch") {
      if (onWatch) onWatch(JSON.parse(json));
      return;
    }
    const callback = kind === "progress" ? onProgress : hooks?.[kind];
    if (typeof callback !== "function") return;
    const report = JSON.parse(json);
    if (report.error) report.error = fromPayload(report.error);
    // Later, outside the module, and contained: a callback's throw or rejection is its own.
    queueMicrotask(() => {
      try {
        const result = callback(report);
        if (result !== null && typeof result === "object" && typeof result.then === "function") {
          result.then(undefined, () => {});
        }
      } catch {
        // Ignored, as documented.
      }
    });
  }

  settle(ok, json) {
    this.finish();
    this.done(ok, JSON.parse(json));
  }

  // ---- called by the entry ----

  /** Wake the call now: a client's slot it may be waiting for was freed. */
  kick() {
    this.enter((call) => call.woke(now()));
  }

  /** Stop the call without settling it (a watch's `return()`): nothing runs after this. */
  cancel() {
    if (this.settled) return;
    this.finish();
    this.done(false, { code: "ABORTED", message: "the watch was stopped" });
    this.release();
    this.answered();
  }

  // ---- internals ----

  answered() {
    if (!this.onAnswer) return;
    try {
      this.onAnswer(this);
    } catch {
      // A client's bookkeeping must not break this call.
    }
  }

  /** Run `step(call)` inside the module; a throw there fails this call with INTERNAL. */
  enter(step) {
    if (this.settled) return;
    try {
      step(this.call);
    } catch (error) {
      if (typeof error === "string" && !this.settled) {
        // A start function refusing its arguments throws the error payload.
        this.finish();
        this.done(false, JSON.parse(error));
      } else {
        // A trap, or an exception that unwound through the module: its state
        // may be corrupt. This call fails with what happened; `onTrap` then
        // stops the other calls on the module and lets the next call start afresh.
        this.fail("INTERNAL", `internal error in koophone-wasm: ${message(error)}`, error, true);
        this.onTrap(error);
      }
    } finally {
      if (this.settled && this.call) {
        this.release();
        this.answered();
      }
    }
  }

  /** Fail the call with a payload made here (not by the module). */
  fail(code, text, cause, trapped = false) {
    this.trapped ||= trapped;
    if (this.settled) return;
    this.finish();
    this.done(false, {
      code,
      message: text,
      cause: cause === undefined ? undefined : { name: "Error", message: message(cause) },
    });
    this.release();
  }

  /** Let go of the module's side of the call (without touching a trapped module). */
  release() {
    const call = this.call;
    this.call = null;
    if (!call) return;
    try {
      if (this.trapped) call.__destroy_into_raw();
      else call.free();
    } catch {
      // Nothing more can be done for a handle that cannot be released.
    }
  }

  /** Stop everything the call started. */
  finish() {
    this.settled = true;
    clearTimeout(this.timer);
    for (const controller of this.inFlight.values()) controller.abort();
    this.inFlight.clear();
    const { signal } = this.handles;
    if (signal) {
      try {
        signal.removeEventListener("abort", this.onAbort);
      } catch {
        // A signal-like whose methods throw: nothing left to undo.
      }
    }
  }
}

function describeType(value) {
  return value === null ? "null" : typeof value;
}
