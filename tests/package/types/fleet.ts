// The fleet calls' typings (issue 13): watch events, waitForState, waitPreparedAll outcomes,
// checkInstanceIds, hooks and a client with a scheduler.
import {
  checkInstanceIds,
  createClient,
  waitForState,
  waitPreparedAll,
  watchStatus,
  type KooPhoneErrorCode,
  type WatchEvent,
} from "koophone-wasm";

export async function fleet(ids: string[]): Promise<number> {
  const watch = watchStatus(ids, { token: "t", intervalMs: 5000, emitInitial: false, invalidIds: "report" });
  let seen = 0;
  for await (const event of watch) {
    const e: WatchEvent = event;
    for (const c of e.changes) seen += c.previous?.status ?? 0 + (c.current?.status ?? 0);
    if (e.error) {
      const code: KooPhoneErrorCode = e.error.code;
      seen += code.length;
    }
    break;
  }
  const { statuses, elapsedMs, rounds } = await waitForState(ids, ["running", "stopped"], {
    token: "t",
    maxWaitMs: 600_000,
    failOn: ["shutdown"],
    onProgress: ({ done, pending, missing }) => done.length + pending.length + missing.length,
  });
  const outcomes = await waitPreparedAll([{ userId: "u", instanceId: "a" }], { token: "t", concurrency: 8 });
  for (const o of outcomes) seen += o.ok ? o.progress.attempt : (o.error.httpStatus ?? 0);
  const { valid, invalid } = await checkInstanceIds(["a", 5]);
  const client = createClient({
    token: "t",
    rateLimit: { requestsPerSecond: 50, burst: 10 },
    maxConcurrentRequests: 16,
    retryBudget: false,
    hooks: {
      onRequest: ({ operation, requestId, attempt, url, idCount }) => [operation, requestId, attempt, url, idCount],
      onResponse: ({ httpStatus, errorCode, durationMs, code }) => [httpStatus, errorCode, durationMs, code],
      onRetry: ({ delayMs, error }) => [delayMs, error.code],
    },
  });
  const w = client.watchStatus(ids);
  await w.return?.();
  await client.waitForState(ids, "running");
  return seen + statuses.length + elapsedMs + rounds + valid.length + invalid.length;
}
