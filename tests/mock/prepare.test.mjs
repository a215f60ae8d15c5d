import { test } from "node:test";
import assert from "node:assert/strict";
import { INSTANCES, PREPARE, call, headersFor, prepare, serverFor } from "./helpers.mjs";

const ok = (status, waitingCount) => ({ data: { status, waitingCount }, error_code: "0", error_msg: "OK" });

test("each call advances the preparation script and the last step repeats", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const answers = [];
  for (let i = 0; i < 5; i += 1) answers.push((await prepare(server, "alice", "p1")).json);
  assert.deepEqual(answers, [ok(1, 2), ok(2, 0), ok(0, 0), ok(0, 0), ok(0, 0)]);
});

test("an instance without a script is ready at once, for any user when it has no owner", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const res = await prepare(server, "anybody", "a1");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(res.json, ok(0, 0));
});

test("an unknown instance is 400 KOOPHONE.API.4001", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const res = await prepare(server, "alice", "iRJEVP9");
  assert.equal(res.status, 400);
  assert.deepEqual(res.json, { error_code: "KOOPHONE.API.4001", error_msg: "The instance does not exist." });
});

test("a user who does not own the instance is 400 KOOPHONE.API.1001 and the script does not advance", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const res = await prepare(server, "mallory", "p1");
  assert.equal(res.status, 400);
  assert.deepEqual(res.json, { error_code: "KOOPHONE.API.1001", error_msg: "Insufficient instance permissions." });
  assert.deepEqual((await prepare(server, "alice", "p1")).json, ok(1, 2));
});

test("x-request-id is optional but echoed and recorded when sent", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const without = await prepare(server, "alice", "a1", { headers: headersFor({ "x-request-id": undefined }) });
  assert.equal(without.status, 200);
  assert.equal(without.headers.get("x-request-id"), null);
  const withId = await prepare(server, "alice", "a1", { headers: headersFor({ "x-request-id": "poll-7" }) });
  assert.equal(withId.headers.get("x-request-id"), "poll-7");
  assert.equal(server.requests[1].headers["x-request-id"], "poll-7");
});

test("setInstance restarts the preparation script", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  await prepare(server, "alice", "p1");
  server.setInstance(INSTANCES[3]);
  assert.deepEqual((await prepare(server, "alice", "p1")).json, ok(1, 2));
});

const INVALID_PREPARE = [
  ["no user_id", { instance_id: "p1" }, /user_id/],
  ["an empty user_id", { user_id: "", instance_id: "p1" }, /user_id/],
  ["a 33-character user_id", { user_id: "u".repeat(33), instance_id: "p1" }, /user_id/],
  ["a number instance_id", { user_id: "alice", instance_id: 1 }, /instance_id/],
  ["a 33-character instance_id", { user_id: "alice", instance_id: "i".repeat(33) }, /instance_id/],
  ["malformed JSON", '{"user_id":', /not valid JSON/],
  ["null", "null", /JSON object/],
];

for (const [name, body, message] of INVALID_PREPARE) {
  test(`prepare rejects ${name} with 400 KOOPHONE.API.1000`, async (t) => {
    const server = await serverFor(t, { instances: INSTANCES });
    const res = await call(server, PREPARE, body);
    assert.equal(res.status, 400);
    assert.equal(res.json.error_code, "KOOPHONE.API.1000");
    assert.match(res.json.error_msg, message);
  });
}

test("prepare rejects a non-JSON content type with 400 and a bad token with 401", async (t) => {
  const server = await serverFor(t, { instances: INSTANCES });
  const form = await prepare(server, "alice", "p1", {
    headers: headersFor({ "content-type": "application/x-www-form-urlencoded" }),
  });
  assert.equal(form.status, 400);
  assert.match(form.json.error_msg, /Content-Type/);
  const noToken = await prepare(server, "alice", "p1", { headers: headersFor({ "x-auth-token": undefined }) });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.json.error_code, "APIGW.0301");
});
