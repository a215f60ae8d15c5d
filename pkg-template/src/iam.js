// `iamTokenProvider`: a token function that gets project-scoped IAM tokens
// with a password, and caches them.
//
// The decisions are the module's (src/engine/iam_session.rs, through the
// `IamTokens` handle): when a cached token is still good, when to send the
// request, what IAM's answer means. Here: the one request in flight (every
// caller asking meanwhile, forced refreshes included, gets its outcome), sent
// through `exchange` (no redirects, bounded body, timeout). Failures reject
// with code AUTH; the password never appears in them.

import { IamTokens } from "./glue.js";
import { exchange } from "./exchange.js";
import { KooPhoneError, fromPayload } from "./error.js";
import { ArgumentError, readIamOptions } from "./args.js";

/** Time limit of the IAM request, and the largest answer read (src/engine/iam_session.rs). */
const IAM_TIMEOUT_MS = 10_000;
const IAM_MAX_BODY_BYTES = 256 * 1024;
/** What `IamTokens.decide` is asked: a token, a token after a refusal, or to forget the cached one. */
const ASK = 0;
const ASK_FORCED = 1;
const FORGET = 2;

/**
 * @param init     () => Promise<number>: loads the module; resolves with its instance number
 * @param options  { domainName, userName, password, projectName | projectId, iamEndpoint?, refreshMarginMs?, fetch? }
 * @param runningInstance  the number of the module instance running now, to check the
 *                 options at once (undefined: checked at the first token asked for)
 */
export function makeIamTokenProvider(init, options, runningInstance) {
  let described;
  try {
    described = readIamOptions(options);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    throw new KooPhoneError(error.message, { code: "INVALID_ARGUMENT" });
  }
  const { json, fetch: fetchFn } = described;
  let session = null;
  let sessionOf = -1;
  let pending = null;
  const open = () => {
    try {
      return new IamTokens(json);
    } catch (payload) {
      throw fromPayload(typeof payload === "string" ? JSON.parse(payload) : payload);
    }
  };
  // Where the module is already running (the proxy starts it when created), the
  // module checks the options now: a bad configuration throws here.
  if (runningInstance !== undefined) {
    session = open();
    sessionOf = runningInstance;
  }

  // The handle lives in one module instance: after a trap the entry starts a
  // fresh instance, and the session (its cache lost) is made again.
  async function current() {
    const instance = await init();
    if (session === null || sessionOf !== instance) {
      session = open();
      sessionOf = instance;
      pending = null;
    }
    return session;
  }

  // `text`: the request as `url\nbody`, from the session's decision.
  async function request(s, text) {
    const controller = new AbortController();
    const f = fetchFn ?? globalThis.fetch;
    if (typeof f !== "function") {
      throw new KooPhoneError("this runtime has no global fetch; pass one as the `fetch` option", { code: "AUTH" });
    }
    const headers = "content-type\napplication/json\naccept\napplication/json\n";
    const at = text.indexOf("\n");
    const r = await exchange(
      f,
      text.slice(0, at),
      headers,
      text.slice(at + 1),
      IAM_TIMEOUT_MS,
      IAM_MAX_BODY_BYTES,
      controller,
      ["x-subject-token"],
    );
    if (s !== session) throw new KooPhoneError("the IAM session was restarted", { code: "AUTH" });
    try {
      const text = r.failure === 0 ? r.body : r.detail;
      return s.exchanged(Date.now(), r.failure, r.status, text, r.wanted?.["x-subject-token"]);
    } catch (payload) {
      throw fromPayload(typeof payload === "string" ? JSON.parse(payload) : payload);
    }
  }

  async function token(req) {
    let force = false;
    try {
      force = req !== null && typeof req === "object" && req.forceRefresh === true;
    } catch {
      // An unreadable request object: no forced refresh.
    }
    const s = await current();
    const decision = s.decide(Date.now(), force ? ASK_FORCED : ASK);
    if (decision[0] === "U") return decision.slice(1);
    if (decision[0] === "J" && pending !== null) return pending;
    pending = request(s, decision.slice(1)).finally(() => {
      pending = null;
    });
    return pending;
  }

  return Object.defineProperty(token, "invalidate", {
    value() {
      if (session !== null) session.decide(0, FORGET);
    },
    enumerable: true,
  });
}
