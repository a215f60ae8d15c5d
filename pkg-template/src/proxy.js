// `koophone-wasm/proxy`: a same-origin proxy for web consoles (Node only).
//
// The page calls its own origin (`endpoint: "/api/koophone"`, no token); this
// handler forwards the two KooPhone calls to `target` with the server-side
// credentials: a token, an IAM token (refreshed), or an AK/SK signature (the
// module's signer). It forwards nothing else: other paths 404, other methods
// 405, bodies over 64 KiB 413, and only `content-type` and `x-request-id` of
// the browser's headers (so any auth header it sent is dropped). Upstream goes
// through `exchange` (no redirects: a redirect is 502, like no answer), and
// every secret is scrubbed from what upstream answers.

import { signHeaders } from "./glue.js";
import { exchange, OK, TIMEOUT } from "./exchange.js";
import { loadModuleSync } from "./load.js";
import { checkedIamTokenProvider, init, initNow, KooPhoneError } from "./index.js";
import { fromPayload } from "./error.js";

export { KooPhoneError };

/** The two endpoints forwarded. */
const PATHS = new Set(["/v1/instances/batch-query-status", "/v1/instances/prepare-progress"]);
/** Largest request body accepted from the browser. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** Largest upstream answer relayed (the library's own limit). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const DEFAULT_TARGET = "https://koophone.myhuaweicloud.com";
const OPTIONS = ["token", "credentials", "iam", "target", "pathPrefix", "timeoutMs", "fetch"];

/**
 * A Node `(req, res)` handler forwarding the KooPhone calls with server-side auth.
 * Options: exactly one of `token` (string or token function), `credentials`
 * (AK/SK) or `iam` (iamTokenProvider options); `target` (default the public
 * endpoint), `pathPrefix` (stripped from bare node:http URLs), `timeoutMs`
 * (upstream, default 30 000), `fetch`.
 */
export function createProxy(options) {
  const config = readConfig(options);
  return function koophoneProxy(req, res) {
    handle(config, req, res).catch(() => {
      // Every path answers; this is for a response that cannot be written any more.
      if (!res.headersSent) answer(res, 502, "KOOPHONE_PROXY.502", "the proxy failed");
      else res.destroy();
    });
  };
}

function fail(message) {
  return new KooPhoneError(`createProxy: ${message}`, { code: "INVALID_ARGUMENT" });
}

function readConfig(options) {
  if (options === null || typeof options !== "object")
    throw fail("needs an options object { token | credentials | iam, target?, pathPrefix? }");
  for (const name of Object.keys(options)) {
    if (!OPTIONS.includes(name)) throw fail(`unknown option \`${name}\` (known: ${OPTIONS.join(", ")})`);
  }
  const { token, credentials, iam, pathPrefix = "", timeoutMs = 30_000, fetch: fetchFn } = options;
  const given = [token, credentials, iam].filter((v) => v !== undefined).length;
  if (given !== 1) throw fail("pass exactly one of `token`, `credentials` or `iam`");
  if (token !== undefined && typeof token !== "function" && (typeof token !== "string" || token === "")) {
    throw fail("`token` must be a non-empty string or a token function");
  }
  if (credentials !== undefined && (credentials === null || typeof credentials !== "object")) {
    throw fail("`credentials` must be an object { accessKey, secretKey, projectId?, securityToken? }");
  }
  const target = checkTarget(options.target ?? DEFAULT_TARGET);
  if (
    typeof pathPrefix !== "string" ||
    (pathPrefix !== "" && (!pathPrefix.startsWith("/") || pathPrefix.endsWith("/")))
  ) {
    throw fail("`pathPrefix` must be a path such as /api/koophone (no trailing slash)");
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2 ** 31 - 1)
    throw fail("`timeoutMs` must be a whole number of ms");
  if (fetchFn !== undefined && typeof fetchFn !== "function") throw fail("`fetch` must be a function");
  const keys =
    credentials === undefined
      ? undefined
      : JSON.stringify({
          accessKey: credentials.accessKey,
          secretKey: credentials.secretKey,
          projectId: credentials.projectId,
          securityToken: credentials.securityToken,
        });
  // The module checks the credentials now, so that a bad configuration throws here, at
  // start-up, instead of answering a browser's first request with 502.
  initNow(loadModuleSync);
  if (keys !== undefined) checkKeys(keys, target);
  let provider = token;
  if (iam !== undefined) {
    try {
      provider = checkedIamTokenProvider(iam);
    } catch (error) {
      throw error?.code === "INVALID_ARGUMENT" ? fail(`\`iam\`: ${error.message}`) : error;
    }
  }
  const secrets = [
    typeof token === "string" ? token : undefined,
    credentials?.secretKey,
    credentials?.securityToken,
    iam?.password,
  ];
  return {
    provider,
    keys,
    target,
    pathPrefix,
    timeoutMs,
    fetchFn,
    secrets: secrets.filter((s) => typeof s === "string" && s.length >= 4),
  };
}

/** Sign a sample request with `keys` (the module's checks of the keys and the target URL). */
function checkKeys(keys, target) {
  try {
    signHeaders(
      keys,
      "POST",
      `${target}/v1/instances/batch-query-status`,
      "content-type\napplication/json\n",
      "{}",
      Date.now(),
    );
  } catch (payload) {
    const error = fromPayload(typeof payload === "string" ? JSON.parse(payload) : payload);
    throw fail(`\`credentials\`: ${error.message}`);
  }
}

function checkTarget(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw fail("`target` must be an absolute URL such as https://koophone.myhuaweicloud.com");
  }
  const loopback =
    ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (!(url.protocol === "https:" || (url.protocol === "http:" && loopback)))
    throw fail("`target` must be https:// (http:// only for loopback hosts)");
  if (url.username || url.password || url.search || url.hash)
    throw fail("`target` must not have credentials, a query or a fragment");
  return url.origin + url.pathname.replace(/\/+$/, "");
}

async function handle(config, req, res) {
  let path = typeof req.url === "string" ? req.url : "";
  if (config.pathPrefix) {
    if (!(path === config.pathPrefix || path.startsWith(`${config.pathPrefix}/`)))
      return answer(res, 404, "KOOPHONE_PROXY.404", "not a KooPhone call");
    path = path.slice(config.pathPrefix.length);
  }
  if (!PATHS.has(path)) return answer(res, 404, "KOOPHONE_PROXY.404", "not a KooPhone call");
  if (req.method !== "POST") {
    res.setHeader("allow", "POST");
    return answer(res, 405, "KOOPHONE_PROXY.405", "only POST is forwarded");
  }
  const body = await readBody(req);
  if (body === null) {
    res.setHeader("connection", "close");
    return answer(res, 413, "KOOPHONE_PROXY.413", `the request body is larger than ${MAX_REQUEST_BYTES} bytes`);
  }
  const requestId = headerOf(req, "x-request-id") ?? globalThis.crypto.randomUUID();
  const contentType = headerOf(req, "content-type") ?? "application/json";
  const url = config.target + path;
  // The browser went away: stop the upstream request too.
  const controller = new AbortController();
  res.on("close", () => controller.abort());
  await init();
  let r;
  let token;
  for (let attempt = 0; attempt < 2; attempt++) {
    let headers = `content-type\n${contentType}\naccept\napplication/json\nx-request-id\n${requestId}\n`;
    try {
      if (config.keys !== undefined) {
        headers += signHeaders(config.keys, "POST", url, headers, body, Date.now());
      } else {
        token = await tokenOf(config.provider, attempt === 1);
        headers += `x-auth-token\n${token}\n`;
      }
    } catch (error) {
      return answer(
        res,
        502,
        "KOOPHONE_PROXY.AUTH",
        scrub(config, `the proxy could not authenticate: ${messageOf(error)}`, token),
        requestId,
      );
    }
    const fetchFn = config.fetchFn ?? globalThis.fetch;
    r = await exchange(fetchFn, url, headers, body, config.timeoutMs, MAX_RESPONSE_BYTES, controller);
    // A refused function token is asked for again once, forced (as the library does).
    const refused = r.failure === OK && (r.status === 401 || String(r.body).includes('"APIGW.0301"'));
    if (!(refused && typeof config.provider === "function" && attempt === 0)) break;
  }
  if (r.failure !== OK) {
    const status = r.failure === TIMEOUT ? 504 : 502;
    const why = [
      "",
      "could not be reached",
      "did not answer in time",
      "answered with a redirect, which is never followed",
      "answered too much",
      "answered something unreadable",
    ][r.failure];
    return answer(res, status, `KOOPHONE_PROXY.${status}`, `KooPhone ${why}`, requestId);
  }
  res.statusCode = r.status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("x-request-id", requestId);
  if (r.retryAfter) res.setHeader("retry-after", r.retryAfter);
  res.end(scrub(config, r.body, token));
}

async function tokenOf(provider, forceRefresh) {
  const token = typeof provider === "function" ? await provider({ forceRefresh }) : provider;
  if (typeof token !== "string" || token === "" || !/^[\x21-\x7e]+$/.test(token))
    throw new Error("the token function gave no usable token");
  return token;
}

function headerOf(req, name) {
  const value = req.headers?.[name];
  return typeof value === "string" && /^[\x20-\x7e]{1,200}$/.test(value) ? value : undefined;
}

/** The request body (at most MAX_REQUEST_BYTES), or null when larger. */
async function readBody(req) {
  // Mounted after a body parser (Express's json(), Fastify's): the body was read already.
  if (req.body !== undefined && req.readableEnded) {
    const text =
      typeof req.body === "string"
        ? req.body
        : Buffer.isBuffer(req.body)
          ? req.body.toString("utf8")
          : JSON.stringify(req.body);
    return Buffer.byteLength(text) > MAX_REQUEST_BYTES ? null : text;
  }
  if (Number(req.headers?.["content-length"]) > MAX_REQUEST_BYTES) {
    req.resume();
    return null;
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) {
      req.resume();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** `text` without any secret, raw or JSON-escaped. */
function scrub(config, text, token) {
  let out = String(text);
  for (const secret of token && token.length >= 4 ? [...config.secrets, token] : config.secrets) {
    for (const form of new Set([
      secret,
      JSON.stringify(secret).slice(1, -1),
      JSON.stringify(secret).slice(1, -1).replaceAll("/", "\\/"),
    ])) {
      out = out.split(form).join("•••");
    }
  }
  return out;
}

function messageOf(error) {
  try {
    return String(error && typeof error === "object" ? error.message : error).slice(0, 500);
  } catch {
    return "an unreadable error";
  }
}

function answer(res, status, code, message, requestId) {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  if (requestId) res.setHeader("x-request-id", requestId);
  res.end(JSON.stringify({ error_code: code, error_msg: message }));
}
