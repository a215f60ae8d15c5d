import { test } from "node:test";
import assert from "node:assert/strict";
import { BATCH, INSTANCES, TOKEN, batch, call, headersFor, serverFor } from "./helpers.mjs";

test("batch answers known IDs in request order, once each, omitting unknown ones", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const res = await batch(server, ["b2", "ghost001", "a1", "b2", "odd"]);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(res.json, {
    error_code: "0",
    error_msg: "OK",
    data: {
      status_results: [
        { instance_id: "b2", status: 1 },
        { instance_id: "a1", status: 2 },
        { instance_id: "odd", status: 7 },
      ],
    },
  });
});

test("bare form answers like the seed example", async (t) => {
  const server = await serverFor(t, { instances: [{ id: "a44uhlf7", status: 0 }], batchResponseForm: "bare" });
  const res = await batch(server, ["a44uhlf7", "efjy72gs"]);
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { status_results: [{ instance_id: "a44uhlf7", status: 0 }] });
});

test("batch echoes x-request-id and accepts a charset in the content type", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const res = await batch(server, ["a1"], {
    headers: headersFor({ "x-request-id": "abc-123", "content-type": "application/json; charset=utf-8" }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-request-id"), "abc-123");
});

test("batch accepts 16 emoji (32 UTF-16 code units) as an ID", async (t) => {
  const server = await serverFor(t, { instances: [{ id: "😀".repeat(16), status: 2 }] });
  const res = await batch(server, ["😀".repeat(16)]);
  assert.deepEqual(res.json.data.status_results, [{ instance_id: "😀".repeat(16), status: 2 }]);
});

test("batch accepts 32 IDs of 32 characters", async (t) => {
  const server = await serverFor(t);
  const ids = Array.from({ length: 32 }, (_, i) => String(i).padStart(32, "x"));
  const res = await batch(server, ids);
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.data.status_results, []);
});

const INVALID_BATCH = [
  [
    "missing x-request-id",
    { headers: headersFor({ "x-request-id": undefined }) },
    { instance_ids: ["a1"] },
    /x-request-id/,
  ],
  ["blank x-request-id", { headers: headersFor({ "x-request-id": "  " }) }, { instance_ids: ["a1"] }, /x-request-id/],
  [
    "over-long x-request-id",
    { headers: headersFor({ "x-request-id": "r".repeat(129) }) },
    { instance_ids: ["a1"] },
    /x-request-id/,
  ],
  [
    "text/plain content type",
    { headers: headersFor({ "content-type": "text/plain" }) },
    { instance_ids: ["a1"] },
    /Content-Type/,
  ],
  [
    "missing content type",
    { headers: headersFor({ "content-type": undefined }) },
    '{"instance_ids":["a1"]}',
    /Content-Type/,
  ],
  ["malformed JSON", {}, '{"instance_ids": [', /not valid JSON/],
  ["a JSON array", {}, '["a1"]', /JSON object/],
  ["no instance_ids", {}, {}, /instance_ids/],
  ["instance_ids a string", {}, { instance_ids: "a1" }, /instance_ids/],
  ["no IDs", {}, { instance_ids: [] }, /1 to 32/],
  ["33 IDs", {}, { instance_ids: Array.from({ length: 33 }, (_, i) => `i${i}`) }, /1 to 32/],
  ["a number ID", {}, { instance_ids: ["a1", 5] }, /instance_ids\[1\]/],
  ["an empty ID", {}, { instance_ids: [""] }, /instance_ids\[0\]/],
  ["a 33-character ID", {}, { instance_ids: ["x".repeat(33)] }, /at most 32/],
  [
    "17 emoji (34 UTF-16 code units)",
    {},
    { instance_ids: ["😀".repeat(17)] },
    /at most 32 characters \(UTF-16 code units\)/,
  ],
  [
    "a lone surrogate",
    {},
    '{"instance_ids":["ok","a\\ud800b"]}',
    /instance_ids\[1\] must not contain a lone surrogate/,
  ],
];

for (const [name, init, body, message] of INVALID_BATCH) {
  test(`batch rejects ${name} with 400 KOOPHONE.API.1000`, async (t) => {
    const server = await serverFor(t, { instances: INSTANCES });
    const res = await call(server, BATCH, body, init);
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.json.error_code, "KOOPHONE.API.1000");
    assert.match(res.json.error_msg, message);
  });
}

const BAD_TOKENS = [
  ["a missing token", undefined, "x-auth-token not found"],
  ["an empty token", "", "x-auth-token not found"],
  ["an unknown token", "secret-wrong-token", "decrypt token fail"],
];

for (const [name, token, detail] of BAD_TOKENS) {
  test(`batch rejects ${name} with the gateway's 401 APIGW.0301 and does not echo it`, async (t) => {
    const server = await serverFor(t, { instances: INSTANCES });
    const res = await batch(server, ["a1"], { headers: headersFor({ "x-auth-token": token }) });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(Object.keys(res.json), ["error_code", "error_msg", "request_id"]);
    assert.equal(res.json.error_code, "APIGW.0301");
    assert.equal(res.json.error_msg, `Incorrect IAM authentication information: ${detail}`);
    assert.match(res.json.request_id, /^[0-9a-f]{32}$/);
    assert.equal(res.headers.get("retry-after"), null);
    assert.ok(!res.text.includes("secret"));
  });
}

test("each gateway error has its own request_id, distinct from the x-request-id sent", async (t) => {
  const server = await serverFor(t);
  const headers = headersFor({ "x-auth-token": "nope", "x-request-id": "client-id" });
  const first = await batch(server, ["a1"], { headers });
  const second = await batch(server, ["a1"], { headers });
  assert.notEqual(first.json.request_id, second.json.request_id);
  assert.equal(first.headers.get("x-request-id"), "client-id");
});

test("the token check comes before body validation", async (t) => {
  const server = await serverFor(t);
  const res = await call(server, BATCH, "not json", { headers: headersFor({ "x-auth-token": "nope" }) });
  assert.equal(res.status, 401);
});

test("the tokens option replaces the default token", async (t) => {
  const server = await serverFor(t, { tokens: ["t1", "t2"], instances: INSTANCES });
  assert.equal((await batch(server, ["a1"], { headers: headersFor({ "x-auth-token": "t2" }) })).status, 200);
  assert.equal((await batch(server, ["a1"], { headers: headersFor({ "x-auth-token": TOKEN }) })).status, 401);
});

test("setInstance adds and replaces instances; removeInstance forgets them", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  server.setInstance({ id: "new1", status: 5 });
  server.setInstance({ id: "a1", status: 3 });
  assert.equal(server.removeInstance("b2"), true);
  assert.equal(server.removeInstance("b2"), false);
  const res = await batch(server, ["a1", "b2", "new1"]);
  assert.deepEqual(res.json.data.status_results, [
    { instance_id: "a1", status: 3 },
    { instance_id: "new1", status: 5 },
  ]);
  assert.throws(() => server.setInstance({ id: "", status: 1 }), TypeError);
  assert.throws(() => server.setInstance({ id: "x", status: "1" }), TypeError);
  assert.throws(() => server.setInstance({ id: "x", status: 1, prepare: [] }), TypeError);
  assert.throws(() => server.setInstance({ id: "x", status: 1, colour: "red" }), /unknown field "colour"/);
});
