// Token redaction that holds for real tokens and leaves short test tokens alone (issue 11,
// items 7 and 8). A 1200-character token in the base64 alphabet (with `/` and `+`) echoed
// by a server or proxy (raw, cut after N characters, JSON-escaped with `\/`, inside
// error_msg, error_code or request_id, in a non-JSON page, in a fetch error's cause) leaves
// no 12-character fragment in any part of the error. With the token "0", the server's
// error_code and error_msg and our request id come through exactly as sent.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { lib } from "./support.mjs";
import { startStub, reply } from "../support/stub-server.mjs";

const { batchStatus, prepareProgress, KooPhoneError } = lib;

/** 1200 characters of base64 (deterministic), with `/` and `+` throughout. */
const TOKEN = (() => {
  let out = "";
  for (let i = 0; out.length < 1200; i++)
    out += createHash("sha256").update(`token-${i}`).digest("base64").replace(/=+$/, "");
  out = out.slice(0, 1200).split("");
  for (let i = 7; i < 1200; i += 97) out[i] = i % 2 ? "/" : "+";
  return out.join("");
})();
const FRAGMENT = 12;
const FRAGMENTS = new Set(Array.from({ length: TOKEN.length - FRAGMENT + 1 }, (_, i) => TOKEN.slice(i, i + FRAGMENT)));
const ESCAPED = TOKEN.replaceAll("/", "\\/");

let respond = () => {};
const server = await startStub((req, res, record) => respond(res, record));
after(() => server.close());

/** The first 12-character token fragment in `text` (also after undoing `\/` escapes), or null. */
function fragmentIn(text) {
  for (const form of new Set([
    text,
    text.replaceAll("\\/", "/"),
    text.replaceAll("\\u002f", "/").replaceAll("\\u002b", "+"),
  ])) {
    for (let i = 0; i + FRAGMENT <= form.length; i++)
      if (FRAGMENTS.has(form.slice(i, i + FRAGMENT))) return form.slice(Math.max(0, i - 20), i + FRAGMENT + 20);
  }
  return null;
}

/** Every string reachable from `value` (own properties, hidden ones and symbols too), with its path. */
function strings(value, path = "error", seen = new Set(), out = []) {
  if (typeof value === "string") out.push([path, value]);
  if (value === null || (typeof value !== "object" && typeof value !== "function") || seen.has(value)) return out;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor && "value" in descriptor) strings(descriptor.value, `${path}.${String(key)}`, seen, out);
    else if (descriptor?.get)
      strings(
        (() => {
          try {
            return descriptor.get.call(value);
          } catch {
            return undefined;
          }
        })(),
        `${path}.${String(key)}`,
        seen,
        out,
      );
  }
  return out;
}

/** Where the token shows through in `error`, as `[where, excerpt]` pairs. */
function leaks(error) {
  const texts = [
    ["message", error.message],
    ["stack", String(error.stack)],
    ["String()", String(error)],
    ["JSON.stringify", JSON.stringify(error)],
    ["inspect(showHidden)", inspect(error, { showHidden: true, depth: 10 })],
    ["inspect(cause)", inspect(error.cause, { showHidden: true, depth: 10 })],
    ...strings(error),
  ];
  return texts.map(([where, text]) => [where, fragmentIn(String(text))]).filter(([, found]) => found !== null);
}

function assertNoLeak(error) {
  const found = leaks(error);
  assert.equal(
    found.length,
    0,
    `token fragments in ${found.map(([where]) => where).join(", ")}; e.g. …${found[0]?.[1]}…`,
  );
}

const html = (text) => `<html><head><title>502 Bad Gateway</title></head><body>${text}</body></html>`;
const CUTS = [12, 13, 50, 89, 119, 120, 121, 300, 1199];
const ECHOES = {
  "a 502 page echoing the token": (res) =>
    reply(res, 502, html(`upstream refused X-Auth-Token: ${TOKEN} (request logged)`)),
  ...Object.fromEntries(
    CUTS.map((n) => [
      `a 502 page cut after ${n} characters of the token`,
      (res) => reply(res, 502, `<html><body>upstream refused X-Auth-Token: ${TOKEN.slice(0, n)}`),
    ]),
  ),
  ...Object.fromEntries(
    [40, 200].map((n) => [
      `a 502 page quoting the first ${n} characters of the token`,
      (res) => reply(res, 502, html(`token ${TOKEN.slice(0, n)}... (truncated) was refused`)),
    ]),
  ),
  "a 400 whose error_msg holds the token": (res) =>
    reply(res, 400, { error_code: "KOOPHONE.API.1002", error_msg: `token ${TOKEN} is invalid` }),
  "a 400 whose error_msg holds the token JSON-escaped with \\/": (res) =>
    reply(res, 400, `{"error_code":"KOOPHONE.API.1002","error_msg":"token ${ESCAPED} is invalid"}`, {
      "content-type": "application/json",
    }),
  "a 400 JSON body cut inside the token": (res) =>
    reply(res, 400, `{"error_code":"KOOPHONE.API.1002","error_msg":"token ${TOKEN.slice(0, 700)}`, {
      "content-type": "application/json",
    }),
  "a 401 gateway body with the token in error_code and request_id": (res) =>
    reply(res, 401, {
      error_code: `APIGW.0301 ${TOKEN}`,
      error_msg: "Incorrect IAM authentication information",
      request_id: TOKEN,
    }),
  "a 200 non-JSON body echoing the token JSON-escaped": (res) => reply(res, 200, `proxy error: {"token":"${ESCAPED}"}`),
  "a 200 API error whose error_msg holds the token": (res) =>
    reply(res, 200, { error_code: "KooPhone.API.1001", error_msg: `no permission for ${TOKEN}` }),
};

for (const call of ["batchStatus", "prepareProgress"]) {
  const send = (options) =>
    call === "batchStatus"
      ? batchStatus(["i1"], options)
      : prepareProgress({ userId: "u1", instanceId: "i1" }, options);
  for (const [name, answer] of Object.entries(ECHOES)) {
    test(`${call}, ${name}: no 12-character fragment of a 1200-character token in the error`, async () => {
      respond = answer;
      const before = server.requests.length;
      const error = await send({ token: TOKEN, endpoint: server.url, maxAttempts: 1 }).then(
        (value) => assert.fail(`resolved: ${JSON.stringify(value).slice(0, 200)}`),
        (e) => e,
      );
      assert.equal(server.requests.length, before + 1, "one request");
      assert.equal(server.requests.at(-1).headers["x-auth-token"], TOKEN, "the token was sent as is");
      assert.ok(error instanceof KooPhoneError, String(error).slice(0, 200));
      assertNoLeak(error);
    });
  }
  test(`${call}, a fetch failing with the token in its error's cause: no fragment in the error or its cause`, async () => {
    const fetch = async () => {
      throw new TypeError("fetch failed", { cause: new Error(`proxy CONNECT refused for X-Auth-Token: ${TOKEN}`) });
    };
    const error = await send({ token: TOKEN, endpoint: server.url, maxAttempts: 1, fetch }).then(
      () => assert.fail("resolved"),
      (e) => e,
    );
    assert.ok(error instanceof KooPhoneError);
    assert.equal(error.code, "NETWORK");
    assertNoLeak(error);
  });
}

test('a short token ("0") garbles nothing: error_code, error_msg, message and request id as sent', async () => {
  respond = (res) =>
    reply(res, 400, {
      error_code: "KOOPHONE.API.1001",
      error_msg: "The user has no permission.",
      request_id: "0a0b0c0d00",
    });
  const error = await batchStatus(["i1"], { token: "0", endpoint: server.url, maxAttempts: 1 }).catch((e) => e);
  assert.ok(error instanceof KooPhoneError, String(error));
  assert.equal(error.code, "HTTP");
  assert.equal(error.httpStatus, 400);
  assert.equal(error.errorCode, "KOOPHONE.API.1001");
  assert.equal(error.errorMsg, "The user has no permission.");
  assert.match(error.message, /HTTP 400/);
  assert.ok(error.message.includes("KOOPHONE.API.1001"), error.message);
  assert.equal(error.requestId, server.requests.at(-1).headers["x-request-id"]);
  assert.equal(error.serverRequestId, "0a0b0c0d00");

  respond = (res) => reply(res, 200, { error_code: "KooPhone.API.1001", error_msg: "Permission denied." });
  const api = await prepareProgress({ userId: "u1", instanceId: "i1" }, { token: "0", endpoint: server.url }).catch(
    (e) => e,
  );
  assert.equal(api.code, "API");
  assert.equal(api.errorCode, "KooPhone.API.1001");
  assert.equal(api.errorMsg, "Permission denied.");
  assert.ok(api.message.includes("KooPhone.API.1001"), api.message);
  assert.equal(api.requestId, server.requests.at(-1).headers["x-request-id"]);
});
