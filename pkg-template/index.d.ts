// Type definitions for koophone-wasm. Written by hand and checked by `tsc --strict`
// in the test suite. They use no DOM types, so Node-only projects (lib without "dom")
// compile against them.

/** The minimal `AbortSignal` shape the library uses (any real `AbortSignal` fits). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** What the library passes to `fetch` as its second argument. */
export interface FetchInit {
  method: "POST";
  headers: Record<string, string>;
  body: string;
  /** Redirects are never followed: a 3xx answer fails the call with `REDIRECT`. */
  redirect: "manual";
  /** The attempt's `AbortSignal` (typed loosely so any runtime's `fetch` fits). */
  // biome-ignore lint/suspicious/noExplicitAny: deliberately loose so every runtime's AbortSignal type fits
  signal: any;
}

/**
 * The minimal `Response` shape the library reads (any real `Response` fits). The body is
 * read from `body` as a stream when there is one (stopping at 4 MiB), else with `text()`.
 */
export interface FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body?: unknown;
  readonly redirected?: boolean;
  readonly type?: string;
  text(): Promise<string>;
}

/** A `fetch`-compatible function. */
export type FetchLike = (input: string, init: FetchInit) => Promise<FetchResponseLike>;

/** What a token function is told when it is called. */
export interface TokenRequest {
  /** `true` when the cached token was refused and a new one is needed. */
  forceRefresh: boolean;
}

/**
 * The project-scoped IAM token, or a function returning it (sync or async), called
 * before every request so long-running callers can refresh it (IAM tokens last 24 h).
 * A function that throws or rejects fails the call with code `AUTH`. After the API
 * refuses a function's token (HTTP 401, or `APIGW.0301` under any status) the request is
 * sent once more with a token asked for with `forceRefresh: true`.
 */
export type TokenProvider = string | ((request: TokenRequest) => string | Promise<string>);

/**
 * An AK/SK pair: every request is signed (`SDK-HMAC-SHA256`). The secret key belongs on a
 * server, never in a page: anyone who can read it can act as its account.
 */
export interface AkSkCredentials {
  accessKey: string;
  secretKey: string;
  /** Sent (and signed) as `X-Project-Id`. */
  projectId?: string;
  /** For temporary keys: sent (and signed) as `X-Security-Token`. */
  securityToken?: string;
}

/** Options every call accepts. */
export interface CallOptions {
  /**
   * Sent as `X-Auth-Token`; never appears in errors or logs. A call needs `token` or
   * `credentials`, except when `endpoint` is a same-origin path (`/api/koophone`): then
   * without either no auth header is sent, and the proxy adds it (`koophone-wasm/proxy`).
   */
  token?: TokenProvider;
  /** AK/SK signing instead of a token (Node and servers only). Not with `token`. */
  credentials?: AkSkCredentials;
  /**
   * Service base URL. Default `https://koophone.myhuaweicloud.com`. `http:` is accepted
   * only for loopback hosts; in browsers a same-origin path such as `/api/koophone`
   * (a CORS proxy) is accepted too. No credentials, query or fragment.
   */
  endpoint?: string;
  /** Time limit of one attempt (request and body), in ms. Default 10 000. */
  timeoutMs?: number;
  /**
   * Attempts per request, the first included (1 to 10). Default 3. Network errors,
   * timeouts and HTTP 429/500/502/503/504 are retried with exponential backoff and full
   * jitter, honouring `Retry-After` up to 60 s.
   */
  maxAttempts?: number;
  /** Cancels in-flight requests and pending waits at once; the call rejects with `ABORTED`. */
  signal?: AbortSignalLike;
  /** `fetch` to use. Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Logging, metrics and tracing. Read-only; a hook that throws or rejects is ignored. */
  hooks?: Hooks;
}

/** Which attempt of which request a hook event is about. No token, header or body. */
export interface HookAttempt {
  operation: "batch-query-status" | "prepare-progress";
  /** The `x-request-id` of the attempt. */
  requestId: string;
  /** 1 for the first attempt of a request. */
  attempt: number;
}

export interface RequestEvent extends HookAttempt {
  url: string;
  /** IDs in a `batch-query-status` request. */
  idCount?: number;
}

export interface ResponseEvent extends HookAttempt {
  /** `null` when no response came (network failure, timeout). */
  httpStatus: number | null;
  /** The server's `error_code` when it sent a failure one. */
  errorCode: string | null;
  /** The library's error code when the attempt failed. */
  code: KooPhoneErrorCode | null;
  durationMs: number;
}

export interface RetryEvent extends HookAttempt {
  /** Wait before the next attempt. */
  delayMs: number;
  error: KooPhoneError;
}

export interface Hooks {
  onRequest?: (event: RequestEvent) => unknown;
  onResponse?: (event: ResponseEvent) => unknown;
  onRetry?: (event: RetryEvent) => unknown;
}

/** Options of {@link batchStatus}. */
export interface BatchStatusOptions extends CallOptions {
  /** IDs per request, 1 to 100. Default 32 (the documented limit; newer API versions allow up to 100). */
  chunkSize?: number;
  /** Requests in flight at once, 1 to 32. Default 4. */
  concurrency?: number;
  /**
   * When `true`, failed chunks do not reject the call: the result carries them in
   * `errors` and the other chunks' statuses. Default `false`: the first failed chunk
   * aborts the others and rejects the call.
   */
  allowPartial?: boolean;
  /**
   * `"reject"` (default): an invalid ID rejects the call with `INVALID_ARGUMENT`. `"report"`: invalid
   * IDs are left out of the requests and listed in the result's `invalid` (an empty list is then valid).
   */
  invalidIds?: "reject" | "report";
}

/** Options of {@link waitPrepared}. */
export interface WaitPreparedOptions extends CallOptions {
  /** Give up with `WAIT_TIMEOUT` after this many ms. Default 300 000 (5 minutes). */
  maxWaitMs?: number;
  /**
   * Delay from one poll's start to the next, at first and after any change of state or
   * `waitingCount`. Default 1 000.
   */
  minDelayMs?: number;
  /** Longest poll delay; the delay grows 1.5x per unchanged reading up to it. Default 10 000. */
  maxDelayMs?: number;
  /** Called with every reading. Exceptions it throws and promises it rejects are ignored. */
  onProgress?: (progress: WaitProgress) => unknown;
}

/** Names of `batch-query-status` statuses: 0 unknown, 1 stopped, 2 running, 3 offline, 4 starting, 5 shutdown. */
export type InstanceState = "unknown" | "stopped" | "running" | "offline" | "starting" | "shutdown" | "unrecognized";

/**
 * Names of `prepare-progress` statuses: 0 normal, 1 queuing, 2 restoring (offline),
 * -1 failed, 3 backingUp, and from newer API versions 4 resetting, 5 restarting, 6 offline.
 */
export type PrepareState =
  | "normal"
  | "queuing"
  | "restoring"
  | "failed"
  | "backingUp"
  | "resetting"
  | "restarting"
  | "offline"
  | "unrecognized";

export interface InstanceStatus {
  instanceId: string;
  /** The number the server sent; kept even when not in the table (state `"unrecognized"`). */
  status: number;
  state: InstanceState;
}

export interface BatchStatusResult {
  /** One entry per distinct requested ID the server reported, in input order. */
  statuses: InstanceStatus[];
  /** Requested IDs the server did not report (it may return fewer results than asked). */
  missing: string[];
  /** The `x-request-id` of every request sent, retries included. */
  requestIds: string[];
  /** Present when `allowPartial` was set: the chunks that failed (empty when all succeeded). */
  errors?: ChunkError[];
  /** Present with `invalidIds: "report"`: the entries left out, and why. */
  invalid?: InvalidId[];
}

/** An entry of `instanceIds` that is not a valid ID. */
export interface InvalidId {
  instanceId: unknown;
  reason: string;
}

/** What {@link checkInstanceIds} finds. */
export interface CheckedInstanceIds {
  valid: string[];
  invalid: InvalidId[];
}

/** A chunk of a `batchStatus` call that failed, with the IDs it carried. */
export interface ChunkError {
  instanceIds: string[];
  error: KooPhoneError;
}

export interface PartialBatchStatusResult extends BatchStatusResult {
  /** Chunks that failed, with the IDs they carried. Empty when all succeeded. */
  errors: ChunkError[];
}

export interface PrepareRequest {
  /** User ID, at most 32 characters. */
  userId: string;
  /** Instance ID, at most 32 characters. */
  instanceId: string;
}

export interface PrepareProgress {
  /** The number the server sent. */
  status: number;
  state: PrepareState;
  /** `waitingCount` as sent, or `null` when absent. */
  waitingCount: number | null;
  /** The `x-request-id` of the request that produced this reading. */
  requestId: string;
}

export interface WaitProgress extends PrepareProgress {
  /** 1 for the first poll, 2 for the second, ... */
  attempt: number;
  /** Milliseconds since `waitPrepared` started. */
  elapsedMs: number;
}

export type KooPhoneErrorCode =
  | "INVALID_ARGUMENT"
  | "NETWORK"
  | "TIMEOUT"
  | "ABORTED"
  | "HTTP"
  | "API"
  | "BAD_RESPONSE"
  | "PREPARE_FAILED"
  | "WAIT_TIMEOUT"
  | "STATE_FAILED"
  | "AUTH"
  | "REDIRECT"
  | "INTERNAL";

/** Every rejection of this library is a `KooPhoneError`. */
export declare class KooPhoneError extends Error {
  readonly name: "KooPhoneError";
  /** What kind of failure this is; stable, safe to switch on. */
  readonly code: KooPhoneErrorCode;
  /** HTTP status of the response, when there was one. */
  readonly httpStatus: number | null;
  /** `error_code` exactly as the server sent it (e.g. `"KOOPHONE.API.4001"`). */
  readonly errorCode: string | null;
  /** `error_msg` exactly as the server sent it. */
  readonly errorMsg: string | null;
  /** `x-request-id` of the failed request (ours), for support tickets. */
  readonly requestId: string | null;
  /** `request_id` from the server's or API gateway's error body, when it sent one. */
  readonly serverRequestId: string | null;
  /**
   * The underlying failure, redacted: for `NETWORK` the `fetch` error (Node's socket error
   * code, e.g. `ECONNREFUSED`, in `cause.code`), for `AUTH` what the token function threw.
   */
  readonly cause?: unknown;
  /** `batchStatus` with `allowPartial` when every chunk failed: each chunk's error. */
  readonly errors?: ChunkError[];
  /** Whether the same call may succeed if tried again later. */
  readonly retryable: boolean;
  /**
   * `waitPrepared` errors (`PREPARE_FAILED`, `WAIT_TIMEOUT`, and an abort or failed poll after
   * at least one reading): the last reading.
   */
  readonly progress: WaitProgress | null;
  /** `details.code` defaults to `"INTERNAL"`, the other fields to `null` (`retryable` to `false`). */
  constructor(message: string, details?: KooPhoneErrorDetails);
  /** Plain data, e.g. to send from a worker with `postMessage`. */
  toJSON(): KooPhoneErrorJSON;
  /** Rebuild an error from {@link KooPhoneError.toJSON} output (or its JSON text). */
  static fromJSON(json: KooPhoneErrorJSON | string): KooPhoneError;
}

/** What {@link KooPhoneError.toJSON} returns. */
export interface KooPhoneErrorJSON extends Omit<KooPhoneErrorDetails, "errors"> {
  name: "KooPhoneError";
  code: KooPhoneErrorCode;
  message: string;
  cause?: { name: string; message: string; code?: string };
  errors?: Array<{ instanceIds: string[]; error: KooPhoneErrorJSON }>;
}

/**
 * Whether `value` is a `KooPhoneError`, from this copy of the package or any other (ESM and
 * CommonJS builds, several installed versions). `instanceof KooPhoneError` answers the same.
 */
export declare function isKooPhoneError(value: unknown): value is KooPhoneError;

export interface KooPhoneErrorDetails {
  code?: KooPhoneErrorCode;
  httpStatus?: number | null;
  errorCode?: string | null;
  errorMsg?: string | null;
  requestId?: string | null;
  serverRequestId?: string | null;
  retryable?: boolean;
  progress?: WaitProgress | null;
  cause?: unknown;
  /** Each failed chunk's error (as `batchStatus` with `allowPartial` attaches them). */
  errors?: ChunkError[];
}

/**
 * Status of any number of instances. IDs are de-duplicated, sent in chunks of
 * `chunkSize` with up to `concurrency` requests at once, and merged in input order.
 */
export declare function batchStatus(
  instanceIds: readonly string[],
  options: BatchStatusOptions & { allowPartial: true },
): Promise<PartialBatchStatusResult>;
export declare function batchStatus(
  instanceIds: readonly string[],
  options: BatchStatusOptions,
): Promise<BatchStatusResult>;

/** One `prepare-progress` reading. */
export declare function prepareProgress(request: PrepareRequest, options: CallOptions): Promise<PrepareProgress>;

/**
 * Poll `prepare-progress` until the instance is `normal` (resolves with the last
 * reading), reports `failed` (rejects `PREPARE_FAILED`), `maxWaitMs` passes
 * (rejects `WAIT_TIMEOUT`) or `signal` aborts (rejects `ABORTED`).
 */
export declare function waitPrepared(request: PrepareRequest, options: WaitPreparedOptions): Promise<WaitProgress>;

/** Options of {@link watchStatus}. */
export interface WatchStatusOptions extends BatchStatusOptions {
  /** From the start of one round to the start of the next, in ms; at least 100. Default 5 000. */
  intervalMs?: number;
  /** Yield every ID as a change from `null` after the first round. Default `true`. */
  emitInitial?: boolean;
}

/** One change of an instance's status; `null` = not reported by the server in that round. */
export interface StatusChange {
  instanceId: string;
  previous: InstanceStatus | null;
  current: InstanceStatus | null;
}

export interface WatchEvent {
  /** 1 for the first round. */
  round: number;
  /** Epoch ms of the round's answer. */
  at: number;
  changes: StatusChange[];
  /** The current view, in input order (last known statuses after a failed round). */
  statuses: InstanceStatus[];
  missing: string[];
  /** The round failed after its retries; the statuses are the last known ones. */
  error?: KooPhoneError;
  /** With `invalidIds: "report"`. */
  invalid?: InvalidId[];
}

/** Options of {@link waitForState}. */
export interface WaitForStateOptions extends BatchStatusOptions {
  /** From the start of one round to the start of the next, in ms; at least 100. Default 5 000. */
  intervalMs?: number;
  /** Give up with `WAIT_TIMEOUT` after this many ms. Default 600 000 (10 minutes). */
  maxWaitMs?: number;
  /** States that end the wait with `STATE_FAILED`. */
  failOn?: readonly InstanceState[];
  /** Called after every round. Exceptions it throws and promises it rejects are ignored. */
  onProgress?: (progress: StateProgress) => unknown;
}

export interface StateProgress {
  round: number;
  elapsedMs: number;
  done: string[];
  /** Not yet in a wanted state, missing IDs included. */
  pending: string[];
  missing: string[];
}

export interface WaitForStateResult {
  statuses: InstanceStatus[];
  elapsedMs: number;
  rounds: number;
  /** With `invalidIds: "report"`. */
  invalid?: InvalidId[];
}

/** Options of {@link waitPreparedAll}. */
export interface WaitPreparedAllOptions extends Omit<WaitPreparedOptions, "onProgress"> {
  /** Waits in flight at once, 1 to 32. Default 8. */
  concurrency?: number;
  /** Called with every reading of every instance. */
  onProgress?: (progress: WaitProgress & PrepareRequest) => unknown;
}

export type PreparedOutcome =
  | { userId: string; instanceId: string; ok: true; progress: WaitProgress }
  | { userId: string; instanceId: string; ok: false; error: KooPhoneError };

/**
 * Live status of a set of instances: rounds of `batch-query-status` every `intervalMs`, yielding
 * an event when something changed, a round failed, or the first round after failed ones succeeded.
 * `break`, `return()` and `signal` stop it at once (a pending `next()` settles with `done: true`);
 * a non-retryable error ends it by throwing.
 */
export declare function watchStatus(
  instanceIds: readonly string[],
  options: WatchStatusOptions,
): AsyncIterableIterator<WatchEvent>;

/**
 * Wait until every instance is in `until` (a state or several). Rejects with `STATE_FAILED` when one
 * enters a `failOn` state, `WAIT_TIMEOUT` after `maxWaitMs`, `ABORTED` on the signal.
 */
export declare function waitForState(
  instanceIds: readonly string[],
  until: InstanceState | readonly InstanceState[],
  options: WaitForStateOptions,
): Promise<WaitForStateResult>;

/**
 * `waitPrepared` for many instances, at most `concurrency` at once; outcomes in input order. Rejects
 * only for invalid arguments and `ABORTED`.
 */
export declare function waitPreparedAll(
  requests: readonly PrepareRequest[],
  options: WaitPreparedAllOptions,
): Promise<PreparedOutcome[]>;

/** Split `instanceIds` into valid IDs and invalid entries by the library's own rules. */
export declare function checkInstanceIds(instanceIds: readonly unknown[]): Promise<CheckedInstanceIds>;

/** Settings of a client's scheduler, shared by every request of every call of the client. */
export interface SchedulerOptions {
  /** Token bucket; adaptive (lowered after a 429, recovers after successes). Default 50 per second. */
  rateLimit?: { requestsPerSecond: number; burst?: number };
  /** Requests in flight at once across the client. Default 16. */
  maxConcurrentRequests?: number;
  /** Client-wide retry quota (capacity 500, a retry costs 5, 10 after a timeout, a success gives 1). Default `true`. */
  retryBudget?: boolean;
}

/** Options of {@link createClient}: the scheduler's settings, and any call option as defaults. */
export type ClientOptions = SchedulerOptions & Partial<WatchStatusOptions & WaitForStateOptions & WaitPreparedOptions>;

/** Partial options for a client call: the client's defaults fill the rest. */
export interface Client<Defaults extends ClientOptions = ClientOptions> {
  batchStatus(
    instanceIds: readonly string[],
    options: Partial<BatchStatusOptions> & { allowPartial: true },
  ): Promise<PartialBatchStatusResult>;
  batchStatus(
    instanceIds: readonly string[],
    options?: Partial<BatchStatusOptions>,
  ): Promise<Defaults extends { allowPartial: true } ? PartialBatchStatusResult : BatchStatusResult>;
  prepareProgress(request: PrepareRequest, options?: Partial<CallOptions>): Promise<PrepareProgress>;
  waitPrepared(request: PrepareRequest, options?: Partial<WaitPreparedOptions>): Promise<WaitProgress>;
  watchStatus(instanceIds: readonly string[], options?: Partial<WatchStatusOptions>): AsyncIterableIterator<WatchEvent>;
  waitForState(
    instanceIds: readonly string[],
    until: InstanceState | readonly InstanceState[],
    options?: Partial<WaitForStateOptions>,
  ): Promise<WaitForStateResult>;
  waitPreparedAll(
    requests: readonly PrepareRequest[],
    options?: Partial<WaitPreparedAllOptions>,
  ): Promise<PreparedOutcome[]>;
}

/** The calls with `defaults` bound (per-call options override them) and one scheduler for all their requests. */
export declare function createClient<const Defaults extends ClientOptions>(defaults: Defaults): Client<Defaults>;
/** A client with no defaults: every call then passes its own options. */
export declare function createClient(): Client<Record<never, never>>;

/** Options of {@link iamTokenProvider} (also `createProxy({ iam })` and the CLI's `KOOPHONE_IAM_*`). */
export interface IamOptions {
  /** The account (domain) name. */
  domainName: string;
  /** An IAM user of that account. */
  userName: string;
  /** Never appears in errors or logs, even when IAM quotes it back. */
  password: string;
  /** The project (region) name, such as `cn-south-1`; or give `projectId`. */
  projectName?: string;
  projectId?: string;
  /** Default `https://iam.myhuaweicloud.com` (`http:` only for loopback hosts). */
  iamEndpoint?: string;
  /** Refresh this long before `expires_at`, 0 to 86 400 000 ms. Default 3 600 000 (1 hour). */
  refreshMarginMs?: number;
  /** `fetch` to use. Default: the global `fetch`. */
  fetch?: FetchLike;
}

/** A token function backed by IAM; `invalidate()` forgets the cached token. */
export interface IamTokenProvider {
  (request?: TokenRequest): Promise<string>;
  invalidate(): void;
}

/**
 * A token function that asks IAM for a project-scoped token with a password
 * (`POST {iamEndpoint}/v3/auth/tokens?nocatalog=true`) and caches it until `expires_at`
 * minus `refreshMarginMs`; one IAM request at a time however many callers ask. Options
 * are checked on the first call. A failure rejects with code `AUTH`.
 */
export declare function iamTokenProvider(options: IamOptions): IamTokenProvider;

/**
 * Load the WebAssembly module now instead of on the first call. Optional and
 * idempotent: every call initialises on demand.
 */
export declare function init(): Promise<void>;
