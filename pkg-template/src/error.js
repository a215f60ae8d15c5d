// The one error class of the package. The module rejects with plain payloads
// ({ code, message, httpStatus, ... }); `fromPayload` turns them into instances.
//
// `instanceof KooPhoneError` holds across the ESM and CommonJS builds and
// across installed copies of the package: instances carry a brand registered
// with `Symbol.for`, and `Symbol.hasInstance` checks the brand.

const BRAND = Symbol.for("koophone-wasm.KooPhoneError");
const FIELDS = ["httpStatus", "errorCode", "errorMsg", "requestId", "serverRequestId", "progress"];

export class KooPhoneError extends Error {
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    Object.defineProperty(this, "name", { value: "KooPhoneError", enumerable: false, configurable: true });
    Object.defineProperty(this, BRAND, { value: true });
    this.code = details.code ?? "INTERNAL";
    for (const field of FIELDS) this[field] = details[field] ?? null;
    this.retryable = Boolean(details.retryable);
    if (Array.isArray(details.errors)) this.errors = details.errors;
  }

  static [Symbol.hasInstance](value) {
    return isKooPhoneError(value);
  }

  /** Plain data for logs, `JSON.stringify` and `postMessage`. */
  toJSON() {
    const out = { name: this.name, code: this.code, message: this.message };
    for (const field of FIELDS) out[field] = this[field];
    out.retryable = this.retryable;
    if (this.cause !== undefined) out.cause = plainCause(this.cause);
    if (this.errors) out.errors = this.errors.map(({ instanceIds, error }) => ({ instanceIds, error: error.toJSON() }));
    return out;
  }

  /** Rebuild an error from `error.toJSON()` (e.g. after `postMessage` from a worker). */
  static fromJSON(json) {
    const data = typeof json === "string" ? JSON.parse(json) : json;
    return fromPayload(data);
  }
}

/**
 * The message of a thrown value, at most `max` characters, for wrapping it in our own
 * error. Reading it may itself throw (a hostile getter, a revoked Proxy): never rethrows.
 */
export function messageOf(error, max = 1000) {
  try {
    const text = error && typeof error === "object" ? error.message : error;
    return String(text).slice(0, max);
  } catch {
    return "an error that could not be read";
  }
}

/** Whether `value` is a KooPhoneError from any build or copy of this package. */
export function isKooPhoneError(value) {
  if (value === null || typeof value !== "object") return false;
  try {
    return value[BRAND] === true;
  } catch {
    return false; // a revoked Proxy, a throwing trap: not ours
  }
}

function plainCause(cause) {
  if (cause instanceof Error) {
    const out = { name: cause.name, message: cause.message };
    if (cause.code !== undefined) out.code = cause.code;
    return out;
  }
  return cause;
}

function causeFrom(data) {
  if (data === null || typeof data !== "object") return undefined;
  const cause = new Error(String(data.message ?? ""));
  if (typeof data.name === "string")
    Object.defineProperty(cause, "name", { value: data.name, enumerable: false, configurable: true });
  if (typeof data.code === "string") cause.code = data.code;
  return cause;
}

/** Turn a payload from the module (or `toJSON()` output) into a `KooPhoneError`. */
export function fromPayload(payload) {
  if (isKooPhoneError(payload)) return payload;
  if (payload && typeof payload === "object" && typeof payload.code === "string") {
    const errors = Array.isArray(payload.errors)
      ? payload.errors.map(({ instanceIds, error }) => ({ instanceIds, error: fromPayload(error) }))
      : undefined;
    return new KooPhoneError(String(payload.message), { ...payload, cause: causeFrom(payload.cause), errors });
  }
  // Not ours: a bug or a trap inside the module. Report it without losing it.
  const message = payload instanceof Error ? payload.message : String(payload);
  return new KooPhoneError(`internal error in koophone-wasm: ${message}`, { code: "INTERNAL", cause: payload });
}
