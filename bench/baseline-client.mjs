// The baseline of the benchmarks: the KooPhone client a competent user would write by hand
// with `fetch` instead of installing koophone-wasm. It does what the happy path needs and what
// a careful user would not leave out: an x-request-id per request, a per-request timeout, HTTP
// and error_code checks, de-duplication, chunks of 32 sent through a small concurrency pool,
// results merged in input order, and a polling loop with a growing delay. It does not retry,
// validate inputs, redact tokens or support cancellation; the benchmarks only measure the happy
// path, where those features cost the library nothing but bookkeeping.

const STATES = ["unknown", "stopped", "running", "offline", "starting", "shutdown"];

async function post(url, body, token, timeoutMs) {
  const requestId = crypto.randomUUID();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": requestId, "x-auth-token": token },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok || json === null || (json.error_code !== undefined && json.error_code !== "0")) {
    const err = new Error(`KooPhone ${url}: HTTP ${res.status} ${json?.error_code ?? ""} ${json?.error_msg ?? ""}`);
    err.status = res.status;
    err.requestId = requestId;
    throw err;
  }
  return { json, requestId };
}

/** Status of any number of instances: `{ statuses, missing, requestIds }`. */
export async function batchStatus(
  instanceIds,
  { token, endpoint, chunkSize = 32, concurrency = 4, timeoutMs = 10_000 },
) {
  const url = `${endpoint}/v1/instances/batch-query-status`;
  const ids = [...new Set(instanceIds)];
  const chunks = [];
  for (let i = 0; i < ids.length; i += chunkSize) chunks.push(ids.slice(i, i + chunkSize));
  const found = new Map();
  const requestIds = [];
  let next = 0;
  async function worker() {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      const { json, requestId } = await post(url, { instance_ids: chunk }, token, timeoutMs);
      requestIds.push(requestId);
      for (const r of (json.data ?? json).status_results ?? []) found.set(r.instance_id, r.status);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  const statuses = [];
  const missing = [];
  for (const id of ids) {
    const status = found.get(id);
    if (status === undefined) missing.push(id);
    else statuses.push({ instanceId: id, status, state: STATES[status] ?? "unrecognized" });
  }
  return { statuses, missing, requestIds };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll prepare-progress until status 0 (resolves), -1 (rejects) or maxWaitMs. */
export async function waitPrepared(
  { userId, instanceId },
  { token, endpoint, minDelayMs = 1_000, maxDelayMs = 10_000, maxWaitMs = 300_000, timeoutMs = 10_000, onProgress },
) {
  const url = `${endpoint}/v1/instances/prepare-progress`;
  const started = Date.now();
  let delay = minDelayMs;
  let last = null;
  for (let attempt = 1; ; attempt++) {
    const { json, requestId } = await post(url, { user_id: userId, instance_id: instanceId }, token, timeoutMs);
    const { status, waitingCount = null } = json.data ?? {};
    const progress = { status, waitingCount, requestId, attempt, elapsedMs: Date.now() - started };
    onProgress?.(progress);
    if (status === 0) return progress;
    if (status === -1) throw new Error(`preparation of ${instanceId} failed`);
    if (Date.now() - started + delay > maxWaitMs) throw new Error(`${instanceId} not prepared after ${maxWaitMs} ms`);
    delay =
      last && last.status === status && last.waitingCount === waitingCount
        ? Math.min(delay * 1.5, maxDelayMs)
        : minDelayMs;
    last = progress;
    await sleep(delay);
  }
}
