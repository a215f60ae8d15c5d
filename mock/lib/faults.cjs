"use strict";
/**
 * Faults: checked descriptions of a misbehaviour (`{ type, endpoint?, nth?, times?, ...params }`),
 * a book that decides which of them apply to each request, and the replies they produce.
 */
const { validateHeaderValue } = require("node:http");
const { ERROR_CODES, errorReply, jsonReply, textReply, throttled } = require("./replies.cjs");
const { successBody, successReply } = require("./endpoints.cjs");

/** Every fault type, in the order the README lists them. */
const FAULT_TYPES = Object.freeze([
  "latency",
  "http",
  "rate-limit",
  "api-error",
  "html",
  "truncated",
  "non-json",
  "wrong-types",
  "missing-fields",
  "extra-fields",
  "unknown-status",
  "reset",
  "hang",
]);

/**
 * Faults that shape the normal response: the request is validated and handled as usual (a
 * prepare script advances). All other types replace the response without looking at the request.
 */
const SHAPING_TYPES = new Set(["latency", "truncated", "wrong-types", "extra-fields", "unknown-status"]);

/** Parameters each type takes besides `type`, `endpoint`, `nth` and `times`. */
const TYPE_PARAMS = Object.freeze({
  latency: ["ms"],
  http: ["status", "body"],
  "rate-limit": ["retryAfter"],
  "api-error": ["errorCode", "errorMsg"],
  "unknown-status": ["status"],
});

/** `'*'` means both KooPhone endpoints; the IAM endpoint is faulted only when named. */
const FAULT_ENDPOINTS = ["batch-query-status", "prepare-progress", "iam-tokens", "*"];
const COMMON_KEYS = ["type", "endpoint", "nth", "times"];

/** Fault types that make sense for the IAM endpoint (the others shape KooPhone data). */
const IAM_FAULT_TYPES = ["latency", "http", "rate-limit", "html", "truncated", "non-json", "reset", "hang"];

/** The status `unknown-status` reports when none is given. */
const DEFAULT_UNKNOWN_STATUS = 42;

/** ID of the result `extra-fields` adds to a batch answer although nobody asked for it. */
const UNREQUESTED_ID = "unrequested-extra-id";

const HTML_PAGE =
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>" +
  "<h1>502 Bad Gateway</h1><p>The upstream server returned an invalid response.</p>" +
  "<hr><address>mock-gateway</address></body></html>\n";

/**
 * @typedef {import('./replies.cjs').Reply} Reply
 * @typedef {import('./endpoints.cjs').EndpointName} EndpointName
 * @typedef {import('./endpoints.cjs').Outcome} Outcome
 * @typedef {Record<string, any> & { type: string, endpoint: string }} Fault a checked fault
 */

/** @param {unknown} v */
const isPositiveInteger = (v) => Number.isSafeInteger(v) && /** @type {number} */ (v) >= 1;

/**
 * Checks a fault description and returns a frozen copy with defaults filled in.
 * @param {unknown} input
 * @returns {Readonly<Fault>}
 * @throws {TypeError} naming the first thing that is wrong
 */
function normalizeFault(input) {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new TypeError('A fault must be an object like { type: "http", status: 503 }.');
  }
  const fault = /** @type {Record<string, any>} */ ({ endpoint: "*", ...input });
  if (!FAULT_TYPES.includes(fault.type)) {
    throw new TypeError(`Unknown fault type ${JSON.stringify(fault.type)}; use one of ${FAULT_TYPES.join(", ")}.`);
  }
  const allowed = [...COMMON_KEYS, ...(TYPE_PARAMS[fault.type] || [])];
  const unknown = Object.keys(fault).find((key) => !allowed.includes(key));
  if (unknown) throw new TypeError(`Fault type "${fault.type}" takes no option "${unknown}".`);
  if (!FAULT_ENDPOINTS.includes(fault.endpoint)) {
    throw new TypeError(`Fault endpoint must be one of ${FAULT_ENDPOINTS.join(", ")}.`);
  }
  if (fault.endpoint === "iam-tokens" && !IAM_FAULT_TYPES.includes(fault.type)) {
    throw new TypeError(
      `Fault type "${fault.type}" does not apply to iam-tokens; use one of ${IAM_FAULT_TYPES.join(", ")}.`,
    );
  }
  for (const key of ["nth", "times"]) {
    if (fault[key] !== undefined && !isPositiveInteger(fault[key])) {
      throw new TypeError(`Fault option "${key}" must be a positive integer.`);
    }
  }
  checkTypeParams(fault);
  return /** @type {Readonly<Fault>} */ (Object.freeze(fault));
}

/**
 * Checks the parameters specific to a fault's type.
 * @param {Record<string, any>} fault
 * @throws {TypeError}
 */
function checkTypeParams(fault) {
  const fail = (message) => {
    throw new TypeError(`Fault "${fault.type}": ${message}`);
  };
  switch (fault.type) {
    case "latency":
      if (!(Number.isFinite(fault.ms) && fault.ms >= 0)) fail('"ms" must be a number >= 0.');
      break;
    case "http":
      // 204, 205 and 304 cannot carry the body every fault reply has.
      if (
        !(Number.isInteger(fault.status) && fault.status >= 200 && fault.status <= 599) ||
        [204, 205, 304].includes(fault.status)
      ) {
        fail('"status" must be an integer from 200 to 599 other than 204, 205 and 304.');
      }
      break;
    case "rate-limit":
      if (fault.retryAfter !== undefined && !isRetryAfter(fault.retryAfter)) {
        fail('"retryAfter" must be seconds (a string or an integer >= 0) or an HTTP date string.');
      }
      break;
    case "api-error":
      for (const key of ["errorCode", "errorMsg"]) {
        if (fault[key] !== undefined && typeof fault[key] !== "string") fail(`"${key}" must be a string.`);
      }
      break;
    case "unknown-status":
      if (fault.status !== undefined && !Number.isInteger(fault.status)) fail('"status" must be an integer.');
      break;
    default:
      break;
  }
}

/** Whether `value` can be sent as a Retry-After header. @param {unknown} value */
function isRetryAfter(value) {
  if (Number.isInteger(value)) return /** @type {number} */ (value) >= 0;
  if (typeof value !== "string" || value.trim() === "") return false;
  try {
    validateHeaderValue("retry-after", value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The active faults of one server. Each fault counts the requests that match its endpoint from
 * the moment it is set; it applies from the `nth` of them (default: the first) to `times`
 * requests in all (default: 1 with `nth`, unlimited without), then removes itself.
 */
class FaultBook {
  /** @type {Map<number, { fault: Readonly<Fault>, seen: number }>} */
  #entries = new Map();
  #nextId = 1;

  /**
   * Checks and adds a fault.
   * @param {unknown} input
   * @returns {number} the fault's ID, for {@link FaultBook#remove}
   */
  add(input) {
    const fault = normalizeFault(input);
    const id = this.#nextId;
    this.#nextId += 1;
    this.#entries.set(id, { fault, seen: 0 });
    return id;
  }

  /** @param {number} id @returns {boolean} whether the fault was still active */
  remove(id) {
    return this.#entries.delete(id);
  }

  clear() {
    this.#entries.clear();
  }

  /**
   * Counts one request to `endpoint` against every matching fault and picks what applies: the
   * latencies of all applying `latency` faults add up, and the most recently set other fault
   * decides the response.
   * @param {EndpointName | 'iam-tokens'} endpoint
   * @returns {{ latencyMs: number, fault: Readonly<Fault> | null, applied: string | undefined }}
   *   `applied` is the type to record: the deciding fault's, else 'latency' if one applied
   */
  take(endpoint) {
    let latencyMs = 0;
    let fault = null;
    for (const [id, entry] of this.#entries) {
      const matches = entry.fault.endpoint === "*" ? endpoint !== "iam-tokens" : entry.fault.endpoint === endpoint;
      if (!matches) continue;
      entry.seen += 1;
      const first = entry.fault.nth ?? 1;
      const count = entry.fault.times ?? (entry.fault.nth ? 1 : Infinity);
      if (entry.seen < first) continue;
      if (entry.seen >= first + count - 1) this.#entries.delete(id);
      if (entry.fault.type === "latency") latencyMs += entry.fault.ms;
      else fault = entry.fault;
    }
    const applied = fault ? fault.type : latencyMs > 0 ? "latency" : undefined;
    return { latencyMs, fault, applied };
  }
}

/**
 * The response of a fault that replaces the normal one.
 * @param {Readonly<Fault>} fault a fault whose type is not in {@link SHAPING_TYPES}
 * @returns {Reply | 'reset' | 'hang'} a reply, or what to do with the socket instead
 */
function replacementReply(fault) {
  switch (fault.type) {
    case "http":
      return httpFaultReply(fault);
    case "rate-limit": {
      // The gateway's own 429 (APIGW.0308), which has no Retry-After unless the fault adds one.
      const headers = fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) };
      return throttled("limit:fault,time:1 second", headers);
    }
    case "api-error":
      return jsonReply(200, {
        error_code: fault.errorCode ?? "KooPhone.API.1001",
        error_msg: fault.errorMsg ?? "The request failed.",
      });
    case "html":
      return textReply(502, "text/html; charset=utf-8", HTML_PAGE);
    case "non-json":
      return textReply(200, "text/plain; charset=utf-8", "OK");
    case "missing-fields":
      return jsonReply(200, { error_code: "0", error_msg: "OK" });
    case "reset":
    case "hang":
      return fault.type;
    default:
      throw new Error(`Fault type "${fault.type}" does not replace the response.`);
  }
}

/**
 * The reply of an `http` fault: the given body (a string goes out verbatim, anything else as
 * JSON), or the service's internal-error body.
 * @param {Readonly<Fault>} fault
 * @returns {Reply}
 */
function httpFaultReply(fault) {
  if (fault.body === undefined) {
    return errorReply(fault.status, ERROR_CODES.internal, "Internal service error.");
  }
  if (typeof fault.body === "string") return textReply(fault.status, "application/json", fault.body);
  return jsonReply(fault.status, fault.body);
}

/**
 * The response of a shaping fault, built from the normal outcome. Error replies pass through
 * unchanged, except that `truncated` cuts any body in half.
 * @param {Readonly<Fault> | null} fault a shaping fault, or null for the normal response
 * @param {EndpointName} endpoint
 * @param {Outcome} outcome
 * @param {'wrapped' | 'bare'} form
 * @returns {Reply}
 */
function shapedReply(fault, endpoint, outcome, form) {
  let reply;
  if ("reply" in outcome) reply = outcome.reply;
  else if (fault?.type === "unknown-status") {
    reply = successReply(endpoint, withStatus(endpoint, outcome.data, fault.status ?? DEFAULT_UNKNOWN_STATUS), form);
  } else if (fault?.type === "wrong-types") {
    reply = jsonReply(200, successBody(endpoint, withWrongTypes(endpoint, outcome.data), form));
  } else if (fault?.type === "extra-fields") {
    reply = jsonReply(200, withExtraFields(endpoint, outcome.data, form));
  } else {
    reply = successReply(endpoint, outcome.data, form);
  }
  if (fault?.type === "truncated") {
    reply = { ...reply, body: reply.body.slice(0, Math.floor(reply.body.length / 2)) };
  }
  return reply;
}

/**
 * Success data with every status replaced.
 * @param {EndpointName} endpoint
 * @param {any} data
 * @param {number} status
 */
function withStatus(endpoint, data, status) {
  if (endpoint === "prepare-progress") return { ...data, status };
  return data.map((result) => ({ ...result, status }));
}

/**
 * Success data with numbers turned into strings. A batch answer with no results gets an object
 * for `status_results`, so the body is always wrong.
 * @param {EndpointName} endpoint
 * @param {any} data
 */
function withWrongTypes(endpoint, data) {
  if (endpoint === "prepare-progress") {
    return { status: String(data.status), waitingCount: String(data.waitingCount) };
  }
  if (data.length === 0) return {};
  return data.map((result) => ({ ...result, status: String(result.status) }));
}

/**
 * A success body with unknown fields at every level and, for a batch, one more result for an ID
 * that was not asked for.
 * @param {EndpointName} endpoint
 * @param {any} data
 * @param {'wrapped' | 'bare'} form
 * @returns {Record<string, any>}
 */
function withExtraFields(endpoint, data, form) {
  const extra = { mock_extra: "ignore me", mock_nested: { level: 1, list: [1, "two", null] } };
  const shaped =
    endpoint === "prepare-progress"
      ? { ...data, ...extra, progress_percent: 50 }
      : [...data, { instance_id: UNREQUESTED_ID, status: 2 }].map((r) => ({ ...r, ...extra, zone: "mock-az1" }));
  const body = successBody(endpoint, shaped, form);
  if (body.data && endpoint === "batch-query-status") Object.assign(body.data, extra, { total: shaped.length });
  return { ...body, ...extra, request_time: new Date(0).toISOString() };
}

module.exports = {
  FAULT_TYPES,
  IAM_FAULT_TYPES,
  SHAPING_TYPES,
  UNREQUESTED_ID,
  FaultBook,
  normalizeFault,
  replacementReply,
  shapedReply,
};
