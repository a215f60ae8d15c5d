// Run a test scenario in its own Node process, under a guard that records every
// `uncaughtException` and `unhandledRejection` (they set a non-zero exit code instead of
// going unnoticed), so a test can assert that the library crashed nothing, left no
// rejection unhandled, settled every call and let the process exit by itself.
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = join(ROOT, "build", "isolated");

// Prepended to every scenario. `report(value)` prints the result line; `settle(promise, ms)`
// says how a promise ended (or that it did not within `ms`); `describe(error)` keeps the
// fields a test asserts on.
const GUARD = `
process.on("uncaughtException", (e) => {
  process.exitCode = 70;
  process.stderr.write("FAULT uncaughtException " + String((e && e.stack) || e).slice(0, 2000) + "\\n");
});
process.on("unhandledRejection", (e) => {
  process.exitCode = 71;
  process.stderr.write("FAULT unhandledRejection " + String((e && e.stack) || e).slice(0, 2000) + "\\n");
});
globalThis.report = (value) => process.stdout.write("RESULT " + JSON.stringify(value) + "\\n");
globalThis.describe = (e) =>
  e !== null && typeof e === "object"
    ? { name: e.name, code: e.code, message: String(e.message).slice(0, 500), messageLength: String(e.message).length, httpStatus: e.httpStatus, retryable: e.retryable }
    : { thrown: String(e).slice(0, 500) };
globalThis.settle = (promise, ms) =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ status: "hung" }), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve({ status: "fulfilled", value })),
      (error) => (clearTimeout(timer), resolve({ status: "rejected", error: describe(error) })),
    );
  });
`;

let counter = 0;

/**
 * Run `source` (an ES module body) in a fresh `node`. Resolves with `{ code, signal,
 * killed, stdout, stderr, result, faults, tookMs }`: `result` is the value of the last
 * `report()`, `faults` the guard's lines, `killed` true if it outlived `timeoutMs`.
 */
export function runIsolated(source, { timeoutMs = 60_000, nodeArgs = [], env = {} } = {}) {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `scenario-${process.pid}-${++counter}.mjs`);
  writeFileSync(file, GUARD + source);
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, file],
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        rmSync(file, { force: true });
        const lines = stdout.split("\n").filter((l) => l.startsWith("RESULT "));
        resolve({
          code: error ? (error.code ?? null) : 0,
          signal: error?.signal ?? null,
          killed: Boolean(error?.killed),
          stdout,
          stderr,
          result: lines.length ? JSON.parse(lines.at(-1).slice("RESULT ".length)) : undefined,
          faults: stderr.split("\n").filter((l) => l.startsWith("FAULT ")),
          tookMs: Math.round(performance.now() - started),
        });
      },
    );
  });
}

/** A one-paragraph account of a run, for assertion messages. */
export function explain(run) {
  return (
    `exit ${run.code}${run.signal ? ` (${run.signal})` : ""}${run.killed ? ", killed: did not exit by itself" : ""} after ${run.tookMs} ms\n` +
    `stdout: ${run.stdout.slice(-1500)}\nstderr: ${run.stderr.slice(-3000)}`
  );
}

/** Assert-ready: the run exited 0 by itself, with no fault and a result. */
export function cleanExit(run) {
  return run.code === 0 && !run.killed && run.faults.length === 0 && run.result !== undefined;
}

/** The count of faults and the first few, for an assertion message. */
export function faultSummary(run) {
  return `${run.faults.length} uncaught exception(s)/unhandled rejection(s)${run.faults.length ? `, first: ${run.faults.slice(0, 3).join("\n")}` : ""}`;
}
