// The one error class of the package. The wasm core rejects with plain payload
// objects ({ code, message, httpStatus, ... }); `fromPayload` turns them into
// instances, so `instanceof KooPhoneError` and `instanceof Error` both hold.

const FIELDS = ["httpStatus", "errorCode", "errorMsg", "requestId", "progress"];

export class KooPhoneError extends Error {
  constructor(message, details = {}) {
    super(message);
    Object.defineProperty(this, "name", { value: "KooPhoneError", enumerable: false, configurable: true });
    this.code = details.code ?? "NETWORK";
    for (const field of FIELDS) this[field] = details[field] ?? null;
    this.retryable = Boolean(details.retryable);
  }

  /** Plain data for logs and `JSON.stringify` (which skips `message` on errors). */
  toJSON() {
    const out = { name: this.name, code: this.code, message: this.message };
    for (const field of FIELDS) out[field] = this[field];
    out.retryable = this.retryable;
    return out;
  }
}

/** Turn a rejection payload from the wasm core into a `KooPhoneError`. */
export function fromPayload(payload) {
  if (payload instanceof KooPhoneError) return payload;
  if (payload && typeof payload === "object" && payload.name === "KooPhoneError" && typeof payload.code === "string") {
    return new KooPhoneError(payload.message, payload);
  }
  // Not ours: a bug or a trap inside the module. Report it without losing it.
  const message = payload instanceof Error ? payload.message : String(payload);
  const error = new KooPhoneError(`internal error in koophone-wasm: ${message}`, { code: "INTERNAL" });
  error.cause = payload;
  return error;
}
