// Types of `koophone-wasm/mock`, the local mock KooPhone server (Node only).
// Shipped as index.d.ts, index.d.mts (ESM) and index.d.cts (CommonJS): scripts/assemble.mjs copies it.

/** The two KooPhone endpoints the mock serves, as faults name them. */
export type MockEndpoint = "batch-query-status" | "prepare-progress";

/** IAM's token endpoint `POST /v3/auth/tokens`, as faults name it. */
export type IamEndpoint = "iam-tokens";

/** One step of a preparation script, as `prepare-progress` reports it. */
export interface PrepareStep {
  /** 0 normal, 1 queuing, 2 restoring and offline, 3 backing up, -1 processing failure. */
  status: number;
  /** Wait count the service reports (e.g. place in the queue). */
  waitingCount: number;
}

/** From `atMs` milliseconds after the instance's start on, it reports `status`. */
export interface StatusTimelineStep {
  atMs: number;
  status: number;
}

/** Statuses reported in turn, each for `stepMs` milliseconds, then from the first again. */
export interface StatusCycle {
  statuses: readonly number[];
  stepMs: number;
}

/**
 * An instance the mock knows. Its status is fixed (`status`), follows `statusTimeline`, or
 * cycles (`statusCycle`); times count from server start, `setInstance` or `resetInstances`.
 */
export interface MockInstance {
  /** Instance ID; requests can only name IDs of 1 to 32 UTF-16 code units. */
  id: string;
  /**
   * Batch status: 0 unknown, 1 stopped, 2 running, 3 offline, 4 starting, 5 shut down. Any other
   * integer is returned as given, to test clients against statuses they do not know. Required
   * unless `statusCycle` is given (then leave it out) or `statusTimeline` starts at `atMs: 0`;
   * with a timeline it is the status before the first step.
   */
  status?: number;
  /** Status changes at given times, `atMs` increasing. */
  statusTimeline?: readonly StatusTimelineStep[];
  /** Statuses to cycle through. Not together with `statusTimeline`. */
  statusCycle?: StatusCycle;
  /** The only `user_id` allowed to query its preparation; anyone when absent. */
  owner?: string;
  /**
   * Preparation script: each `prepare-progress` call answers the next step and the last step
   * repeats forever. Without one the instance always reports `{ status: 0, waitingCount: 0 }`.
   */
  prepare?: readonly PrepareStep[];
}

/** When a fault applies. */
export interface FaultTiming {
  /**
   * Endpoint the fault applies to; `'*'` (the default) means both KooPhone endpoints. The IAM
   * endpoint is faulted only when named, and only by `latency`, `http`, `rate-limit`, `html`,
   * `truncated`, `non-json`, `reset` and `hang`.
   */
  endpoint?: MockEndpoint | IamEndpoint | "*";
  /**
   * Apply from the n-th matching request (1-based) counted from when the fault was set.
   * Alone it applies to that request only.
   */
  nth?: number;
  /**
   * Apply to this many matching requests, then expire. Without `nth` or `times` the fault lasts
   * until removed.
   */
  times?: number;
}

/** Adds `ms` milliseconds, then answers normally. Latencies of several faults add up. */
export interface LatencyFault extends FaultTiming {
  type: "latency";
  ms: number;
}

/** Answers `status` with `body`, or `{"error_code":"KOOPHONE.API.9999",...}` when absent. */
export interface HttpFault extends FaultTiming {
  type: "http";
  /** An integer from 200 to 599 other than 204, 205 and 304. */
  status: number;
  /** A string is sent verbatim (as application/json), anything else JSON-encoded. */
  body?: unknown;
}

/**
 * Answers the API gateway's 429:
 * `{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached: ...","request_id":"..."}`.
 */
export interface RateLimitFault extends FaultTiming {
  type: "rate-limit";
  /** `Retry-After` value: seconds or an HTTP date. No header when absent (as the real gateway). */
  retryAfter?: string | number;
}

/** Answers HTTP 200 with a non-"0" error_code and no `data`. */
export interface ApiErrorFault extends FaultTiming {
  type: "api-error";
  /** Default `'KooPhone.API.1001'`. */
  errorCode?: string;
  /** Default `'The request failed.'`. */
  errorMsg?: string;
}

/** Answers normally, but with every status replaced by `status` (default 42). */
export interface UnknownStatusFault extends FaultTiming {
  type: "unknown-status";
  status?: number;
}

/**
 * Faults without parameters:
 * - `html`: 502 with a text/html gateway page.
 * - `truncated`: the normal answer (status, content type) with its body cut in half.
 * - `non-json`: 200, text/plain, body `OK`.
 * - `wrong-types`: 200 JSON whose numbers are strings (`"status": "2"`, `"waitingCount": "0"`);
 *   an empty batch result list becomes an object.
 * - `missing-fields`: 200 `{"error_code":"0","error_msg":"OK"}` with no data.
 * - `extra-fields`: the normal answer plus unknown fields at every level and, for a batch, a
 *   result for an ID nobody asked for.
 * - `reset`: the connection is dropped without an answer.
 * - `hang`: no answer, until the client gives up or the server closes.
 */
export interface SimpleFault extends FaultTiming {
  type: "html" | "truncated" | "non-json" | "wrong-types" | "missing-fields" | "extra-fields" | "reset" | "hang";
}

/**
 * A misbehaviour to inject. Faults apply to POST requests to the two endpoints whose body fits
 * `maxBodyBytes`. `latency`, `truncated`, `wrong-types`, `extra-fields` and `unknown-status`
 * shape the normal answer (the request is validated; error answers pass through, and only
 * `truncated` cuts them); all other types replace the answer without validating the request and
 * without advancing a preparation script. When several faults apply to one request, the most
 * recently set non-latency fault decides the answer and all latencies add up.
 */
export type MockFault = LatencyFault | HttpFault | RateLimitFault | ApiErrorFault | UnknownStatusFault | SimpleFault;

/** Every fault type. */
export type FaultType = MockFault["type"];

/** Identifies a fault for `removeFault`. */
export type FaultId = number;

/** The gateway's rate limit: a token bucket per API. */
export interface MockRateLimit {
  /** Refill rate; over it the gateway answers 429 `APIGW.0308` without `Retry-After`. */
  requestsPerSecond: number;
  /** Bucket size (requests at once); default `requestsPerSecond` rounded up, at least 1. */
  burst?: number;
}

/** An AK/SK key pair the gateway accepts for `SDK-HMAC-SHA256` signed requests. */
export interface MockAccessKey {
  accessKey: string;
  secretKey: string;
  /** When set, an `X-Project-Id` sent with this key must equal it. */
  projectId?: string;
  /** Temporary keys: the `X-Security-Token` every request must carry, and sign. */
  securityToken?: string;
}

/** A user of the IAM endpoint. */
export interface MockIamUser {
  domainName: string;
  userName: string;
  password: string;
  /** A scope by project name must name this one; any name when absent. */
  projectName?: string;
  /** A scope by project ID must name this one; any ID when absent. */
  projectId?: string;
}

/** Options of `startMockServer`. */
export interface MockServerOptions {
  /** Address to listen on, and only there. Default `'127.0.0.1'`. */
  host?: string;
  /** Port; default 0 (any free port, see `MockServer.port`). */
  port?: number;
  /** Delay added to every response, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Accepted `X-Auth-Token` values; they never expire. Default `['mock-token']`. */
  tokens?: readonly string[];
  /** Instances the server knows. Default none. */
  instances?: readonly MockInstance[];
  /**
   * Shape of a batch success: `'wrapped'` (default) is
   * `{"error_code":"0","error_msg":"OK","data":{"status_results":[...]}}`, `'bare'` is
   * `{"status_results":[...]}` as in the service's example.
   */
  batchResponseForm?: "wrapped" | "bare";
  /** Faults active from the start. */
  faults?: readonly MockFault[];
  /** Largest accepted request body; larger ones get 413. Default 65536. */
  maxBodyBytes?: number;
  /**
   * Most IDs one batch query may carry, 1 to 100 (the seed says 32, newer docs 100); more is a
   * 400 whose message points at the client's `chunkSize` option. Default 32.
   */
  maxIdsPerRequest?: number;
  /** The gateway's rate limit per API. Default none. */
  rateLimit?: MockRateLimit;
  /** Key pairs for AK/SK-signed requests (`Authorization: SDK-HMAC-SHA256 ...`). Default none. */
  accessKeys?: readonly MockAccessKey[];
  /** Users of `POST /v3/auth/tokens`. Default none. */
  iamUsers?: readonly MockIamUser[];
  /** Lifetime of the tokens the IAM endpoint issues. Default 86 400 000 (24 h). */
  tokenLifetimeMs?: number;
  /**
   * Makes a 401 from the IAM endpoint quote the password back, as a misbehaving server might,
   * to test a client's redaction. The request log still hides it. Default false.
   */
  iamEchoesPassword?: boolean;
  /**
   * The server's clock in epoch milliseconds, for status timelines, the rate limit, token
   * expiry and the X-Sdk-Date check. Tests can pass a settable one. Default `Date.now`.
   */
  clock?: () => number;
}

/** Server options a scenario file holds (as returned by `loadScenario`). */
export type MockScenarioOptions = Omit<MockServerOptions, "host" | "port" | "clock">;

/** Contents of a scenario JSON file. */
export interface MockScenario extends MockScenarioOptions {
  /** Free text for people; ignored by the server. */
  description?: string;
}

/** The answer to a recorded request. */
export interface RecordedResponse {
  status: number;
  /** Every header sent, lower-case names; `x-subject-token` is `'***'`. */
  headers: Record<string, string>;
  /**
   * Parsed JSON if the body is JSON, else the text. Secrets of the request quoted in it (token,
   * password, signature; 4 characters or more) are `'***'`.
   */
  body: unknown;
}

/** A request as the server received it. No token, password, signature or secret key is kept. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string without `?`, `''` when none. */
  query: string;
  /**
   * Headers with lower-case names. `x-auth-token` and `x-security-token` are `'***'`; an AK/SK
   * `authorization` keeps its access key and signed headers with `Signature=***`, any other is
   * `'***'`.
   */
  headers: Record<string, string | string[] | undefined>;
  /**
   * Parsed JSON if the body is JSON, else the raw text (`''` when empty); `null` when larger than
   * `maxBodyBytes`; `undefined` while it is still arriving. For `/v3/auth/tokens` the password
   * is `'***'`, and a body that is not JSON is `'***'` whole.
   */
  body: unknown;
  /** `Date.now()` when the request arrived. */
  receivedAt: number;
  /** Type of the fault that decided the answer (`'latency'` when only latency applied). */
  fault?: FaultType;
  /** HTTP status sent, once sent; never set for `reset` and `hang`. */
  status?: number;
  /** The answer, once sent; never set for `reset` and `hang`. */
  response?: RecordedResponse;
}

/** A running mock server. */
export interface MockServer {
  /** Base URL such as `http://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string;
  /** Port listened on. */
  readonly port: number;
  /** Every request received (rejected ones and preflights too), oldest first. */
  readonly requests: RecordedRequest[];
  /**
   * Adds a fault.
   * @throws {TypeError} if it is malformed (unknown type or option, bad number).
   */
  setFault(fault: MockFault): FaultId;
  /** Removes a fault; false if it had already expired or been removed. */
  removeFault(id: FaultId): boolean;
  /** Removes every fault. */
  clearFaults(): void;
  /**
   * Adds an instance or replaces the one with the same ID; its preparation script and status
   * timeline start again.
   * @throws {TypeError} if it is malformed.
   */
  setInstance(instance: MockInstance): void;
  /** Forgets an instance; false if it was unknown. */
  removeInstance(id: string): boolean;
  /** Restarts every instance: preparation scripts at their first step, timelines and cycles at 0. */
  resetInstances(): void;
  /**
   * Revokes every token the IAM endpoint issued (the `tokens` option's stay valid); their next
   * use gets 401 `APIGW.0301`. Returns how many were revoked.
   */
  revokeTokens(): number;
  /** Empties `requests` in place. */
  resetRequests(): void;
  /**
   * Stops listening, destroys every connection (keep-alive and hanging ones too) and cancels
   * delayed responses. Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
}

/**
 * Starts a mock KooPhone server.
 * @throws {TypeError} (as a rejection) on a bad option; listen errors such as EADDRINUSE as is.
 * @example
 * const server = await startMockServer({ instances: [{ id: 'a1', status: 2 }] });
 * try {
 *   // call `${server.url}/v1/instances/batch-query-status` with X-Auth-Token: mock-token
 * } finally {
 *   await server.close();
 * }
 */
export declare function startMockServer(options?: MockServerOptions): Promise<MockServer>;

/**
 * Reads and checks a scenario JSON file.
 * @throws {Error} naming the file and what is wrong with it.
 */
export declare function loadScenario(file: string): MockScenarioOptions;

/** Every fault type, in documentation order. */
export declare const FAULT_TYPES: readonly FaultType[];

/** Error codes of the mock's error bodies. */
export declare const ERROR_CODES: Readonly<{
  /** 400: the request parameter is incorrect. */
  badRequest: "KOOPHONE.API.1000";
  /** 400: the user does not own the instance. */
  noPermission: "KOOPHONE.API.1001";
  /** 400: unknown instance (prepare-progress). */
  noInstance: "KOOPHONE.API.4001";
  /** Default body of `http` faults. */
  internal: "KOOPHONE.API.9999";
  /**
   * 401 from the API gateway: missing, unknown or expired token, or a bad AK/SK signature. The
   * body is `{ error_code, error_msg, request_id }`.
   */
  invalidToken: "APIGW.0301";
  /** 429 from the API gateway (`rateLimit` option, `rate-limit` faults); no Retry-After. */
  rateLimited: "APIGW.0308";
  /** 404 (mock-specific). */
  notFound: "KOOPHONE.API.0404";
  /** 405 (mock-specific). */
  methodNotAllowed: "KOOPHONE.API.0405";
  /** 413 (mock-specific). */
  tooLarge: "KOOPHONE.API.0413";
}>;
