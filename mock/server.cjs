'use strict';
/**
 * Local mock of the two KooPhone (Huawei Cloud phone) endpoints the library calls:
 * `POST /v1/instances/batch-query-status` and `POST /v1/instances/prepare-progress`.
 *
 * Order of decisions for each request (every request is recorded first):
 *   1. `OPTIONS` on any path → 204 CORS preflight.
 *   2. Unknown path → 404; a method other than POST → 405.
 *   3. Body larger than `maxBodyBytes` → 413.
 *   4. Faults: a fault that replaces the response (http, rate-limit, api-error, html, non-json,
 *      missing-fields, reset, hang) answers without validating the request, so a test can fault
 *      any request. Shaping faults (latency, truncated, wrong-types, extra-fields,
 *      unknown-status) alter the normal response of step 5.
 *   5. Validation as the real service (401 token, 400 headers/body) and the answer.
 * The `latencyMs` option delays every response, including preflights and errors.
 */
const http = require('node:http');
const { CORS_HEADERS, ERROR_CODES, preflight, notFound, methodNotAllowed, tooLarge } = require('./lib/replies.cjs');
const { ROUTES, handleEndpoint } = require('./lib/endpoints.cjs');
const { FAULT_TYPES, SHAPING_TYPES, FaultBook, replacementReply, shapedReply } = require('./lib/faults.cjs');
const { resolveOptions, toInstanceState, loadScenario } = require('./lib/options.cjs');

/** Header values never recorded as sent. */
const REDACTED_HEADERS = ['x-auth-token', 'authorization'];

/**
 * @typedef {import('./lib/replies.cjs').Reply} Reply
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} path the path without query string
 * @property {Record<string, string | string[] | undefined>} headers lower-case names, tokens as '***'
 * @property {unknown} body parsed JSON, else the raw text; null if over `maxBodyBytes`;
 *   undefined while it is still arriving
 * @property {number} receivedAt `Date.now()` when the request arrived
 * @property {string} [fault] type of the fault that applied
 * @property {number} [status] HTTP status sent, once sent (never for reset and hang)
 */

/**
 * A running mock server. Create it with {@link startMockServer}.
 */
class MockServer {
  /** Every request received, oldest first. Cleared in place by {@link MockServer#resetRequests}. */
  /** @type {RecordedRequest[]} */
  requests = [];
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url = '';
  /** The port actually listened on. */
  port = 0;

  #config;
  #server;
  #faults = new FaultBook();
  /** @type {Map<string, import('./lib/endpoints.cjs').InstanceState>} */
  #instances = new Map();
  /** @type {Set<import('node:net').Socket>} */
  #sockets = new Set();
  /** @type {Set<NodeJS.Timeout>} */
  #timers = new Set();
  /** @type {Promise<void> | null} */
  #closing = null;
  /** @type {import('./lib/endpoints.cjs').EndpointContext} */
  #context;

  /** @param {import('./lib/options.cjs').ResolvedOptions} config */
  constructor(config) {
    this.#config = config;
    for (const instance of config.instances) this.#instances.set(instance.id, instance);
    this.#context = { tokens: new Set(config.tokens), instances: this.#instances };
    for (const fault of config.faults) this.#faults.add(fault);
    this.#server = http.createServer((req, res) => this.#onRequest(req, res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Starts listening on the configured host and port. @returns {Promise<void>} */
  listen() {
    const { host, port } = this.#config;
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host, port }, () => {
        this.#server.off('error', reject);
        this.port = /** @type {import('node:net').AddressInfo} */ (this.#server.address()).port;
        this.url = `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
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
   * Adds an instance or replaces the one with the same ID; its preparation script restarts.
   * @param {object} instance `{ id, status, owner?, prepare? }`
   * @throws {TypeError} if the instance is malformed
   */
  setInstance(instance) {
    const state = toInstanceState(instance);
    this.#instances.set(state.id, state);
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
    const record = recordOf(req);
    this.requests.push(record);
    readBody(req, this.#config.maxBodyBytes).then((body) => {
      if (body === null || this.#closing) return;
      record.body = body.tooLarge ? null : parseLoosely(body.text);
      this.#dispatch(req, res, record, body);
    });
  }

  /**
   * Decides the response (see the module comment for the order) and sends it.
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {RecordedRequest} record
   * @param {{ text: string, tooLarge: boolean }} body
   */
  #dispatch(req, res, record, body) {
    const send = (/** @type {Reply} */ reply, extraDelayMs = 0) =>
      this.#later(this.#config.latencyMs + extraDelayMs, () => writeReply(req, res, record, reply));
    if (req.method === 'OPTIONS') return send(preflight());
    const endpoint = Object.hasOwn(ROUTES, record.path) ? ROUTES[record.path] : undefined;
    if (!endpoint) return send(notFound(record.path));
    if (req.method !== 'POST') return send(methodNotAllowed(/** @type {string} */ (req.method)));
    if (body.tooLarge) return send(tooLarge(this.#config.maxBodyBytes));

    const { latencyMs, fault, applied } = this.#faults.take(endpoint);
    if (applied) record.fault = applied;
    if (fault && !SHAPING_TYPES.has(fault.type)) {
      const replacement = replacementReply(fault);
      if (replacement === 'hang') return undefined;
      if (replacement === 'reset') {
        return this.#later(this.#config.latencyMs + latencyMs, () => resetSocket(req.socket));
      }
      return send(replacement, latencyMs);
    }
    const outcome = handleEndpoint(endpoint, { headers: req.headers, text: body.text }, this.#context);
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
 * The record of a request as it arrives; the body is filled in once read.
 * @param {http.IncomingMessage} req
 * @returns {RecordedRequest}
 */
function recordOf(req) {
  const headers = { ...req.headers };
  for (const name of REDACTED_HEADERS) if (headers[name] !== undefined) headers[name] = '***';
  return {
    method: req.method || '',
    path: (req.url || '/').split('?')[0],
    headers,
    body: undefined,
    receivedAt: Date.now(),
  };
}

/**
 * Reads the whole request body, keeping at most `maxBytes` of it.
 * @param {http.IncomingMessage} req
 * @param {number} maxBytes
 * @returns {Promise<{ text: string, tooLarge: boolean } | null>} null if the client went away
 */
function readBody(req, maxBytes) {
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    let chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      // Keep draining an oversized body so the 413 reaches a client still sending it.
      if (size > maxBytes) chunks = [];
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const tooLarge = size > maxBytes;
      resolve({ text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge });
    });
    req.on('error', () => resolve(null));
    req.on('close', () => resolve(null)); // no effect after 'end'
  });
}

/** Parsed JSON if the text is JSON, else the text itself. @param {string} text */
function parseLoosely(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Writes a reply with the CORS headers and the echoed `x-request-id`, unless the client is gone.
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 * @param {RecordedRequest} record
 * @param {Reply} reply
 */
function writeReply(req, res, record, reply) {
  if (res.destroyed || res.headersSent) return;
  const headers = { ...CORS_HEADERS, ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) };
  const requestId = req.headers['x-request-id'];
  if (typeof requestId === 'string') headers['x-request-id'] = requestId;
  res.writeHead(reply.status, headers);
  res.end(reply.body);
  record.status = reply.status;
}

/** Drops the connection without an answer, with a TCP reset where Node supports it. */
function resetSocket(/** @type {import('node:net').Socket} */ socket) {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
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
