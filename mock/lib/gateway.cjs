"use strict";
/**
 * What Huawei's API gateway decides before a request reaches KooPhone: authentication (an
 * `X-Auth-Token` or an AK/SK signature) and flow control. Both answer in the gateway's own error
 * shape (`APIGW.0301` 401, `APIGW.0308` 429 without `Retry-After`).
 */
const { unauthorized, throttled } = require("./replies.cjs");
const { isSignedAuthorization, verifySignature } = require("./signing.cjs");

/**
 * @typedef {import('./replies.cjs').Reply} Reply
 * @typedef {import('./signing.cjs').AccessKey} AccessKey
 * @typedef {import('./signing.cjs').SignedRequest} SignedRequest
 */

/**
 * Tokens the gateway accepts: the configured ones (never expire) and those the mock's IAM
 * endpoint issued (expire, and can be revoked).
 */
class TokenBook {
  /** @type {Set<string>} */
  #fixed;
  /** @type {Map<string, number>} issued token → expiry (clock ms) */
  #issued = new Map();

  /** @param {readonly string[]} fixed */
  constructor(fixed) {
    this.#fixed = new Set(fixed);
  }

  /** Records a token the IAM endpoint issued. @param {string} token @param {number} expiresAt */
  issue(token, expiresAt) {
    this.#issued.set(token, expiresAt);
  }

  /** Forgets every issued token (the configured ones stay). @returns {number} how many */
  revokeIssued() {
    const count = this.#issued.size;
    this.#issued.clear();
    return count;
  }

  /**
   * Why the gateway refuses `token` at `nowMs`, or null when it accepts it.
   * @param {string | string[] | undefined} token
   * @param {number} nowMs
   * @returns {string | null}
   */
  problem(token, nowMs) {
    if (token === undefined || token === "") return "x-auth-token not found";
    if (typeof token !== "string") return "decrypt token fail";
    if (this.#fixed.has(token)) return null;
    const expiresAt = this.#issued.get(token);
    if (expiresAt === undefined) return "decrypt token fail";
    if (nowMs >= expiresAt) return `token expires, expires_at: ${new Date(expiresAt).toISOString()}`;
    return null;
  }
}

/**
 * A token bucket: `capacity` requests at once, refilled at `perSecond`.
 */
class TokenBucket {
  #capacity;
  #perMs;
  #tokens;
  #at;

  /** @param {number} perSecond @param {number} capacity @param {number} nowMs */
  constructor(perSecond, capacity, nowMs) {
    this.#capacity = capacity;
    this.#perMs = perSecond / 1000;
    this.#tokens = capacity;
    this.#at = nowMs;
  }

  /** Takes one token if there is one. @param {number} nowMs @returns {boolean} */
  take(nowMs) {
    const elapsed = Math.max(0, nowMs - this.#at);
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#perMs);
    this.#at = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * @typedef {object} RateLimit
 * @property {number} requestsPerSecond
 * @property {number} [burst] bucket size; default `requestsPerSecond` rounded up (at least 1)
 * @typedef {object} GatewayConfig
 * @property {TokenBook} tokens
 * @property {ReadonlyMap<string, AccessKey>} accessKeys
 * @property {RateLimit | undefined} rateLimit
 * @property {() => number} clock
 */

class Gateway {
  #config;
  /** @type {Map<string, TokenBucket>} one bucket per API */
  #buckets = new Map();

  /** @param {GatewayConfig} config */
  constructor(config) {
    this.#config = config;
  }

  /**
   * Checks the request's credentials: an AK/SK signature when `Authorization` names
   * `SDK-HMAC-SHA256`, else the `X-Auth-Token`.
   * @param {SignedRequest} req
   * @returns {Reply | null} the 401, or null when the request may pass
   */
  authenticate(req) {
    const { tokens, accessKeys, clock } = this.#config;
    if (isSignedAuthorization(req.headers.authorization)) {
      const verdict = verifySignature(req, accessKeys, clock());
      return verdict.ok ? null : unauthorized(verdict.detail);
    }
    const problem = tokens.problem(req.headers["x-auth-token"], clock());
    return problem ? unauthorized(problem) : null;
  }

  /**
   * Counts a request against the API's rate limit.
   * @param {string} api the endpoint name
   * @returns {Reply | null} the 429, or null when under the limit (always without `rateLimit`)
   */
  throttle(api) {
    const { rateLimit, clock } = this.#config;
    if (!rateLimit) return null;
    const now = clock();
    let bucket = this.#buckets.get(api);
    if (!bucket) {
      const capacity = rateLimit.burst ?? Math.max(1, Math.ceil(rateLimit.requestsPerSecond));
      bucket = new TokenBucket(rateLimit.requestsPerSecond, capacity, now);
      this.#buckets.set(api, bucket);
    }
    return bucket.take(now) ? null : throttled(`limit:${rateLimit.requestsPerSecond},time:1 second`);
  }
}

module.exports = { Gateway, TokenBook, TokenBucket };
