"use strict";
/**
 * Verification of AK/SK-signed requests, following Huawei Cloud's API-gateway scheme
 * `SDK-HMAC-SHA256`, written independently of Huawei's SDKs with node:crypto (the mock tests check
 * it against Huawei's own signer):
 *
 *   canonical request = method \n canonical URI (each segment percent-encoded, trailing "/")
 *                       \n canonical query (sorted, percent-encoded) \n canonical headers
 *                       (`name:value\n` for each signed header, in the listed order)
 *                       \n signed header names (`;`-joined) \n hex SHA-256 of the body
 *   string to sign    = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex SHA-256 of the canonical request
 *   signature         = hex HMAC-SHA256(secret key, string to sign)
 *
 * Pure functions: the gateway feeds in the request and the key table and gets a verdict.
 */
const { createHash, createHmac, timingSafeEqual } = require("node:crypto");

const ALGORITHM = "SDK-HMAC-SHA256";
/** How far `X-Sdk-Date` may be from the server's clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** Headers every signature must cover. */
const REQUIRED_SIGNED_HEADERS = ["host", "x-sdk-date"];
/** The payload hash a client may sign instead of hashing the body. */
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

const AUTHORIZATION = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/;
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * @typedef {object} AccessKey
 * @property {string} accessKey
 * @property {string} secretKey
 * @property {string} [projectId] when set, an `X-Project-Id` sent with this key must equal it
 * @property {string} [securityToken] temporary keys: the `X-Security-Token` the request must carry
 * @typedef {object} SignedRequest
 * @property {string} method
 * @property {string} rawPath the path as sent, percent-encoding included
 * @property {string} rawQuery the query string as sent, without `?`
 * @property {import('node:http').IncomingHttpHeaders} headers lower-case names
 * @property {Buffer} bytes the raw body
 * @typedef {{ ok: true, accessKey: string } | { ok: false, detail: string }} Verdict
 *   `detail` completes "Incorrect IAM authentication information: ..." and never holds a secret
 */

/** Whether an Authorization header asks for AK/SK verification. @param {unknown} value */
const isSignedAuthorization = (value) => typeof value === "string" && value.startsWith(`${ALGORITHM} `);

/**
 * Percent-encodes like Huawei's signer: everything but `A-Z a-z 0-9 - _ . ~`, as UTF-8.
 * @param {string} text
 */
function percentEncode(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Decodes percent-escapes, keeping the text as is when they are malformed. @param {string} text */
function decodeLoosely(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The canonical URI: each segment decoded then re-encoded, with a trailing `/`. @param {string} rawPath */
function canonicalUri(rawPath) {
  const path = rawPath
    .split("/")
    .map((segment) => percentEncode(decodeLoosely(segment)))
    .join("/");
  return path.endsWith("/") ? path : `${path}/`;
}

/**
 * The canonical query: `key=value` pairs sorted by key (values of a repeated key sorted too),
 * both percent-encoded, joined with `&`. `+` in the raw query means a space.
 * @param {string} rawQuery
 */
function canonicalQuery(rawQuery) {
  /** @type {Map<string, string[]>} */
  const params = new Map();
  for (const pair of rawQuery.split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const [key, value] = (at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)]).map((part) =>
      decodeLoosely(part.replaceAll("+", " ")),
    );
    params.set(key, [...(params.get(key) ?? []), value]);
  }
  const keys = [...params.keys()].sort();
  return keys
    .flatMap((key) => [...params.get(key)].sort().map((v) => `${percentEncode(key)}=${percentEncode(v)}`))
    .join("&");
}

/** A header's value as signed: repeated values comma-joined, surrounding spaces trimmed. */
function headerValue(/** @type {string | string[] | undefined} */ value) {
  return (Array.isArray(value) ? value.join(",") : (value ?? "")).trim();
}

/**
 * The canonical request of a signed request.
 * @param {SignedRequest} req
 * @param {string[]} signedHeaders lower-case names, in the order the Authorization lists them
 * @returns {string}
 */
function canonicalRequest(req, signedHeaders) {
  const claimed = req.headers["x-sdk-content-sha256"];
  const payloadHash =
    claimed === UNSIGNED_PAYLOAD ? UNSIGNED_PAYLOAD : createHash("sha256").update(req.bytes).digest("hex");
  return [
    req.method,
    canonicalUri(req.rawPath),
    canonicalQuery(req.rawQuery),
    signedHeaders.map((name) => `${name}:${headerValue(req.headers[name])}\n`).join(""),
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

/**
 * The string to sign for a canonical request.
 * @param {string} sdkDate the `X-Sdk-Date` value
 * @param {string} canonical
 */
const stringToSign = (sdkDate, canonical) =>
  `${ALGORITHM}\n${sdkDate}\n${createHash("sha256").update(canonical).digest("hex")}`;

/**
 * Milliseconds since the epoch of an `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`), or NaN.
 * @param {unknown} value
 */
function parseSdkDate(value) {
  const m = typeof value === "string" ? SDK_DATE.exec(value) : null;
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls out-of-range fields over (month 13, hour 25); a real date survives the round trip.
  const roundTrip = new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
  return roundTrip === value ? ms : NaN;
}

/**
 * Verifies a request signed with `SDK-HMAC-SHA256`.
 * @param {SignedRequest} req
 * @param {ReadonlyMap<string, AccessKey>} keys by access key
 * @param {number} nowMs the server's clock
 * @returns {Verdict}
 */
function verifySignature(req, keys, nowMs) {
  const match = AUTHORIZATION.exec(headerValue(req.headers.authorization));
  if (!match) return { ok: false, detail: "malformed Authorization header" };
  const [, accessKey, signedList, signature] = match;
  const key = keys.get(accessKey);
  if (!key) return { ok: false, detail: `ak ${accessKey} not exist` };
  const sdkDate = headerValue(req.headers["x-sdk-date"]);
  const signedAt = parseSdkDate(sdkDate);
  if (Number.isNaN(signedAt)) return { ok: false, detail: "X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ" };
  if (Math.abs(nowMs - signedAt) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, detail: "X-Sdk-Date is more than 15 minutes away from the server time" };
  }
  const signedHeaders = signedList.split(";");
  const missing = REQUIRED_SIGNED_HEADERS.find((name) => !signedHeaders.includes(name));
  if (missing) return { ok: false, detail: `SignedHeaders must include ${missing}` };
  const absent = signedHeaders.find((name) => req.headers[name] === undefined);
  if (absent !== undefined) return { ok: false, detail: `signed header ${absent} is not in the request` };
  const tokenProblem = securityTokenProblem(req.headers["x-security-token"], key, signedHeaders);
  if (tokenProblem) return { ok: false, detail: tokenProblem };
  const projectId = req.headers["x-project-id"];
  if (key.projectId !== undefined && projectId !== undefined && projectId !== key.projectId) {
    return { ok: false, detail: "X-Project-Id does not match the project of the access key" };
  }
  const expected = createHmac("sha256", key.secretKey)
    .update(stringToSign(sdkDate, canonicalRequest(req, signedHeaders)))
    .digest();
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, detail: "verify aksk signature fail" };
  }
  return { ok: true, accessKey };
}

/**
 * What is wrong with the request's security token for this key, if anything: temporary keys
 * need their token, sent and signed; permanent keys take none.
 * @param {string | string[] | undefined} sent
 * @param {AccessKey} key
 * @param {string[]} signedHeaders
 * @returns {string | null}
 */
function securityTokenProblem(sent, key, signedHeaders) {
  if (key.securityToken === undefined) {
    return sent === undefined ? null : "X-Security-Token sent with a permanent access key";
  }
  if (sent !== key.securityToken) return "X-Security-Token is missing or wrong for this temporary access key";
  return signedHeaders.includes("x-security-token") ? null : "SignedHeaders must include x-security-token";
}

module.exports = {
  ALGORITHM,
  MAX_CLOCK_SKEW_MS,
  isSignedAuthorization,
  canonicalUri,
  canonicalQuery,
  canonicalRequest,
  stringToSign,
  parseSdkDate,
  verifySignature,
};
