// JavaScript half of the API boundary (src/api): plain-object constructors and
// an environment probe that the Rust side imports. One call per object is far
// cheaper than a `Reflect.set` (and a key string) per property from wasm.

/** `location.origin` where there is one (browsers), for path endpoints. */
export function pageOrigin() {
  const origin = globalThis.location && globalThis.location.origin;
  return typeof origin === "string" ? origin : undefined;
}

export function statusEntry(instanceId, status, state) {
  return { instanceId, status, state };
}

export function batchResult(statuses, missing, requestIds, errors) {
  const result = { statuses, missing, requestIds };
  if (errors) result.errors = errors;
  return result;
}

export function chunkError(instanceIds, error) {
  return { instanceIds, error };
}

export function progress(status, state, waitingCount, requestId) {
  return { status, state, waitingCount: waitingCount ?? null, requestId };
}

export function report(status, state, waitingCount, requestId, attempt, elapsedMs) {
  return { status, state, waitingCount: waitingCount ?? null, requestId, attempt, elapsedMs };
}

/** The rejection payload `pkg-template/src/error.js` turns into a `KooPhoneError`. */
export function errorPayload(code, message, httpStatus, errorCode, errorMsg, requestId, retryable, progress) {
  return {
    name: "KooPhoneError",
    code,
    message,
    httpStatus: httpStatus ?? null,
    errorCode: errorCode ?? null,
    errorMsg: errorMsg ?? null,
    requestId: requestId ?? null,
    retryable,
    progress: progress ?? null,
  };
}
