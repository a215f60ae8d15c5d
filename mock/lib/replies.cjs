'use strict';
/**
 * Reply values: plain descriptions of an HTTP response (`{ status, headers, body }`) that the
 * server writes to the socket. Building them is pure, so handlers and faults never touch I/O.
 */

/**
 * Error codes the mock answers with. The first five are the real service's codes (see the
 * prepare-progress seed); the `0xxx` ones name transport-level rejections the seeds do not cover.
 */
const ERROR_CODES = Object.freeze({
  badRequest: 'KOOPHONE.API.1000',
  noPermission: 'KOOPHONE.API.1001',
  invalidToken: 'KOOPHONE.API.1002',
  noInstance: 'KOOPHONE.API.4001',
  internal: 'KOOPHONE.API.9999',
  notFound: 'KOOPHONE.API.0404',
  methodNotAllowed: 'KOOPHONE.API.0405',
  tooLarge: 'KOOPHONE.API.0413',
  rateLimited: 'KOOPHONE.API.0429',
});

/** Headers on every response, so a page on any origin can call the mock and read these two. */
const CORS_HEADERS = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'x-request-id, retry-after',
});

/** Methods the two endpoints accept; also the `Allow` header of a 405. */
const ALLOWED_METHODS = 'POST, OPTIONS';

/** How long (seconds) a browser may cache the preflight answer. */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * @typedef {object} Reply
 * @property {number} status HTTP status code.
 * @property {Record<string, string>} headers Response headers (lower-case names), CORS excluded.
 * @property {string} body Response body, sent as UTF-8.
 */

/**
 * A reply whose body is `value` serialized as JSON.
 * @param {number} status
 * @param {unknown} value
 * @param {Record<string, string>} [headers]
 * @returns {Reply}
 */
function jsonReply(status, value, headers = {}) {
  return textReply(status, 'application/json', JSON.stringify(value), headers);
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
  return { status, headers: { 'content-type': contentType, ...headers }, body };
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

/** @returns {Reply} the 401 for a missing or unknown token; it never repeats the token. */
const invalidToken = () => errorReply(401, ERROR_CODES.invalidToken, 'Invalid or expired token.');

/** @param {string} path @returns {Reply} */
const notFound = (path) =>
  errorReply(404, ERROR_CODES.notFound, `No such endpoint: ${path.slice(0, 200)}.`);

/** @param {string} method @returns {Reply} */
const methodNotAllowed = (method) =>
  errorReply(405, ERROR_CODES.methodNotAllowed, `Method ${method} is not allowed; use POST.`, {
    allow: ALLOWED_METHODS,
  });

/** @param {number} limit the body size limit in bytes @returns {Reply} */
const tooLarge = (limit) =>
  errorReply(413, ERROR_CODES.tooLarge, `Request body is larger than ${limit} bytes.`);

/** @returns {Reply} the 204 answer to a CORS preflight. */
function preflight() {
  return {
    status: 204,
    headers: {
      'access-control-allow-methods': ALLOWED_METHODS,
      'access-control-allow-headers': 'content-type, x-request-id, x-auth-token',
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
    },
    body: '',
  };
}

module.exports = {
  ERROR_CODES,
  CORS_HEADERS,
  jsonReply,
  textReply,
  errorReply,
  badRequest,
  invalidToken,
  notFound,
  methodNotAllowed,
  tooLarge,
  preflight,
};
