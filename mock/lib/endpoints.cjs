"use strict";
/**
 * The two KooPhone endpoints as pure functions: validate a request the way the real service
 * does (once the gateway let it through), then answer from the mock's instance table. No I/O
 * here; the server feeds in headers, body text and the time, and writes out what comes back.
 */
const { ERROR_CODES, badRequest, errorReply, jsonReply } = require("./replies.cjs");
const { statusAt } = require("./instances.cjs");

/**
 * Longest instance or user ID the service accepts (both seeds: "maximum of 32 characters"),
 * counted in UTF-16 code units like the Java service (`String.length`).
 */
const MAX_ID_LENGTH = 32;
/** Default of the most IDs one batch query may carry (batch seed: "Maximum: 32"). */
const MAX_BATCH_IDS = 32;
/** Highest per-request limit the mock can be set to (newer Huawei docs allow 100). */
const MAX_BATCH_IDS_LIMIT = 100;
/** Longest `x-request-id` the mock accepts; the seeds give no limit, this guards against junk. */
const MAX_REQUEST_ID_LENGTH = 128;

/** Path → endpoint name, for the only two routes the mock serves. */
const ROUTES = Object.freeze({
  "/v1/instances/batch-query-status": "batch-query-status",
  "/v1/instances/prepare-progress": "prepare-progress",
});

/**
 * @typedef {'batch-query-status' | 'prepare-progress'} EndpointName
 * @typedef {import('./replies.cjs').Reply} Reply
 * @typedef {{ reply: Reply } | { data: any }} Outcome
 *   Either a finished (error) reply, or success data for {@link successBody} to wrap.
 * @typedef {import('./instances.cjs').InstanceState} InstanceState
 * @typedef {object} EndpointContext
 * @property {Map<string, InstanceState>} instances instance table, keyed by ID
 * @property {number} maxIdsPerRequest most IDs one batch query may carry
 * @property {() => number} clock the server's clock, for status timelines
 * @typedef {object} EndpointRequest
 * @property {import('node:http').IncomingHttpHeaders} headers lower-case header names
 * @property {string} text the raw request body
 */

/**
 * Checks the headers both endpoints share once past the gateway: `x-request-id` if
 * `requireRequestId`, then the content type.
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @param {boolean} requireRequestId
 * @returns {Reply | null} the rejection, or null when the headers are fine
 */
function checkHeaders(headers, requireRequestId) {
  if (requireRequestId) {
    const id = headers["x-request-id"];
    if (typeof id !== "string" || id.trim() === "") {
      return badRequest("Header x-request-id is required.");
    }
    if (id.length > MAX_REQUEST_ID_LENGTH) {
      return badRequest(`Header x-request-id must be at most ${MAX_REQUEST_ID_LENGTH} characters.`);
    }
  }
  if (!/^application\/json\s*(;|$)/i.test(headers["content-type"] || "")) {
    return badRequest("Content-Type must be application/json.");
  }
  return null;
}

/**
 * Parses the body as a JSON object.
 * @param {string} text
 * @returns {{ value: Record<string, unknown> } | { reply: Reply }}
 */
function parseJsonObject(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return { reply: badRequest("Request body is not valid JSON.") };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { reply: badRequest("Request body must be a JSON object.") };
  }
  return { value };
}

/**
 * Says what is wrong with an ID field, if anything.
 * @param {unknown} value
 * @param {string} name the field name to put in the message
 * @returns {string | null}
 */
function idProblem(value, name) {
  if (typeof value !== "string" || value === "" || value.length > MAX_ID_LENGTH) {
    return `${name} must be a non-empty string of at most ${MAX_ID_LENGTH} characters (UTF-16 code units).`;
  }
  // With the u flag, \p{Cs} matches only surrogates that are not part of a pair.
  if (/\p{Cs}/u.test(value)) return `${name} must not contain a lone surrogate (invalid UTF-16).`;
  return null;
}

/**
 * Runs the checks both endpoints share and returns the parsed body.
 * @param {EndpointRequest} req
 * @param {boolean} requireRequestId
 * @returns {{ value: Record<string, unknown> } | { reply: Reply }}
 */
function readValidBody(req, requireRequestId) {
  const rejected = checkHeaders(req.headers, requireRequestId);
  return rejected ? { reply: rejected } : parseJsonObject(req.text);
}

/**
 * `POST /v1/instances/batch-query-status`: statuses of the known IDs, in request order, once
 * per distinct ID; unknown IDs are left out, as in the seed example.
 * @param {EndpointRequest} req
 * @param {EndpointContext} ctx
 * @returns {Outcome} success data: `Array<{ instance_id, status }>`
 */
function handleBatch(req, ctx) {
  const body = readValidBody(req, true);
  if ("reply" in body) return body;
  const ids = body.value.instance_ids;
  const max = ctx.maxIdsPerRequest;
  if (!Array.isArray(ids) || ids.length < 1) {
    return { reply: badRequest(`instance_ids must be an array of 1 to ${max} IDs.`) };
  }
  if (ids.length > max) {
    return {
      reply: badRequest(
        `instance_ids must be an array of 1 to ${max} IDs; got ${ids.length}. ` +
          `Send at most ${max} IDs per request (the client's chunkSize option).`,
      ),
    };
  }
  for (let i = 0; i < ids.length; i += 1) {
    const problem = idProblem(ids[i], `instance_ids[${i}]`);
    if (problem) return { reply: badRequest(problem) };
  }
  const results = [];
  const now = ctx.clock();
  for (const id of new Set(ids)) {
    const instance = ctx.instances.get(id);
    if (instance) results.push({ instance_id: id, status: statusAt(instance, now) });
  }
  return { data: results };
}

/**
 * `POST /v1/instances/prepare-progress`: the next step of the instance's preparation script.
 * @param {EndpointRequest} req
 * @param {EndpointContext} ctx
 * @returns {Outcome} success data: `{ status, waitingCount }`
 */
function handlePrepare(req, ctx) {
  const body = readValidBody(req, false);
  if ("reply" in body) return body;
  const { user_id: userId, instance_id: instanceId } = body.value;
  const problem = idProblem(userId, "user_id") || idProblem(instanceId, "instance_id");
  if (problem) return { reply: badRequest(problem) };
  const instance = ctx.instances.get(/** @type {string} */ (instanceId));
  if (!instance) {
    return { reply: errorReply(400, ERROR_CODES.noInstance, "The instance does not exist.") };
  }
  if (instance.owner !== undefined && instance.owner !== userId) {
    return { reply: errorReply(400, ERROR_CODES.noPermission, "Insufficient instance permissions.") };
  }
  return { data: nextPrepareStep(instance) };
}

/**
 * Advances an instance's preparation script one step; the last step repeats forever and an
 * instance without a script is always ready (`{ status: 0, waitingCount: 0 }`).
 * @param {InstanceState} instance
 * @returns {{ status: number, waitingCount: number }}
 */
function nextPrepareStep(instance) {
  const script = instance.prepare;
  if (!script || script.length === 0) return { status: 0, waitingCount: 0 };
  const step = script[Math.min(instance.step, script.length - 1)];
  instance.step += 1;
  return { status: step.status, waitingCount: step.waitingCount };
}

/**
 * Handles a request for the named endpoint.
 * @param {EndpointName} endpoint
 * @param {EndpointRequest} req
 * @param {EndpointContext} ctx
 * @returns {Outcome}
 */
function handleEndpoint(endpoint, req, ctx) {
  return endpoint === "batch-query-status" ? handleBatch(req, ctx) : handlePrepare(req, ctx);
}

/**
 * The wire body of a success, from the data a handler returned.
 * @param {EndpointName} endpoint
 * @param {any} data
 * @param {'wrapped' | 'bare'} form batch only: inside `data` with error_code, or bare
 * @returns {Record<string, unknown>}
 */
function successBody(endpoint, data, form) {
  if (endpoint === "batch-query-status" && form === "bare") return { status_results: data };
  const payload = endpoint === "batch-query-status" ? { status_results: data } : data;
  return { data: payload, error_code: "0", error_msg: "OK" };
}

/**
 * A 200 reply with the success body.
 * @param {EndpointName} endpoint
 * @param {any} data
 * @param {'wrapped' | 'bare'} form
 * @returns {Reply}
 */
function successReply(endpoint, data, form) {
  return jsonReply(200, successBody(endpoint, data, form));
}

module.exports = {
  MAX_ID_LENGTH,
  MAX_BATCH_IDS,
  MAX_BATCH_IDS_LIMIT,
  ROUTES,
  handleEndpoint,
  successBody,
  successReply,
};
