"use strict";
/**
 * Local mock of the two KooPhone (Huawei Cloud phone) endpoints the library calls,
 * `POST /v1/instances/batch-query-status` and `POST /v1/instances/prepare-progress`, behind a
 * mock of Huawei's API gateway, plus IAM's `POST /v3/auth/tokens`.
 *
 * Order of decisions for each request (every request is recorded first):
 *   1. `OPTIONS` on any path → 204 CORS preflight.
 *   2. Unknown path → 404; a method other than POST → 405.
 *   3. Body larger than `maxBodyBytes` → 413.
 *   4. Faults: a fault that replaces the response (http, rate-limit, api-error, html, non-json,
 *      missing-fields, reset, hang) answers without validating the request, so a test can fault
 *      any request. Shaping faults (latency, truncated, wrong-types, extra-fields,
 *      unknown-status) alter the normal response of steps 5-7.
 *   5. The IAM endpoint answers here (201 with a token, 400, 401).
 *   6. The gateway: credentials (token or AK/SK signature; 401 APIGW.0301), then the rate limit
 *      (429 APIGW.0308).
 *   7. Validation as the real service (400 headers/body) and the answer.
 * The `latencyMs` option delays every response, including preflights and errors.
 */
const http = require("node:http");
const { CORS_HEADERS, ERROR_CODES, preflight, notFound, methodNotAllowed, tooLarge } = require("./lib/replies.cjs");
const { ROUTES, handleEndpoint } = require("./lib/endpoints.cjs");
const { FAULT_TYPES, SHAPING_TYPES, FaultBook, replacementReply, shapedReply } = require("./lib/faults.cjs");
const { resolveOptions, loadScenario } = require("./lib/options.cjs");
const { toInstanceState, restartInstance } = require("./lib/instances.cjs");
const { Gateway, TokenBook } = require("./lib/gateway.cjs");
const { IAM_TOKENS_PATH, handleIamTokens } = require("./lib/iam.cjs");
const { recordRequest, recordBody, recordResponse } = require("./lib/record.cjs");

/** Path → route name: the two KooPhone endpoints and IAM's token endpoint. */
const ALL_ROUTES = Object.freeze({ ...ROUTES, [IAM_TOKENS_PATH]: "iam-tokens" });

/**
 * @typedef {import('./lib/replies.cjs').Reply} Reply
 * @typedef {import('./lib/record.cjs').RecordedRequest} RecordedRequest
 */

/**
 * A running mock server. Create it with {@link startMockServer}.
 */
class MockServer {
  /** Every request received, oldest first. Cleared in place by {@link MockServer#resetRequests}. */
  /** @type {RecordedRequest[]} */
  requests = [];
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url = "";
  /** The port actually listened on. */
  port = 0;

  #config;
  #server;
  #faults = new FaultBook();
  /** @type {Map<string, import('./lib/instances.cjs').InstanceState>} */
  #instances = new Map();
  #tokens;
  #gateway;
  /** @type {Set<import('node:net').Socket>} */
  #sockets = new Set();
  /** @type {Set<NodeJS.Timeout>} */
  #timers = new Set();
  /** @type {Promise<void> | null} */
  #closing = null;
  /** @type {import('./lib/endpoints.cjs').EndpointContext} */
  #context;
  /** @type {import('./lib/iam.cjs').IamContext} */
  #iam;

  /** @param {import('./lib/options.cjs').ResolvedOptions} config */
  constructor(config) {
    this.#config = config;
    const { clock } = config;
    const epoch = clock();
    for (const input of config.instances) {
      const instance = toInstanceState(input, epoch);
      this.#instances.set(instance.id, instance);
    }
    this.#context = { instances: this.#instances, maxIdsPerRequest: config.maxIdsPerRequest, clock };
    this.#tokens = new TokenBook(config.tokens);
    const accessKeys = new Map(config.accessKeys.map((key) => [key.accessKey, key]));
    this.#gateway = new Gateway({ tokens: this.#tokens, accessKeys, rateLimit: config.rateLimit, clock });
    this.#iam = {
      users: config.iamUsers,
      tokenLifetimeMs: config.tokenLifetimeMs,
      echoPassword: config.iamEchoesPassword,
      clock,
      tokens: this.#tokens,
    };
    for (const fault of config.faults) this.#faults.add(fault);
    this.#server = http.createServer((req, res) => this.#onRequest(req, res));
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  /** Starts listening on the configured host and port. @returns {Promise<void>} */
  listen() {
    const { host, port } = this.#config;
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen({ host, port }, () => {
        this.#server.off("error", reject);
        this.port = /** @type {import('node:net').AddressInfo} */ (this.#server.address()).port;
        this.url = `http://${host.includes(":") ? `[${host}]` : host}:${this.port}`;
        resolve();
      });
    });
  }

  /**
   * Adds a fault (see the README for types and parameters).
   * @param {object} fault
   * @returns {number} an ID for {@link MockServer#removeFault}
   * @throws {TypeError} if the fault is malformed
   */
  setFault(fault) {
    return this.#faults.add(fault);
  }

  /** Removes one fault. @param {number} id @returns {boolean} whether it was still active */
  removeFault(id) {
    return this.#faults.remove(id);
  }

  /** Removes every fault. */
  clearFaults() {
    this.#faults.clear();
  }

  /**
   * Adds an instance or replaces the one with the same ID; its preparation script and status
   * timeline restart.
   * @param {object} instance `{ id, status?, owner?, prepare?, statusTimeline?, statusCycle? }`
   * @throws {TypeError} if the instance is malformed
   */
  setInstance(instance) {
    const state = toInstanceState(instance, this.#config.clock());
    this.#instances.set(state.id, state);
  }

  /**
   * Restarts every instance: preparation scripts from their first step, status timelines and
   * cycles from time 0 (now).
   */
  resetInstances() {
    const epoch = this.#config.clock();
    for (const instance of this.#instances.values()) restartInstance(instance, epoch);
  }

  /**
   * Revokes every token the IAM endpoint issued (the `tokens` option's stay valid): the next
   * request with one gets 401 APIGW.0301, as when IAM revokes a token early.
   * @returns {number} how many were revoked
   */
  revokeTokens() {
    return this.#tokens.revokeIssued();
  }

  /** Forgets an instance. @param {string} id @returns {boolean} whether it existed */
  removeInstance(id) {
    return this.#instances.delete(id);
  }

  /** Empties {@link MockServer#requests} (in place, so references to it stay live). */
  resetRequests() {
    this.requests.length = 0;
  }

  /**
   * Stops the server: destroys every socket (keep-alive and hanging ones too) and cancels every
   * pending delayed response. Idempotent; every call returns the same promise.
   * @returns {Promise<void>}
   */
  close() {
    this.#closing ??= new Promise((resolve) => {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      this.#server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
      this.#sockets.clear();
    });
    return this.#closing;
  }

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  #onRequest(req, res) {
    const record = recordRequest(req);
    this.requests.push(record);
    readBody(req, this.#config.maxBodyBytes).then((body) => {
      if (body === null || this.#closing) return;
      recordBody(record, body.text, body.tooLarge, record.path === IAM_TOKENS_PATH);
      this.#dispatch(req, res, record, body);
    });
  }

  /**
   * Decides the response (see the module comment for the order) and sends it.
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {RecordedRequest} record
   * @param {{ text: string, bytes: Buffer, tooLarge: boolean }} body
   */
  #dispatch(req, res, record, body) {
    const send = (/** @type {Reply} */ reply, extraDelayMs = 0) =>
      this.#later(this.#config.latencyMs + extraDelayMs, () => writeReply(req, res, record, reply));
    if (req.method === "OPTIONS") return send(preflight());
    const endpoint = Object.hasOwn(ALL_ROUTES, record.path) ? ALL_ROUTES[record.path] : undefined;
    if (!endpoint) return send(notFound(record.path));
    if (req.method !== "POST") return send(methodNotAllowed(/** @type {string} */ (req.method)));
    if (body.tooLarge) return send(tooLarge(this.#config.maxBodyBytes));

    const { latencyMs, fault, applied } = this.#faults.take(endpoint);
    if (applied) record.fault = applied;
    if (fault && !SHAPING_TYPES.has(fault.type)) {
      const replacement = replacementReply(fault);
      if (replacement === "hang") return undefined;
      if (replacement === "reset") {
        return this.#later(this.#config.latencyMs + latencyMs, () => resetSocket(req.socket));
      }
      return send(replacement, latencyMs);
    }
    if (endpoint === "iam-tokens") {
      const reply = handleIamTokens({ headers: req.headers, rawQuery: record.query, text: body.text }, this.#iam);
      return send(shapedReply(fault, endpoint, { reply }, this.#config.batchResponseForm), latencyMs);
    }
    const signed = {
      method: req.method || "POST",
      rawPath: record.path,
      rawQuery: record.query,
      headers: req.headers,
      bytes: body.bytes,
    };
    const refused = this.#gateway.authenticate(signed) ?? this.#gateway.throttle(endpoint);
    const outcome = refused
      ? { reply: refused }
      : handleEndpoint(endpoint, { headers: req.headers, text: body.text }, this.#context);
    return send(shapedReply(fault, endpoint, outcome, this.#config.batchResponseForm), latencyMs);
  }

  /**
   * Runs `fn` after `ms` milliseconds (at once for 0) on a timer that close() cancels.
   * @param {number} ms
   * @param {() => void} fn
   */
  #later(ms, fn) {
    if (ms <= 0) return fn();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
    return undefined;
  }
}

/**
 * Reads the whole request body, keeping at most `maxBytes` of it.
 * @param {http.IncomingMessage} req
 * @param {number} maxBytes
 * @returns {Promise<{ text: string, bytes: Buffer, tooLarge: boolean } | null>} null if the client went away
 */
function readBody(req, maxBytes) {
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    let chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      // Keep draining an oversized body so the 413 reaches a client still sending it.
      if (size > maxBytes) chunks = [];
      else chunks.push(chunk);
    });
    req.on("end", () => {
      const tooLarge = size > maxBytes;
      const bytes = tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks);
      resolve({ text: bytes.toString("utf8"), bytes, tooLarge });
    });
    req.on("error", () => resolve(null));
    req.on("close", () => resolve(null)); // no effect after 'end'
  });
}

/**
 * Writes a reply with the CORS headers and the echoed `x-request-id`, unless the client is gone,
 * and records it.
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 * @param {RecordedRequest} record
 * @param {Reply} reply
 */
function writeReply(req, res, record, reply) {
  if (res.destroyed || res.headersSent) return;
  const headers = { ...CORS_HEADERS, ...reply.headers, "content-length": String(Buffer.byteLength(reply.body)) };
  const requestId = req.headers["x-request-id"];
  if (typeof requestId === "string") headers["x-request-id"] = requestId;
  res.writeHead(reply.status, headers);
  res.end(reply.body);
  recordResponse(record, reply, headers);
}

/** Drops the connection without an answer, with a TCP reset where Node supports it. */
function resetSocket(/** @type {import('node:net').Socket} */ socket) {
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
  else socket.destroy();
}

/**
 * Starts a mock KooPhone server.
 * @param {object} [options] see `index.d.ts` (`MockServerOptions`)
 * @returns {Promise<MockServer>} once it listens
 * @throws {TypeError} (as a rejection) on a bad option; a listen error (e.g. EADDRINUSE) as is
 * @example
 * const server = await startMockServer({ tokens: ['t'], instances: [{ id: 'a1', status: 2 }] });
 * try { ... fetch(`${server.url}/v1/instances/batch-query-status`, ...) ... }
 * finally { await server.close(); }
 */
async function startMockServer(options) {
  const server = new MockServer(resolveOptions(options));
  await server.listen();
  return server;
}

module.exports = { startMockServer, loadScenario, FAULT_TYPES, ERROR_CODES };
