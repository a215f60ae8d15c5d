// Types of `koophone-wasm/proxy`, the same-origin proxy for web consoles (Node only).
// Shipped as proxy.d.ts, proxy.d.mts and proxy.d.cts: scripts/assemble.mjs copies it.
import type { AkSkCredentials, FetchLike, IamOptions, TokenProvider } from "koophone-wasm";

export { KooPhoneError } from "koophone-wasm";

/** Options of {@link createProxy}: exactly one of `token`, `credentials` or `iam`. */
export interface ProxyOptions {
  /** A token, or a token function (asked again with `forceRefresh: true` after a refusal). */
  token?: TokenProvider;
  /** AK/SK: each forwarded request is signed here. */
  credentials?: AkSkCredentials;
  /** IAM password credentials: tokens are fetched, cached and refreshed here. */
  iam?: IamOptions;
  /** Where to forward. Default `https://koophone.myhuaweicloud.com`. */
  target?: string;
  /** Stripped from request URLs (bare node:http); leave out under Express's `app.use(path, …)`. */
  pathPrefix?: string;
  /** Time limit of an upstream request, in ms. Default 30 000. */
  timeoutMs?: number;
  /** `fetch` to use upstream. Default: the global `fetch`. */
  fetch?: FetchLike;
}

/** The parts of Node's `IncomingMessage` the proxy reads. */
// biome-ignore lint/suspicious/noExplicitAny: chunks are Buffers or strings depending on the framework; typed loosely so Node's, Express's and Fastify's requests all fit
export interface ProxyRequest extends AsyncIterable<any> {
  url?: string;
  method?: string;
  headers: Record<string, string | string[] | undefined>;
  /** Set by body parsers mounted before the proxy; used when the stream was read already. */
  body?: unknown;
  readonly readableEnded?: boolean;
  resume(): unknown;
}

/** The parts of Node's `ServerResponse` the proxy writes. */
export interface ProxyResponse {
  statusCode: number;
  readonly headersSent: boolean;
  setHeader(name: string, value: string | number): unknown;
  end(body?: string): unknown;
  on(event: "close", listener: () => void): unknown;
  destroy(): unknown;
}

/**
 * A Node `(req, res)` handler (node:http, Express, Fastify's raw handler) forwarding
 * `POST /v1/instances/batch-query-status` and `POST /v1/instances/prepare-progress` to
 * `target` with server-side auth. Other paths 404, other methods 405, bodies over 64 KiB
 * 413; an upstream redirect or no answer 502 (504 on timeout). Browser auth headers are
 * dropped; credentials never appear in answers. Throws `INVALID_ARGUMENT` on bad options,
 * including the contents of `credentials` and `iam`: it starts the WebAssembly module
 * synchronously (a few milliseconds, once) so that they are checked before it returns.
 */
export declare function createProxy(options: ProxyOptions): (req: ProxyRequest, res: ProxyResponse) => void;

/** The largest request body the proxy accepts from a browser, in bytes (64 KiB); a larger one gets 413. */
export declare const MAX_REQUEST_BYTES: number;
