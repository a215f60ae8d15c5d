"use strict";
/**
 * Reply values: plain descriptions of an HTTP response (`{ status, headers, body }`) that the
 * server writes to the socket. Building them is pure (apart from the gateway's random request
 * IDs), so handlers and faults never touch I/O.
 */
const { randomUUID } = require("node:crypto");

/**
 * Error codes the mock answers with. `KOOPHONE.API.*` 1000, 1001, 4001 and 9999 are the real
 * service's codes (see the prepare-progress seed); `APIGW.*` are Huawei's API gateway's, which
 * answers authentication and flow-control failures itself; the `KOOPHONE.API.0xxx` ones name
 * transport-level rejections the seeds do not cover.
 */
const ERROR_CODES = Object.freeze({
  badRequest: "KOOPHONE.API.1000",
  noPermission: "KOOPHONE.API.1001",
  noInstance: "KOOPHONE.API.4001",
  internal: "KOOPHONE.API.9999",
  invalidToken: "APIGW.0301",
  rateLimited: "APIGW.0308",
  notFound: "KOOPHONE.API.0404",
  methodNotAllowed: "KOOPHONE.API.0405",
  tooLarge: "KOOPHONE.API.0413",
});

/** Headers on every response, so a page on any origin can call the mock and read these. */
const CORS_HEADERS = Object.freeze({
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "x-request-id, retry-after, x-subject-token",
});

/** Methods the two endpoints accept; also the `Allow` header of a 405. */
const ALLOWED_METHODS = "POST, OPTIONS";

/** How long (seconds) a browser may cache the preflight answer. */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * @typedef {object} Reply
 * @property {number} status HTTP status code.
 * @property {Record<string, string>} headers Response headers (lower-case names), CORS excluded.
 * @property {string} body Response body, sent as UTF-8.
 * @property {string[]} [secrets] Text in the body that the request log shows as '***'.
 */

/**
 * A reply whose body is `value` serialized as JSON.
 * @param {number} status
 * @param {unknown} value
 * @param {Record<string, string>} [headers]
 * @returns {Reply}
 */
function jsonReply(status, value, headers = {}) {
  return textReply(status, "application/json", JSON.stringify(value), headers);
}

/**
 * A reply with a body of the given content type.
 * @param {number} status
 * @param {string} contentType
 * @param {string} body
 * @param {Record<string, string>} [headers]
 * @returns {Reply}
 */
function textReply(status, contentType, body, headers = {}) {
  return { status, headers: { "content-type": contentType, ...headers }, body };
}

/**
 * A JSON error reply in the service's shape `{ error_code, error_msg }`.
 * @param {number} status
 * @param {string} code
 * @param {string} message
 * @param {Record<string, string>} [headers]
 * @returns {Reply}
 */
function errorReply(status, code, message, headers) {
  return jsonReply(status, { error_code: code, error_msg: message }, headers);
}

/** @param {string} message what is wrong with the request @returns {Reply} */
const badRequest = (message) => errorReply(400, ERROR_CODES.badRequest, message);

/** A request ID as the gateway writes it: 32 lower-case hex digits, new for every answer. */
const gatewayRequestId = () => randomUUID().replaceAll("-", "");

/**
 * An error answered by the API gateway itself:
 * `{"error_code":"APIGW.0301","error_msg":"...","request_id":"..."}`.
 * @param {number} status
 * @param {string} code
 * @param {string} message
 * @param {Record<string, string>} [headers]
 * @returns {Reply}
 */
function gatewayError(status, code, message, headers) {
  return jsonReply(status, { error_code: code, error_msg: message, request_id: gatewayRequestId() }, headers);
}

/**
 * The gateway's 401 for a missing, unknown or expired token or a bad signature. `detail` says
 * which; it never holds the token, the secret key or the signature.
 * @param {string} detail
 * @returns {Reply}
 */
const unauthorized = (detail) =>
  gatewayError(401, ERROR_CODES.invalidToken, `Incorrect IAM authentication information: ${detail}`);

/**
 * The gateway's 429 when a flow-control policy is exceeded. The gateway sends no `Retry-After`;
 * `headers` lets a fault add one anyway.
 * @param {string} limit the policy, e.g. `limit:200,time:1 second`
 * @param {Record<string, string>} [headers]
 * @returns {Reply}
 */
const throttled = (limit, headers) =>
  gatewayError(
    429,
    ERROR_CODES.rateLimited,
    `The throttling threshold has been reached: policy api over ratelimit,${limit}`,
    headers,
  );

/** @param {string} path @returns {Reply} */
const notFound = (path) => errorReply(404, ERROR_CODES.notFound, `No such endpoint: ${path.slice(0, 200)}.`);

/** @param {string} method @returns {Reply} */
const methodNotAllowed = (method) =>
  errorReply(405, ERROR_CODES.methodNotAllowed, `Method ${method} is not allowed; use POST.`, {
    allow: ALLOWED_METHODS,
  });

/** @param {number} limit the body size limit in bytes @returns {Reply} */
const tooLarge = (limit) => errorReply(413, ERROR_CODES.tooLarge, `Request body is larger than ${limit} bytes.`);

/** @returns {Reply} the 204 answer to a CORS preflight. */
function preflight() {
  return {
    status: 204,
    headers: {
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers":
        "content-type, x-request-id, x-auth-token, authorization, x-sdk-date, x-project-id, x-security-token",
      "access-control-max-age": String(PREFLIGHT_MAX_AGE_S),
    },
    body: "",
  };
}

module.exports = {
  ERROR_CODES,
  CORS_HEADERS,
  jsonReply,
  textReply,
  errorReply,
  badRequest,
  gatewayError,
  unauthorized,
  throttled,
  notFound,
  methodNotAllowed,
  tooLarge,
  preflight,
};
