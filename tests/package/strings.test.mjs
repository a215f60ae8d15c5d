// Strings cross into the module exactly: the package patches the wasm-bindgen glue so that strings
// longer than 64 characters are encoded with `TextEncoder.encodeInto` first and fall back to the
// glue's own path at the first non-ASCII character (scripts/assemble.mjs). These tests put
// non-ASCII characters before, at and after that length, in the arguments, the options (the
// token) and the response body, and check that every one comes back unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lib } from "./support.mjs";

const { batchStatus, KooPhoneError } = lib;

/** A fetch that answers every ID with status 2 and records the bodies and tokens it was sent. */
function echoFetch(answer) {
  const seen = [];
  const fetch = async (_url, init) => {
    const sent = JSON.parse(init.body);
    const token = Object.entries(init.headers).find(([name]) => name.toLowerCase() === "x-auth-token")?.[1];
    seen.push({ ids: sent.instance_ids, token });
    const body = answer
      ? answer(sent)
      : {
          data: { status_results: sent.instance_ids.map((id) => ({ instance_id: id, status: 2 })) },
          error_code: "0",
          error_msg: "OK",
        };
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  };
  return { fetch, seen };
}

// IDs up to 32 UTF-16 units; the JSON array of each set runs well past 64 characters.
const ID_SETS = {
  "ASCII only": Array.from({ length: 9 }, (_, i) => `instance-${i}-abcdefghij`),
  "non-ASCII first": ["é-first", ...Array.from({ length: 8 }, (_, i) => `plain-${i}-abcdefghij`)],
  "non-ASCII after 64 characters": [
    ...Array.from({ length: 5 }, (_, i) => `plain-${i}-abcdefghij`),
    "late-ünïcödé",
    "late-中文-id",
  ],
  "astral characters after 64 characters": [
    ...Array.from({ length: 5 }, (_, i) => `plain-${i}-abcdefghij`),
    "emoji-😀-id",
    `${"😀".repeat(16)}`,
  ],
  "non-ASCII last": [...Array.from({ length: 8 }, (_, i) => `plain-${i}-abcdefghij`), "zzz-ÿ"],
};

for (const [name, ids] of Object.entries(ID_SETS)) {
  test(`IDs cross into the module and back unchanged: ${name}`, async () => {
    assert.ok(JSON.stringify(ids).length > 64);
    const { fetch, seen } = echoFetch();
    const result = await batchStatus(ids, { token: "t-1", endpoint: "http://127.0.0.1:9", fetch });
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].ids, ids);
    assert.deepEqual(
      result.statuses.map((s) => s.instanceId),
      ids,
    );
    assert.deepEqual(result.missing, []);
  });
}

test("a token of several kilobytes reaches the request header exactly", async () => {
  const token = `MIIE${"Ab0+/=".repeat(1000)}xyz`;
  const { fetch, seen } = echoFetch();
  const result = await batchStatus(["a", "b"], { token, endpoint: "http://127.0.0.1:9", fetch });
  assert.equal(result.statuses.length, 2);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].token?.length, token.length);
  assert.ok(seen[0].token === token, "the header differs from the token");
});

test("a long response body with non-ASCII text past 64 characters is read exactly", async () => {
  const message = `${"x".repeat(70)} instance ü-中-😀 is locked (naïve café)`;
  const { fetch } = echoFetch(() => ({ error_code: "KooPhone.API.0042", error_msg: message }));
  const error = await batchStatus(["a"], { token: "t-1", endpoint: "http://127.0.0.1:9", fetch }).then(
    () => assert.fail("resolved"),
    (e) => e,
  );
  assert.ok(error instanceof KooPhoneError);
  assert.equal(error.code, "API");
  assert.equal(error.errorCode, "KooPhone.API.0042");
  assert.equal(error.errorMsg, message);
});

test("a call's token replaces its client's, whichever of them is a string or a function", async () => {
  const endpoint = "http://127.0.0.1:9";
  const sent = async (client, options) => {
    const { fetch, seen } = echoFetch();
    await client.batchStatus(["a"], { ...options, fetch });
    assert.equal(seen.length, 1);
    return seen[0].token;
  };
  const stringClient = lib.createClient({ token: "client-token", endpoint });
  assert.equal(await sent(stringClient, {}), "client-token");
  assert.equal(await sent(stringClient, { token: "call-token" }), "call-token");
  assert.equal(await sent(stringClient, { token: () => "call-function-token" }), "call-function-token");
  const functionClient = lib.createClient({ token: () => "client-function-token", endpoint });
  assert.equal(await sent(functionClient, {}), "client-function-token");
  assert.equal(await sent(functionClient, { token: "call-token" }), "call-token");
  // A call's token of the wrong type is refused, not silently replaced by the client's.
  const error = await stringClient.batchStatus(["a"], { token: 42 }).catch((e) => e);
  assert.equal(error.code, "INVALID_ARGUMENT");
  assert.match(error.message, /^`token` must be a string or a function returning one, got a number/);
});
