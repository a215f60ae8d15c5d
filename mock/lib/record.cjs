"use strict";
/**
 * The request log: what each request and its answer looked like, with every secret replaced by
 * `'***'` (tokens, passwords, signatures, security tokens), so a test can print or compare
 * records freely.
 */

const REDACTED = "***";
/**
 * Shortest secret hidden where it appears inside a response body. Headers and the IAM password
 * field are hidden whatever their length; replacing a one- or two-character test token
 * everywhere in a body would garble the record without protecting anything.
 */
const MIN_QUOTED_SECRET_LENGTH = 4;
/** Request headers whose whole value is secret. */
const SECRET_HEADERS = ["x-auth-token", "x-security-token"];
/** Response headers whose whole value is secret. */
const SECRET_RESPONSE_HEADERS = ["x-subject-token"];

/**
 * @typedef {import('./replies.cjs').Reply} Reply
 * @typedef {object} RecordedResponse
 * @property {number} status
 * @property {Record<string, string>} headers lower-case names, secrets as '***'
 * @property {unknown} body parsed JSON, else the text; secrets as '***'
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} path the path without query string
 * @property {string} query the query string without `?` ('' when none)
 * @property {Record<string, string | string[] | undefined>} headers lower-case names, secrets as '***'
 * @property {unknown} body parsed JSON, else the raw text; null if over `maxBodyBytes`;
 *   undefined while it is still arriving
 * @property {number} receivedAt `Date.now()` when the request arrived
 * @property {string} [fault] type of the fault that applied
 * @property {number} [status] HTTP status sent, once sent (never for reset and hang)
 * @property {RecordedResponse} [response] the answer, once sent
 */

/**
 * The secrets each request carried, kept beside (not in) its record so that the answer can be
 * recorded without them, even when a fault or a server quotes them back.
 * @type {WeakMap<RecordedRequest, string[]>}
 */
const secretsOf = new WeakMap();

/**
 * The record of a request as it arrives; the body is filled in by {@link recordBody}.
 * @param {import('node:http').IncomingMessage} req
 * @returns {RecordedRequest}
 */
function recordRequest(req) {
  const url = req.url || "/";
  const at = url.indexOf("?");
  const record = {
    method: req.method || "",
    path: at < 0 ? url : url.slice(0, at),
    query: at < 0 ? "" : url.slice(at + 1),
    headers: redactHeaders(req.headers),
    body: undefined,
    receivedAt: Date.now(),
  };
  secretsOf.set(record, headerSecrets(req.headers));
  return record;
}

/**
 * The secret values among request headers: tokens, and an AK/SK signature.
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @returns {string[]}
 */
function headerSecrets(headers) {
  const values = [...SECRET_HEADERS, "authorization"].flatMap((name) => headers[name] ?? []);
  const signatures = values.flatMap((v) => [...v.matchAll(/Signature=([^,\s]+)/g)].map((m) => m[1]));
  return [...values, ...signatures];
}

/**
 * Request headers with secrets hidden. An AK/SK `Authorization` keeps its access key and signed
 * header list (not secret, and useful to assert on) but loses its signature; any other
 * `Authorization` is hidden whole.
 * @param {import('node:http').IncomingHttpHeaders} headers
 */
function redactHeaders(headers) {
  const copy = { ...headers };
  for (const name of SECRET_HEADERS) if (copy[name] !== undefined) copy[name] = REDACTED;
  const auth = copy.authorization;
  if (auth !== undefined) {
    copy.authorization =
      typeof auth === "string" && /^SDK-HMAC-SHA256 /.test(auth)
        ? auth.replace(/Signature=[^,\s]*/g, `Signature=${REDACTED}`)
        : REDACTED;
  }
  return copy;
}

/**
 * Fills in a record's body. For the IAM endpoint the password is hidden, and a body that is not
 * JSON is hidden whole (there is no telling where a password would be in it).
 * @param {RecordedRequest} record
 * @param {string} text
 * @param {boolean} tooLarge
 * @param {boolean} holdsPassword whether the body is an IAM token request
 */
function recordBody(record, text, tooLarge, holdsPassword) {
  if (tooLarge) {
    record.body = null;
    return;
  }
  const body = parseLoosely(text);
  if (!holdsPassword) record.body = body;
  else if (typeof body === "string") record.body = body === "" ? "" : REDACTED;
  else {
    record.body = withoutPassword(body);
    const password = body?.auth?.identity?.password?.user?.password;
    if (typeof password === "string") secretsOf.get(record)?.push(password);
  }
}

/**
 * A copy of an IAM token request with `auth.identity.password.user.password` hidden.
 * @param {any} body
 */
function withoutPassword(body) {
  const copy = structuredClone(body);
  const user = copy?.auth?.identity?.password?.user;
  if (user && typeof user === "object" && "password" in user) user.password = REDACTED;
  return copy;
}

/**
 * Records the answer sent for a request, without the secrets the reply declares or the request
 * carried (a fault or a misbehaving server may quote them back).
 * @param {RecordedRequest} record
 * @param {Reply} reply
 * @param {Record<string, string>} headers every header sent
 */
function recordResponse(record, reply, headers) {
  const secrets = [...(reply.secrets ?? []), ...(secretsOf.get(record) ?? [])];
  const hide = (/** @type {string} */ text) => {
    for (const secret of secrets) {
      if (secret.length < MIN_QUOTED_SECRET_LENGTH) continue;
      // As written in a body: raw, and escaped inside a JSON string.
      for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) text = text.replaceAll(form, REDACTED);
    }
    return text;
  };
  const shown = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, hide(value)]));
  for (const name of SECRET_RESPONSE_HEADERS) if (shown[name] !== undefined) shown[name] = REDACTED;
  record.status = reply.status;
  record.response = { status: reply.status, headers: shown, body: parseLoosely(hide(reply.body)) };
}

/** Parsed JSON if the text is JSON, else the text itself. @param {string} text */
function parseLoosely(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

module.exports = { REDACTED, recordRequest, recordBody, recordResponse };
