// The fault matrix's cases: every mock fault type (several variants of some), and
// what each must produce. Shared by fault-matrix.test.mjs (the parent, which owns the
// mock) and fault-worker.mjs (the child process that makes the calls).
//
// `attempts(retries)` is the exact number of requests the case sends; `boundMs` its
// time limit with timeoutMs 300 (worst case: 3 attempts x 300 ms + backoff 250 + 500 ms,
// or two 1 s Retry-After waits), with slack for a loaded machine.

export const TIMEOUT_MS = 300;
const persistent = (retries) => (retries ? 3 : 1);
const once = () => 1;
const recovers = (retries) => (retries ? 2 : 1);

const ok = (extra = {}) => ({ ok: true, attempts: once, ...extra });
const fails = (code, retryable, extra = {}) => ({ code, retryable, attempts: retryable ? persistent : once, ...extra });
// A fault on the first request only: fails without retries, succeeds on the 2nd attempt with them.
const transient = (code, extra = {}) => ({ transient: true, code, retryable: true, attempts: recovers, ...extra });

export const FAULTS = [
  { name: "latency 50 ms", fault: { type: "latency", ms: 50 }, ...ok() },
  { name: "latency 500 ms > timeoutMs", fault: { type: "latency", ms: 500 }, ...fails("TIMEOUT", true) },
  {
    name: "http 400",
    fault: { type: "http", status: 400 },
    ...fails("HTTP", false, { httpStatus: 400, errorCode: "KOOPHONE.API.9999" }),
  },
  { name: "http 401", fault: { type: "http", status: 401 }, ...fails("HTTP", false, { httpStatus: 401 }) },
  { name: "http 404", fault: { type: "http", status: 404 }, ...fails("HTTP", false, { httpStatus: 404 }) },
  {
    name: "http 500",
    fault: { type: "http", status: 500 },
    ...fails("HTTP", true, { httpStatus: 500, errorCode: "KOOPHONE.API.9999" }),
  },
  { name: "http 501", fault: { type: "http", status: 501 }, ...fails("HTTP", false, { httpStatus: 501 }) },
  { name: "http 502", fault: { type: "http", status: 502 }, ...fails("HTTP", true, { httpStatus: 502 }) },
  { name: "http 503", fault: { type: "http", status: 503 }, ...fails("HTTP", true, { httpStatus: 503 }) },
  { name: "http 504", fault: { type: "http", status: 504 }, ...fails("HTTP", true, { httpStatus: 504 }) },
  { name: "http 503 once", fault: { type: "http", status: 503, times: 1 }, ...transient("HTTP", { httpStatus: 503 }) },
  {
    name: "http 200 empty body",
    fault: { type: "http", status: 200, body: "" },
    ...fails("BAD_RESPONSE", false, { httpStatus: 200 }),
  },
  {
    name: "http 200 JSON nested 100 000 deep",
    fault: { type: "http", status: 200, body: "[".repeat(100_000) },
    ...fails("BAD_RESPONSE", false),
  },
  {
    name: "http 200 JSON array",
    fault: { type: "http", status: 200, body: "[1,2,3]" },
    ...fails("BAD_RESPONSE", false),
  },
  { name: "http 200 JSON null", fault: { type: "http", status: 200, body: "null" }, ...fails("BAD_RESPONSE", false) },
  // No Retry-After (Huawei's gateway never sends one): each retry waits 2 to 5 s, as its docs advise.
  {
    name: "rate-limit",
    fault: { type: "rate-limit" },
    ...fails("HTTP", true, { httpStatus: 429, errorCode: "APIGW.0308", throttled: true, minMs: (r) => (r ? 4000 : 0) }),
  },
  {
    name: "rate-limit Retry-After 1",
    fault: { type: "rate-limit", retryAfter: "1" },
    ...fails("HTTP", true, { httpStatus: 429, slow: true, minMs: (r) => (r ? 2000 : 0) }),
  },
  // An HTTP date 2 s ahead, made when the fault is set (whole seconds, so 1 to 2 s of wait);
  // later retries find it past (wait 0).
  {
    name: "rate-limit Retry-After date",
    fault: { type: "rate-limit", retryAfterInMs: 2000 },
    ...fails("HTTP", true, { httpStatus: 429, slow: true, minMs: (r) => (r ? 950 : 0) }),
  },
  // Longer than the 60 s the library waits: it gives up at once (still retryable later).
  {
    name: "rate-limit Retry-After 120",
    fault: { type: "rate-limit", retryAfter: 120 },
    ...fails("HTTP", true, { httpStatus: 429, attempts: once }),
  },
  {
    name: "rate-limit once",
    fault: { type: "rate-limit", retryAfter: 0, times: 1 },
    ...transient("HTTP", { httpStatus: 429 }),
  },
  {
    name: "api-error",
    fault: { type: "api-error" },
    ...fails("API", false, { httpStatus: 200, errorCode: "KooPhone.API.1001" }),
  },
  { name: "html", fault: { type: "html" }, ...fails("HTTP", true, { httpStatus: 502 }) },
  { name: "truncated", fault: { type: "truncated" }, ...fails("BAD_RESPONSE", false, { httpStatus: 200 }) },
  { name: "non-json", fault: { type: "non-json" }, ...fails("BAD_RESPONSE", false, { httpStatus: 200 }) },
  { name: "wrong-types", fault: { type: "wrong-types" }, ...fails("BAD_RESPONSE", false, { httpStatus: 200 }) },
  { name: "missing-fields", fault: { type: "missing-fields" }, ...fails("BAD_RESPONSE", false, { httpStatus: 200 }) },
  { name: "extra-fields", fault: { type: "extra-fields" }, ...ok() },
  { name: "unknown-status 42", fault: { type: "unknown-status", status: 42 }, ...ok({ unrecognized: 42 }) },
  { name: "unknown-status -7", fault: { type: "unknown-status", status: -7 }, ...ok({ unrecognized: -7 }) },
  { name: "reset", fault: { type: "reset" }, ...fails("NETWORK", true) },
  { name: "reset once", fault: { type: "reset", times: 1 }, ...transient("NETWORK") },
  { name: "hang", fault: { type: "hang" }, ...fails("TIMEOUT", true) },
  { name: "hang once", fault: { type: "hang", times: 1 }, ...transient("TIMEOUT") },
];

export function boundMs(c, retries) {
  if (c.throttled && retries) return 12_000;
  return c.slow && retries ? 4_000 : 2_500;
}

export const ENDPOINTS = ["batch-query-status", "prepare-progress"];
export const INSTANCES = [
  { id: "i1", status: 2, owner: "u1" },
  { id: "i2", status: 1, owner: "u1" },
];
