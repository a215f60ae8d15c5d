// Input rules checked before any request (issue 11, items 11, 13, 16): IDs are counted in
// UTF-16 code units like the Java service does and lone surrogates are refused; plain http
// only for literal loopback addresses and `localhost` itself; unknown option names are
// refused with the closest known name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lib, TOKEN } from "./support.mjs";

const { batchStatus, prepareProgress, waitPrepared, createClient, KooPhoneError } = lib;

/** A fetch that records every call and answers success for whatever was asked. */
function recordingFetch() {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, body: JSON.parse(init.body) });
    const body = url.endsWith("/prepare-progress")
      ? { data: { status: 0, waitingCount: 0 }, error_code: "0", error_msg: "OK" }
      : {
          data: { status_results: JSON.parse(init.body).instance_ids.map((id) => ({ instance_id: id, status: 2 })) },
          error_code: "0",
          error_msg: "OK",
        };
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  };
  return { fetch, calls };
}

async function invalid(promise, what) {
  const error = await promise.then(
    (value) => assert.fail(`${what}: resolved with ${JSON.stringify(value)}`),
    (e) => e,
  );
  assert.ok(error instanceof KooPhoneError, `${what}: ${error}`);
  assert.equal(error.code, "INVALID_ARGUMENT", `${what}: ${error.code} ${error.message}`);
  return error;
}

const EMOJI_16 = "😀".repeat(16); // 32 UTF-16 code units, 16 code points
const EMOJI_17 = "😀".repeat(17); // 34 units

test("IDs are counted in UTF-16 code units: 16 emoji (32 units) pass, 17 emoji (34 units) are refused before any request", async () => {
  const { fetch, calls } = recordingFetch();
  const options = { token: TOKEN, endpoint: "http://127.0.0.1:9", fetch };

  const ok = await batchStatus([EMOJI_16], options);
  assert.deepEqual(ok.statuses, [{ instanceId: EMOJI_16, status: 2, state: "running" }]);
  const ready = await prepareProgress({ userId: EMOJI_16, instanceId: EMOJI_16 }, options);
  assert.equal(ready.state, "normal");
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[0].body, { instance_ids: [EMOJI_16] });
  assert.deepEqual(calls[1].body, { user_id: EMOJI_16, instance_id: EMOJI_16 });

  await invalid(batchStatus([EMOJI_17], options), "17 emoji");
  await invalid(batchStatus([`a${EMOJI_16}`], options), "one letter and 16 emoji (33 units)");
  await invalid(prepareProgress({ userId: EMOJI_17, instanceId: "i1" }, options), "userId of 17 emoji");
  await invalid(prepareProgress({ userId: "u1", instanceId: EMOJI_17 }, options), "instanceId of 17 emoji");
  await invalid(waitPrepared({ userId: "u1", instanceId: EMOJI_17 }, options), "waitPrepared instanceId of 17 emoji");
  assert.equal(calls.length, 2, "no request for the refused ones");
});

test("a lone surrogate in an ID, userId or instanceId is refused before any request", async () => {
  const { fetch, calls } = recordingFetch();
  const options = { token: TOKEN, endpoint: "http://127.0.0.1:9", fetch };
  for (const bad of ["ab\uD800", "\uDC00x", "a\uD83Db", "\uDE00"]) {
    const shown = JSON.stringify(bad);
    await invalid(batchStatus([bad], options), `instance ID ${shown}`);
    await invalid(batchStatus(["ok1", bad], options), `second instance ID ${shown}`);
    await invalid(prepareProgress({ userId: bad, instanceId: "i1" }, options), `userId ${shown}`);
    await invalid(prepareProgress({ userId: "u1", instanceId: bad }, options), `instanceId ${shown}`);
    await invalid(waitPrepared({ userId: bad, instanceId: "i1" }, options), `waitPrepared userId ${shown}`);
  }
  assert.equal(calls.length, 0);
});

test("plain http: literal loopback addresses and localhost are accepted, foo.localhost is refused", async () => {
  for (const endpoint of ["http://127.0.0.1:8080", "http://[::1]:8080", "http://localhost:8080"]) {
    const { fetch, calls } = recordingFetch();
    const result = await batchStatus(["i1"], { token: TOKEN, endpoint, fetch });
    assert.equal(result.statuses.length, 1, endpoint);
    assert.deepEqual(
      calls.map((c) => c.url),
      [`${endpoint}/v1/instances/batch-query-status`],
    );
  }
  for (const endpoint of ["http://foo.localhost:8080", "http://a.b.localhost", "http://localhost.example.com:8080"]) {
    const { fetch, calls } = recordingFetch();
    await invalid(batchStatus(["i1"], { token: TOKEN, endpoint, fetch }), endpoint);
    await invalid(prepareProgress({ userId: "u1", instanceId: "i1" }, { token: TOKEN, endpoint, fetch }), endpoint);
    assert.equal(calls.length, 0, endpoint);
  }
});

test("an unknown option far from every known name is refused without a guess", async () => {
  const { fetch, calls } = recordingFetch();
  for (const name of ["bogus", "retries"]) {
    const error = await invalid(
      batchStatus(["i1"], { token: TOKEN, endpoint: "http://127.0.0.1:9", fetch, [name]: 1 }),
      name,
    );
    assert.equal(error.message, `unknown option \`${name}\``);
  }
  assert.equal(calls.length, 0);
});

test("an unknown option name is refused before any request, naming the closest known option", async () => {
  const { fetch, calls } = recordingFetch();
  const base = { token: TOKEN, endpoint: "http://127.0.0.1:9", fetch };
  const cases = [
    [() => batchStatus(["i1"], { ...base, timeout: 5000 }), "timeoutMs"],
    [() => batchStatus(["i1"], { ...base, maxAttempt: 2 }), "maxAttempts"],
    [() => batchStatus(["i1"], { ...base, chunksize: 10 }), "chunkSize"],
    [() => batchStatus(["i1"], { ...base, allowPartials: true }), "allowPartial"],
    [
      () => prepareProgress({ userId: "u1", instanceId: "i1" }, { ...base, endpiont: "http://127.0.0.1:9" }),
      "endpoint",
    ],
    [() => waitPrepared({ userId: "u1", instanceId: "i1" }, { ...base, maxWait: 1000 }), "maxWaitMs"],
    [() => waitPrepared({ userId: "u1", instanceId: "i1" }, { ...base, onprogress: () => {} }), "onProgress"],
  ];
  for (const [call, closest] of cases) {
    const error = await invalid(call(), closest);
    assert.ok(error.message.includes(closest), `message does not name ${closest}: ${error.message}`);
  }
  // Bound through createClient: refused when created or on the first call, never sent.
  const fromClient = await (async () => createClient({ ...base, timeout: 5000 }).batchStatus(["i1"]))().catch((e) => e);
  assert.ok(fromClient instanceof KooPhoneError, String(fromClient));
  assert.equal(fromClient.code, "INVALID_ARGUMENT");
  assert.ok(fromClient.message.includes("timeoutMs"), fromClient.message);
  assert.equal(calls.length, 0);
});
