// A tiny HTTP(S) server on 127.0.0.1 for tests that need answers the mock does not give
// (redirects, gateway bodies, echoed tokens, endless or compressed bodies). Every request
// is recorded (method, path, headers, body, time) before the handler runs, so a test can
// assert exactly which requests arrived.
import { createServer } from "node:http";
import { createServer as createTlsServer } from "node:https";

/**
 * Start a server whose `handler(req, res, record)` answers every request.
 * `record` is `{ method, path, headers, body, at }` with the body as text.
 * Returns `{ url, port, requests, close }`; `close()` destroys open connections too.
 */
export async function startStub(handler, { tls = null } = {}) {
  const requests = [];
  const serve = (req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const record = {
        method: req.method,
        path: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: performance.now(),
      };
      requests.push(record);
      Promise.resolve()
        .then(() => handler(req, res, record))
        .catch((error) => {
          if (!res.headersSent) res.writeHead(599);
          res.end(String(error));
        });
    });
  };
  const server = tls ? createTlsServer(tls, serve) : createServer(serve);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Send `body` (an object becomes JSON) with `status` and optional extra headers. */
export function reply(res, status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const type = typeof body === "string" ? "text/html" : "application/json";
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A success body for `path`: every asked instance running, or a prepared instance. */
export function successFor(record) {
  if (record.path.endsWith("/prepare-progress"))
    return { data: { status: 0, waitingCount: 0 }, error_code: "0", error_msg: "OK" };
  let ids = [];
  try {
    ids = JSON.parse(record.body).instance_ids ?? [];
  } catch {
    // a bodiless GET after a 303: answer as if nothing was asked
  }
  return {
    data: { status_results: ids.map((id) => ({ instance_id: id, status: 2 })) },
    error_code: "0",
    error_msg: "OK",
  };
}

/** A port nothing listens on (bound then released). */
export async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
