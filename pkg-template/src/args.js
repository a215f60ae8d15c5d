// Reading the caller's arguments, behind a guard.
//
// Arguments are copied once into JSON for the module, which checks them
// (src/engine/options.rs, src/engine/input.rs). Values JSON cannot carry are
// described as {"$": "<type>"}; functions and the signal stay here, in
// `handles`, for the host. Any getter, Proxy trap or array access may throw:
// the copy then fails with a message naming what threw, before any request.

import { messageOf } from "./error.js";

/** Thrown by the readers; the entry turns it into an INVALID_ARGUMENT error. */
export class ArgumentError {
  constructor(message) {
    this.message = message;
  }
}

/** Most IDs copied; a longer array is described by its length (the module refuses it). */
const MAX_IDS = 100_000;

function guarded(what, read) {
  try {
    return read();
  } catch (error) {
    throw threw(what, error);
  }
}

/** The error for reading `what` having thrown `error`. */
function threw(what, error) {
  if (error instanceof ArgumentError) return error;
  return new ArgumentError(`reading ${what} threw: ${messageOf(error, 200)}`);
}

/** A value as JSON can carry it, or its description. */
function describe(value) {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : { $: String(value) };
    case "undefined":
      return null;
    case "object":
      if (value === null) return null;
      return { $: Array.isArray(value) ? "array" : "object" };
    default:
      return { $: typeof value };
  }
}

/** Most entries copied from an option that is an array or object (`failOn`, `rateLimit`, `hooks`). */
const MAX_OPTION_ENTRIES = 64;

/** An array or plain-object option, one level deep; functions stay in `functions`. */
function describeNested(label, value, functions) {
  if (Array.isArray(value)) {
    const length = guarded(`${label}.length`, () => value.length);
    if (!(length <= MAX_OPTION_ENTRIES)) return { $: "array" };
    return Array.from({ length }, (_, i) => describe(guarded(`${label}[${i}]`, () => value[i])));
  }
  const copy = {};
  const keys = guarded(`the keys of ${label}`, () => Object.keys(value));
  for (const key of keys.slice(0, MAX_OPTION_ENTRIES)) {
    const member = guarded(`${label}.${key}`, () => value[key]);
    if (typeof member === "function" && functions) functions[key] = member;
    copy[key] = describe(member);
  }
  return copy;
}

function isSignal(value) {
  return typeof value.aborted === "boolean" && typeof value.addEventListener === "function";
}

/**
 * The options object, merged over `defaults` (a client's), as JSON for the
 * module, plus the caller's functions and signal. A string `token` is handed
 * over beside the JSON (`token`): real IAM tokens run to kilobytes, and
 * escaping them into the JSON and scanning them out again cost more than the
 * rest of the options together.
 */
export function readOptions(known, defaults, options) {
  const data = {};
  let token;
  const handles = { fetch: undefined, token: undefined, signal: undefined, onProgress: undefined, hooks: undefined };
  const sources =
    defaults === undefined
      ? [[options, "options"]]
      : [
          [defaults, "client options"],
          [options ?? {}, "options"],
        ];
  for (const [source, label] of sources) {
    if (source === null || typeof source !== "object") {
      data.$ = describe(source);
      continue;
    }
    for (const name of known) {
      const value = guarded(`${label}.${name}`, () => source[name]);
      if (value === undefined) continue;
      if (name === "token") {
        token = typeof value === "string" ? value : undefined;
        if (token !== undefined) {
          handles.token = undefined;
          delete data.token;
          continue;
        }
      }
      if (name === "hooks" && value !== null && typeof value === "object" && !Array.isArray(value)) {
        // Hooks merge by name: a call's onRetry replaces the client's, the others stay.
        handles.hooks = { ...handles.hooks };
        data.hooks = { ...data.hooks, ...describeNested(`${label}.hooks`, value, handles.hooks) };
        continue;
      }
      if (name !== "signal" && value !== null && typeof value === "object") {
        data[name] = describeNested(`${label}.${name}`, value);
        continue;
      }
      if (name in handles) {
        handles[name] = undefined;
        if (typeof value === "function") {
          handles[name] = value;
          data[name] = { $: "function" };
          continue;
        }
        if (name === "signal" && value !== null && typeof value === "object") {
          if (guarded("options.signal", () => isSignal(value))) {
            handles.signal = value;
            data[name] = { $: "signal" };
            continue;
          }
        }
      }
      data[name] = name === "credentials" ? readCredentials(value, label) : describe(value);
    }
    for (const name of guarded(`the keys of ${label}`, () => Object.keys(source))) {
      if (!known.includes(name)) data[name] = 0;
    }
  }
  if (data.$ !== undefined) return { json: JSON.stringify(data.$ === null ? null : data.$), handles };
  return { json: JSON.stringify(data), handles, token };
}

/** The members of a `credentials` option, copied (the module checks them; it never quotes them). */
const CREDENTIAL_FIELDS = ["accessKey", "secretKey", "projectId", "securityToken"];

function readCredentials(value, label) {
  if (value === null || typeof value !== "object") return describe(value);
  const copy = {};
  for (const field of CREDENTIAL_FIELDS)
    copy[field] = describe(guarded(`${label}.credentials.${field}`, () => value[field]));
  for (const name of guarded(`the keys of ${label}.credentials`, () => Object.keys(value))) {
    if (!CREDENTIAL_FIELDS.includes(name)) copy[name] = 0;
  }
  return copy;
}

/** The options of `iamTokenProvider` as JSON for the module, and its `fetch`. */
const IAM_FIELDS = [
  "domainName",
  "userName",
  "password",
  "projectName",
  "projectId",
  "iamEndpoint",
  "refreshMarginMs",
  "fetch",
];

export function readIamOptions(options) {
  if (options === null || typeof options !== "object") {
    throw new ArgumentError(
      "iamTokenProvider needs an object { domainName, userName, password, projectName | projectId }",
    );
  }
  const data = {};
  let fetchFn;
  for (const name of IAM_FIELDS) {
    const value = guarded(`options.${name}`, () => options[name]);
    if (name === "fetch" && typeof value === "function") fetchFn = value;
    data[name] = describe(value);
  }
  for (const name of guarded("the keys of options", () => Object.keys(options))) {
    if (!IAM_FIELDS.includes(name)) data[name] = 0;
  }
  return { json: JSON.stringify(data), fetch: fetchFn };
}

/** The `instanceIds` array as JSON. */
export function readIds(value) {
  // One guard for the whole copy (no closure per ID): `at` says what was being read.
  let at = -1;
  try {
    if (!Array.isArray(value)) return JSON.stringify(describe(value));
    at = -2;
    const length = value.length;
    if (length > MAX_IDS) return JSON.stringify({ $: "array", length });
    const copy = new Array(length);
    for (at = 0; at < length; at++) {
      const id = value[at];
      copy[at] = typeof id === "string" ? id : describe(id);
    }
    return JSON.stringify(copy);
  } catch (error) {
    throw threw(at === -1 ? "instanceIds" : at === -2 ? "instanceIds.length" : `instanceIds[${at}]`, error);
  }
}

/**
 * `{ valid, invalid }` from the module's `check(json)` (its `checkInstanceIds`), for the calls
 * that set invalid IDs aside (`checkInstanceIds`, `invalidIds: "report"`), `json` being what
 * `readIds` made. An ID with a lone
 * surrogate cannot cross into the module, whose strings are UTF-8: it crosses
 * as {"$": "ill-formed string"}, which the module sets aside with its reason,
 * and comes back in `invalid` as the caller wrote it.
 */
export function checkedIds(json, check) {
  // JSON.stringify writes a lone surrogate, and no other character, as \udXXX.
  if (!json.includes("\\ud")) return JSON.parse(check(json));
  const items = JSON.parse(json);
  const written = new Map();
  if (Array.isArray(items)) {
    for (let i = 0; i < items.length; i++) {
      if (typeof items[i] === "string" && LONE_SURROGATE.test(items[i])) {
        written.set(`instanceIds[${i}] `, items[i]);
        items[i] = { $: "ill-formed string" };
      }
    }
  }
  const checked = JSON.parse(check(JSON.stringify(items)));
  for (const entry of checked.invalid) {
    const field = entry.reason.slice(0, entry.reason.indexOf(" ") + 1);
    if (written.has(field)) entry.instanceId = written.get(field);
  }
  return checked;
}

/** A lone surrogate: with the `u` flag a well-formed pair is one code point, not `Cs`. */
const LONE_SURROGATE = /\p{Cs}/u;

/** The `{ userId, instanceId }` argument as JSON. */
export function readTarget(value) {
  return JSON.stringify(target(value, ""));
}

function target(value, label) {
  if (value === null || typeof value !== "object") return describe(value);
  return {
    userId: describe(guarded(`${label}userId`, () => value.userId)),
    instanceId: describe(guarded(`${label}instanceId`, () => value.instanceId)),
  };
}

/** Most requests `waitPreparedAll` copies; the module refuses more. */
const MAX_TARGETS = 10_000;

/** The `requests` argument of `waitPreparedAll` (an array of `{ userId, instanceId }`) as JSON. */
export function readTargets(value) {
  return guarded("requests", () => {
    if (!Array.isArray(value)) return JSON.stringify(describe(value));
    const length = Math.min(value.length, MAX_TARGETS + 1);
    const copy = new Array(length);
    for (let i = 0; i < length; i++) {
      copy[i] = target(
        guarded(`requests[${i}]`, () => value[i]),
        `requests[${i}].`,
      );
    }
    return JSON.stringify(copy);
  });
}
