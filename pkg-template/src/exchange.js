// One HTTP exchange: the only code that calls `fetch` and reads a response.
//
// Rules it keeps, whatever `fetch` or the server does:
// - a redirect is never followed (the token would go with it): `redirect:
//   "manual"`, and any 3xx, opaque redirect or `redirected` response fails;
// - the attempt ends at `timeoutMs`, or when `controller` aborts (the call
//   finished or was aborted), even if a custom `fetch` ignores its signal;
// - the body is read as a stream and reading stops at `maxBytes` (counted
//   after decompression), so memory stays bounded;
// - it never rejects: every outcome is a plain record for `Call.exchanged`,
//   and every promise it starts has a rejection handler.

/** Failure kinds, as `src/driver/mod.rs` numbers them. */
export const OK = 0;
export const NETWORK = 1;
export const TIMEOUT = 2;
export const REDIRECT = 3;
export const TOO_LARGE = 4;
export const NOT_A_RESPONSE = 5;

/** Longest text copied from a thrown error or a header into the module. */
export const MAX_TEXT = 1000;

const decoder = new TextDecoder();

/**
 * Send one request. `headerText` is `name\nvalue\n...`.
 * Resolves with `{ failure, status, retryAfter, body, detail, wall }`, plus
 * `wanted`: `{ name: value }` of the response headers named in `wantHeaders`.
 */
export async function exchange(fetchFn, url, headerText, body, timeoutMs, maxBytes, controller, wantHeaders) {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const failed = (failure, status = 0, detail) => ({
    failure,
    status,
    retryAfter: undefined,
    body: undefined,
    detail,
    wall: Date.now(),
  });
  try {
    const headers = {};
    const lines = headerText.split("\n");
    for (let i = 0; i + 1 < lines.length; i += 2) headers[lines[i]] = lines[i + 1];
    const init = { method: "POST", headers, body, signal: controller.signal, redirect: "manual" };
    let response;
    try {
      response = await untilAborted(() => fetchFn(url, init), controller.signal);
    } catch (error) {
      return timedOut ? failed(TIMEOUT) : failed(NETWORK, 0, describeError(error));
    }
    const read = readResponse(response);
    if (typeof read === "string") return failed(NOT_A_RESPONSE, 0, read);
    const { status, header } = read;
    if (response.type === "opaqueredirect" || (status >= 300 && status < 400) || response.redirected === true) {
      discard(response);
      return failed(REDIRECT, status >= 300 && status < 400 ? status : 0);
    }
    const length = Number(header("content-length"));
    if (length > maxBytes) {
      discard(response);
      return failed(TOO_LARGE, status);
    }
    const retryAfter = header("retry-after")?.slice(0, MAX_TEXT);
    let text;
    try {
      text = await readBody(response, maxBytes, controller.signal, header);
    } catch (error) {
      if (error === TOO_LARGE_MARK) return failed(TOO_LARGE, status);
      return timedOut ? failed(TIMEOUT) : failed(NETWORK, 0, describeError(error));
    }
    if (typeof text !== "string") return failed(NOT_A_RESPONSE, 0, "text() did not give a string");
    const wanted = wantHeaders && {};
    for (const name of wantHeaders ?? []) wanted[name] = header(name)?.slice(0, 65536);
    return { failure: OK, status, retryAfter, body: text, detail: undefined, wall: Date.now(), wanted };
  } catch (error) {
    // A hostile Response-like (throwing getters, say): never a crash.
    return failed(NOT_A_RESPONSE, 0, `reading the response threw: ${describeError(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Status and a header reader, or why the value is not a usable response. */
function readResponse(response) {
  if (response === null || typeof response !== "object") return "fetch did not resolve to a Response";
  const status = response.status;
  if (!Number.isInteger(status) || status < 0 || status > 599) return "no valid HTTP status";
  // An opaque redirect has status 0 and no headers; it is reported as a redirect.
  if (status < 100 && response.type !== "opaqueredirect") return "no valid HTTP status";
  const headers = response.headers;
  const header = (name) => {
    const value = headers && typeof headers.get === "function" ? headers.get(name) : null;
    return typeof value === "string" ? value : undefined;
  };
  return { status, header };
}

const TOO_LARGE_MARK = Symbol("too large");

/**
 * The body as text, at most `maxBytes` bytes of it. An uncompressed body whose
 * Content-Length is within the limit is read whole (fetch refuses a body longer
 * than its Content-Length); any other is read as a stream and cut at the limit.
 */
async function readBody(response, maxBytes, signal, header) {
  const encoding = header("content-encoding");
  const length = header("content-length");
  if ((encoding === undefined || encoding === "identity") && length !== undefined && /^\d+$/.test(length)) {
    if (Number(length) <= maxBytes && typeof response.text === "function") {
      return checked(await untilAborted(() => response.text(), signal), maxBytes);
    }
  }
  const stream = response.body;
  if (stream && typeof stream.getReader === "function") {
    const reader = stream.getReader();
    const chunks = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await untilAborted(() => reader.read(), signal);
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) throw TOO_LARGE_MARK;
        chunks.push(value);
      }
    } catch (error) {
      cancel(reader);
      throw error;
    }
    if (chunks.length === 1) return decoder.decode(chunks[0]);
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return decoder.decode(bytes);
  }
  // A Response-like without a stream (a custom `fetch`): only text() to go by.
  return checked(await untilAborted(() => response.text(), signal), maxBytes);
}

/** A text read whole, refused if over the limit (a custom `fetch` may not keep Content-Length). */
function checked(text, maxBytes) {
  if (typeof text === "string" && text.length > maxBytes) throw TOO_LARGE_MARK;
  return text;
}

/** The value of `start()`, or a rejection as soon as `signal` aborts. */
function untilAborted(start, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const done = () => signal.removeEventListener("abort", onAbort);
    // `start` may throw, return a value, or a promise that rejects after we
    // stopped listening: every path is handled.
    new Promise((r) => r(start())).then(
      (value) => {
        done();
        resolve(value);
      },
      (error) => {
        done();
        reject(error);
      },
    );
  });
}

/** Stop reading a response whose body is not wanted. */
function discard(response) {
  try {
    const stream = response.body;
    if (stream && typeof stream.cancel === "function") stream.cancel().catch(() => {});
  } catch {
    // Nothing more to do for a response that cannot even be cancelled.
  }
}

function cancel(reader) {
  try {
    reader.cancel().catch(() => {});
  } catch {
    // As above.
  }
}

/**
 * A thrown value as JSON `{ name, message, code }`, each part bounded, with
 * Node's socket error (`cause`, e.g. ECONNREFUSED) folded in. Reading a
 * hostile value may throw: then a fixed description is used.
 */
export function describeError(error) {
  const text = (value) => (typeof value === "string" ? value.slice(0, MAX_TEXT) : undefined);
  try {
    if (typeof error === "string") return JSON.stringify({ name: "Error", message: text(error) });
    if (error === null || typeof error !== "object")
      return JSON.stringify({ name: "Error", message: text(String(error)) });
    let message = text(error.message) ?? "unknown error";
    let code = text(error.code);
    const cause = error.cause;
    if (cause && typeof cause === "object") {
      const inner = text(cause.message) ?? text(cause.code);
      if (inner && !message.includes(inner)) message = `${message} (${inner})`.slice(0, MAX_TEXT);
      code ??= text(cause.code);
    }
    return JSON.stringify({ name: text(error.name) ?? "Error", message, code });
  } catch {
    return JSON.stringify({ name: "Error", message: "an error that could not be read" });
  }
}
