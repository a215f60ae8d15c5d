// Child process of the fault matrix: runs one scenario group (one endpoint, retries on
// or off) against the mock owned by the parent, reporting each outcome over IPC. When
// done it disconnects and must then exit by itself: no timer, listener or socket of
// the library may keep Node alive. Started by fault-matrix.test.mjs with fork().
import { inspect } from "node:util";
import { FAULTS, TIMEOUT_MS } from "./fault-cases.mjs";
import { lib, TOKEN } from "./support.mjs";

const { batchStatus, prepareProgress, KooPhoneError } = lib;
const [url, endpoint, retriesArg] = process.argv.slice(2);
const retries = retriesArg === "on";

const unhandled = [];
process.on("unhandledRejection", (reason) => unhandled.push(String(reason?.stack ?? reason)));
const consoleOutput = [];
for (const method of ["log", "info", "warn", "error", "debug", "trace"]) {
  console[method] = (...args) =>
    consoleOutput.push(args.map((a) => (typeof a === "string" ? a : inspect(a))).join(" "));
}

// Ask the parent to reset the mock and set a fault; resolves once it has.
let pending = null;
process.on("message", (m) => {
  if (m.kind === "ack" && pending) pending(m);
});
const ask = (message) =>
  new Promise((resolve) => {
    pending = resolve;
    process.send(message);
  });

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

const call = (options) =>
  endpoint === "batch-query-status"
    ? batchStatus(["i1", "i2", "ghost"], options)
    : prepareProgress({ userId: "u1", instanceId: "i1" }, options);

// Warm up first (wasm compile, Node's lazily loaded fetch stack), so that the 300 ms
// attempt timeout of the first case measures the request, not the cold start.
await ask({ kind: "set", fault: null });
await call({ token: TOKEN, endpoint: url });

for (const [index, c] of FAULTS.entries()) {
  const fault = { endpoint, ...c.fault };
  if (fault.retryAfterInMs) {
    fault.retryAfter = new Date(Date.now() + fault.retryAfterInMs).toUTCString();
    delete fault.retryAfterInMs;
  }
  await ask({ kind: "set", fault });
  const timersBefore = timers();
  const started = performance.now();
  const outcome = await call({ token: TOKEN, endpoint: url, timeoutMs: TIMEOUT_MS, maxAttempts: retries ? 3 : 1 }).then(
    (value) => ({ value }),
    (error) => ({
      error: {
        isKooPhoneError: error instanceof KooPhoneError,
        name: error?.name,
        code: error?.code,
        httpStatus: error?.httpStatus,
        errorCode: error?.errorCode,
        retryable: error?.retryable,
        requestId: error?.requestId,
        message: error?.message,
        // Every way an error gets printed or logged, to look for the token.
        renderings: [
          error?.stack,
          JSON.stringify(error),
          String(error),
          inspect(error, { depth: 8, showHidden: true }),
        ],
      },
    }),
  );
  const tookMs = Math.round(performance.now() - started);
  // Timers the call left behind (a settled call must leave none).
  await new Promise((resolve) => setImmediate(resolve));
  process.send({ kind: "result", index, tookMs, outcome, timersLeft: timers() - timersBefore });
}

process.send({ kind: "done", unhandled, consoleOutput, resources: process.getActiveResourcesInfo() });
process.disconnect();
