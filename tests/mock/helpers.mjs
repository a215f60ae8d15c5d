// Shared helpers of the mock server tests (not a test file itself).
import { startMockServer } from "../../mock/index.mjs";
import { assertContract } from "../support/contract.mjs";

export const BATCH = "/v1/instances/batch-query-status";
export const PREPARE = "/v1/instances/prepare-progress";
export const TOKEN = "mock-token";

/**
 * Headers of a valid request; `extra` overrides them, and an `undefined` value leaves one out.
 * @param {Record<string, string | undefined>} [extra]
 */
export function headersFor(extra = {}) {
  const all = { "content-type": "application/json", "x-request-id": "req-1", "x-auth-token": TOKEN, ...extra };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

/**
 * Sends a request and reads the whole answer.
 * @param {{ url: string }} server
 * @param {string} path
 * @param {unknown} body a string goes verbatim, anything else as JSON
 * @param {{ headers?: Record<string, string>, method?: string, signal?: AbortSignal }} [init]
 */
export async function call(server, path, body, init = {}) {
  const res = await fetch(server.url + path, {
    method: init.method ?? "POST",
    headers: init.headers ?? headersFor(),
    body: body === undefined || typeof body === "string" ? body : JSON.stringify(body),
    signal: init.signal,
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A batch-query-status call for `ids`. */
export const batch = (server, ids, init) => call(server, BATCH, { instance_ids: ids }, init);

/** A prepare-progress call. */
export const prepare = (server, userId, instanceId, init) =>
  call(server, PREPARE, { user_id: userId, instance_id: instanceId }, init);

/**
 * Starts a server that the test `t` closes when it ends, after checking that every response it
 * sent conforms to docs/openapi.yaml (requests are not checked: many tests send bad ones on
 * purpose; paths and methods the spec lacks are skipped).
 */
export async function serverFor(t, options) {
  const server = await startMockServer(options);
  t.after(async () => {
    try {
      await assertContract(server, { requests: false, allowUnknownPaths: true });
    } finally {
      await server.close();
    }
  });
  return server;
}

/** Instances most tests use. */
export const INSTANCES = [
  { id: "a1", status: 2 },
  { id: "b2", status: 1 },
  { id: "odd", status: 7 },
  {
    id: "p1",
    status: 4,
    owner: "alice",
    prepare: [
      { status: 1, waitingCount: 2 },
      { status: 2, waitingCount: 0 },
      { status: 0, waitingCount: 0 },
    ],
  },
];

/** IAM's token endpoint. */
export const IAM = "/v3/auth/tokens";

/** An IAM user as the mock's `iamUsers` option takes it. */
export const IAM_USER = { domainName: "acme", userName: "ops", password: 'p@ss w0rd"\\', projectName: "cn-south-1" };

/**
 * The body of an IAM password-token request.
 * @param {{ domainName?: string, userName?: string, password?: string }} user
 * @param {{ name?: string, id?: string }} [project]
 */
export function iamBody(user, project = { name: "cn-south-1" }) {
  return {
    auth: {
      identity: {
        methods: ["password"],
        password: { user: { name: user.userName, password: user.password, domain: { name: user.domainName } } },
      },
      scope: { project },
    },
  };
}

/** A POST to IAM's token endpoint (with `?nocatalog=true` unless `query` says otherwise). */
export const iamToken = (server, body, query = "?nocatalog=true", headers = { "content-type": "application/json" }) =>
  call(server, IAM + query, body, { headers });

/**
 * A settable clock for the mock's `clock` option: it returns `clock.now`, which starts at
 * `clock.start`.
 */
export function manualClock(start = Date.UTC(2026, 0, 2, 3, 4, 5)) {
  const clock = () => clock.now;
  clock.start = start;
  clock.now = start;
  return clock;
}
