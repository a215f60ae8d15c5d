// Hostile input never breaks the module: after each one, a normal call still works.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { lib, startMockServer, TOKEN } from "./support.mjs";

const { batchStatus, waitPrepared, prepareProgress, KooPhoneError } = lib;
const mock = await startMockServer({
  tokens: [TOKEN],
  instances: [
    {
      id: "i1",
      status: 2,
      owner: "u1",
      prepare: [
        { status: 1, waitingCount: 1 },
        { status: 0, waitingCount: 0 },
      ],
    },
  ],
});
after(() => mock.close());
const good = () => ({ token: TOKEN, endpoint: mock.url });

async function stillWorks() {
  const r = await batchStatus(["i1"], good());
  assert.deepEqual(r.statuses, [{ instanceId: "i1", status: 2, state: "running" }]);
}

const throwingProxy = new Proxy(
  {},
  {
    get() {
      throw new Error("trap!");
    },
  },
);
const hostileFetches = {
  "resolves to null": async () => null,
  "resolves to a number": async () => 7,
  "resolves to {}": async () => ({}),
  "status is a string": async () => ({ status: "200", headers: new Headers(), text: async () => "{}" }),
  "status out of range": async () => ({ status: 1000, headers: new Headers(), text: async () => "{}" }),
  "text throws": async () => ({
    status: 200,
    headers: new Headers(),
    text() {
      throw new Error("boom");
    },
  }),
  "text resolves to a number": async () => ({ status: 200, headers: new Headers(), text: async () => 42 }),
  "text rejects": async () => ({
    status: 200,
    headers: new Headers(),
    text: async () => {
      throw new Error("read failed");
    },
  }),
  "throws synchronously": () => {
    throw new TypeError("sync boom");
  },
  "rejects with a string": async () => {
    throw "plain string";
  },
  "resolves to a throwing proxy": async () => throwingProxy,
  "a getter that throws": async () => ({
    get status() {
      throw new Error("getter");
    },
    headers: new Headers(),
    text: async () => "",
  }),
  "content-length of 5 GB": async () => new Response("{}", { headers: { "content-length": "5000000000" } }),
  "a 5 MB body": async () => new Response(`{"data":{"status_results":[]},"pad":"${"x".repeat(5_000_000)}"}`),
};

for (const [name, fetch] of Object.entries(hostileFetches)) {
  test(`fetch that ${name}: typed error, then the next call works`, async () => {
    const error = await batchStatus(["i1"], { ...good(), fetch, maxAttempts: 1 }).catch((e) => e);
    assert.ok(error instanceof KooPhoneError, String(error));
    assert.ok(["BAD_RESPONSE", "NETWORK"].includes(error.code), `${error.code}: ${error.message}`);
    await stillWorks();
  });
}

test("a Response-like object without headers is still read", async () => {
  const fetch = async () => ({ status: 200, headers: null, text: async () => '{"data":{"status_results":[]}}' });
  const r = await batchStatus(["i1"], { ...good(), fetch });
  assert.deepEqual(r.missing, ["i1"]);
  await stillWorks();
});

const hostileArgs = [
  ["no arguments", () => batchStatus()],
  ["null ids", () => batchStatus(null, good())],
  ["a Symbol in ids", () => batchStatus([Symbol("x")], good())],
  ["an object id", () => batchStatus([{}], good())],
  ["sparse array", () => batchStatus(new Array(3), good())],
  [
    "100001 ids",
    () =>
      batchStatus(
        Array.from({ length: 100_001 }, (_, i) => `i${i}`),
        good(),
      ),
  ],
  ["a 10 000-character id", () => batchStatus(["x".repeat(10_000)], good())],
  ["emoji id over 32 characters", () => batchStatus(["😀".repeat(33)], good())],
  ["options is a string", () => batchStatus(["i1"], "token")],
  ["options is a throwing proxy", () => batchStatus(["i1"], throwingProxy)],
  [
    "options with a throwing getter",
    () =>
      batchStatus(["i1"], {
        get token() {
          throw new Error("no");
        },
      }),
  ],
  ["token is an object", () => batchStatus(["i1"], { ...good(), token: {} })],
  ["signal is not a signal", () => batchStatus(["i1"], { ...good(), signal: { aborted: "no" } })],
  ["fetch is not a function", () => batchStatus(["i1"], { ...good(), fetch: "fetch" })],
  ["endpoint is a number", () => batchStatus(["i1"], { ...good(), endpoint: 8080 })],
  ["endpoint with a query", () => batchStatus(["i1"], { ...good(), endpoint: `${mock.url}?x=1` })],
  ["NaN timeout", () => batchStatus(["i1"], { ...good(), timeoutMs: NaN })],
  ["Infinity maxWaitMs", () => waitPrepared({ userId: "u1", instanceId: "i1" }, { ...good(), maxWaitMs: Infinity })],
  ["prepare request is null", () => prepareProgress(null, good())],
  ["prepare ids are numbers", () => prepareProgress({ userId: 1, instanceId: 2 }, good())],
];
for (const [name, call] of hostileArgs) {
  test(`bad argument (${name}): INVALID_ARGUMENT before any request, then the next call works`, async () => {
    mock.resetRequests();
    const error = await call().catch((e) => e);
    assert.ok(error instanceof KooPhoneError, String(error));
    assert.equal(error.code, "INVALID_ARGUMENT", error.message);
    assert.equal(mock.requests.length, 0, "nothing was sent");
    await stillWorks();
  });
}

test("a throwing onProgress does not end the wait", async () => {
  const done = await waitPrepared(
    { userId: "u1", instanceId: "i1" },
    {
      ...good(),
      minDelayMs: 5,
      onProgress: () => {
        throw new Error("UI bug");
      },
    },
  );
  assert.equal(done.state, "normal");
  await stillWorks();
});

// ---------------------------------------------------------------------------
// Every option of every call, set to every kind of hostile value: the call settles with a
// result or a KooPhoneError (never a synchronous throw or a foreign error), a value the
// typings do not allow is INVALID_ARGUMENT before any request, and the next call works.
const HOSTILE_VALUES = {
  undefined: undefined,
  null: null,
  true: true,
  0: 0,
  "-1": -1,
  1.5: 1.5,
  NaN: NaN,
  Infinity: Infinity,
  "1e308": 1e308,
  "10n": 10n,
  '"5"': "5",
  '""': "",
  Symbol: Symbol("s"),
  "{}": {},
  "[]": [],
  "a function": () => {},
  "a throwing Proxy": throwingProxy,
};
const OPTIONS = [
  "token",
  "endpoint",
  "timeoutMs",
  "maxAttempts",
  "signal",
  "fetch",
  "chunkSize",
  "concurrency",
  "allowPartial",
  "maxWaitMs",
  "minDelayMs",
  "maxDelayMs",
  "onProgress",
];
/** Values the typings allow (or that mean "absent"); everything else must be refused. */
function allowed(option, value) {
  if (value === undefined || value === null) return option !== "token";
  if (option === "token") return value === "5" || typeof value === "function";
  if (option === "allowPartial") return value === true;
  if (option === "onProgress" || option === "fetch") return typeof value === "function";
  return false;
}
const CALLS = {
  batchStatus: (o) => batchStatus(["i1"], o),
  prepareProgress: (o) => prepareProgress({ userId: "u1", instanceId: "i1" }, o),
  waitPrepared: (o) => waitPrepared({ userId: "u1", instanceId: "i1" }, { minDelayMs: 5, ...o }),
  "createClient().batchStatus": (o) => lib.createClient(o).batchStatus(["i1"]),
};
let optionCases = 0;
for (const [callName, call] of Object.entries(CALLS)) {
  test(`${callName}: every option set to every hostile value`, async () => {
    for (const option of OPTIONS) {
      for (const [valueName, value] of Object.entries(HOSTILE_VALUES)) {
        // An absent endpoint means the real service: never contact it from a test.
        if (option === "endpoint" && (value === undefined || value === null)) continue;
        const what = `${option}: ${valueName}`;
        mock.resetRequests();
        let promise;
        assert.doesNotThrow(
          () => (promise = call({ ...good(), maxAttempts: 1, timeoutMs: 500, [option]: value })),
          what,
        );
        const outcome = await promise.then(
          (v) => ({ v }),
          (e) => ({ e }),
        );
        if (outcome.e) assert.ok(outcome.e instanceof KooPhoneError, `${what}: ${outcome.e}`);
        if (!allowed(option, value)) {
          assert.equal(outcome.e?.code, "INVALID_ARGUMENT", `${what} must be refused`);
          assert.equal(mock.requests.length, 0, `${what}: nothing may be sent`);
        }
        optionCases++;
        await stillWorks();
      }
    }
  });
}

test("positional arguments of every type", async () => {
  let n = 0;
  for (const [valueName, value] of Object.entries({
    ...HOSTILE_VALUES,
    "ids with a null": ["i1", null],
    "a string": "i1",
    "an array-like": { length: 1, 0: "i1" },
    "a Set": new Set(["i1"]),
    "nested array": [["i1"]],
  })) {
    mock.resetRequests();
    // A non-empty string is a valid user or instance ID (the server answers); all else is refused.
    const validId = typeof value === "string" && value !== "";
    const calls = [
      () => batchStatus(value, good()),
      () => prepareProgress(value, good()),
      () => waitPrepared(value, good()),
    ];
    if (!validId)
      calls.push(
        () => prepareProgress({ userId: value, instanceId: "i1" }, good()),
        () => prepareProgress({ userId: "u1", instanceId: value }, good()),
      );
    for (const call of calls) {
      let promise;
      assert.doesNotThrow(() => (promise = call()), valueName);
      const e = await promise.then(
        () => null,
        (x) => x,
      );
      assert.ok(e instanceof KooPhoneError, `${valueName}: resolved or threw ${e}`);
      assert.equal(e.code, "INVALID_ARGUMENT", `${valueName}: ${e.message}`);
      n++;
    }
    assert.equal(mock.requests.length, 0, `${valueName}: nothing may be sent`);
    await stillWorks();
  }
  console.log(`# hostile input: ${optionCases} option cases, ${n} positional-argument cases`);
});

// Hostile response bodies and Response-like objects: a result or a typed error, never a
// trap of the wasm module.
const json = (body, init) => async () => new Response(body, init);
const hostileResponses = {
  "JSON nested 1 000 000 deep": json("[".repeat(1_000_000)),
  "objects nested 100 000 deep": json('{"a":'.repeat(100_000)),
  "lone surrogate escape": json('{"data":{"status_results":[{"instance_id":"\\ud800","status":2}]}}'),
  "status 1e400": json('{"data":{"status_results":[{"instance_id":"i1","status":1e400}]}}'),
  "status 2^63": json('{"data":{"status_results":[{"instance_id":"i1","status":9223372036854775808}]}}'),
  "status 1.5": json('{"data":{"status_results":[{"instance_id":"i1","status":1.5}]}}'),
  "duplicate keys": json('{"data":{"status_results":[{"instance_id":"i1","status":2,"status":3}]}}'),
  "byte order mark": json('\ufeff{"data":{"status_results":[]}}'),
  "invalid UTF-8": json(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
  "NUL bytes": json('{"data":{"status_results":[{"instance_id":"i1\\u0000","status":2}]}}\u0000'),
  "100 000 results": json(
    `{"data":{"status_results":[${'{"instance_id":"i1","status":2},'.repeat(99_999)}{"instance_id":"i1","status":2}]}}`,
  ),
  "a 1 MB string": json(`{"error_code":"0","error_msg":"${"x".repeat(1_000_000)}","data":{"status_results":[]}}`),
  "error_code a number": json('{"error_code":0,"data":{"status_results":[]}}'),
  "error_code an object": json('{"error_code":{},"error_msg":[],"data":{"status_results":[]}}'),
  "429 with Retry-After garbage": json("{}", {
    status: 429,
    headers: { "retry-after": "Sun, 99 Foo 99999 99:99:99 GMT" },
  }),
  "503 with Retry-After 10^20": json("{}", { status: 503, headers: { "retry-after": "100000000000000000000" } }),
  "headers.get throws": async () => ({
    status: 200,
    headers: {
      get() {
        throw new Error("h");
      },
    },
    text: async () => '{"data":{"status_results":[]}}',
  }),
  "headers.get returns a number": async () => ({ status: 429, headers: { get: () => 5 }, text: async () => "{}" }),
  "status 200.5": async () => ({ status: 200.5, headers: new Headers(), text: async () => "{}" }),
  "status NaN": async () => ({ status: NaN, headers: new Headers(), text: async () => "{}" }),
  "text returns an object with toString": async () => ({
    status: 200,
    headers: new Headers(),
    text: async () => ({ toString: () => "{}" }),
  }),
};
for (const [name, fetch] of Object.entries(hostileResponses)) {
  test(`hostile response (${name}): a result or a typed error, then the next call works`, async () => {
    const outcome = await batchStatus(["i1"], { ...good(), fetch, maxAttempts: 1 }).then(
      (v) => ({ v }),
      (e) => ({ e }),
    );
    if (outcome.e) {
      assert.ok(outcome.e instanceof KooPhoneError, String(outcome.e));
      assert.ok(["BAD_RESPONSE", "HTTP", "API"].includes(outcome.e.code), `${outcome.e.code}: ${outcome.e.message}`);
      assert.ok(outcome.e.message.length < 2_000, "error messages quote bodies only briefly");
    } else {
      for (const s of outcome.v.statuses) assert.ok(Number.isSafeInteger(s.status), JSON.stringify(s));
    }
    const wait = await waitPrepared(
      { userId: "u1", instanceId: "i1" },
      { ...good(), fetch, maxAttempts: 1, maxWaitMs: 200, minDelayMs: 5 },
    ).then(
      () => null,
      (e) => e,
    );
    if (wait) assert.ok(wait instanceof KooPhoneError, String(wait));
    await stillWorks();
  });
}

// A failing token function is not the caller's argument at fault: it is an AUTH failure
// (not retried, nothing sent), and the next call works.
test("token functions that throw, reject, or give unusable tokens: AUTH before any request, then the next call works", async () => {
  const tokens = [
    () => {
      throw new Error("vault down");
    },
    async () => 5,
    () => "a\r\nb",
    () => Promise.reject(new Error("vault down")),
    () => Promise.reject(undefined),
    () => ({
      // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point of this case
      then() {
        throw new Error("x");
      },
    }),
    async () => "",
    () => "x".repeat(70_000),
  ];
  for (const token of tokens) {
    mock.resetRequests();
    const e = await batchStatus(["i1"], { ...good(), token }).catch((x) => x);
    assert.ok(e instanceof KooPhoneError, String(e));
    assert.equal(e.code, "AUTH", e.message);
    assert.equal(mock.requests.length, 0);
    await stillWorks();
  }
});

test("a signal whose listeners throw does not break the call", async () => {
  const signal = {
    aborted: false,
    addEventListener() {
      throw new Error("sig");
    },
    removeEventListener() {
      throw new Error("sig");
    },
  };
  const outcome = await batchStatus(["i1"], { ...good(), signal }).then(
    (v) => ({ v }),
    (e) => ({ e }),
  );
  if (outcome.e) assert.ok(outcome.e instanceof KooPhoneError, String(outcome.e));
  await stillWorks();
});

// Calls must stay bounded by timeoutMs and by the caller's signal even when the code
// the library calls out to never settles (a vault client that hangs, a fetch wrapper
// that drops the `signal`). Bound: 5x the 200 ms timeout.
const within = (promise, ms) =>
  Promise.race([
    promise.then(
      (v) => ({ v }),
      (e) => ({ e }),
    ),
    new Promise((resolve) => setTimeout(() => resolve({ hung: true }), ms).unref()),
  ]);
const neverSettles = () => new Promise(() => {});
const stuck = {
  "a token function that never settles": { token: neverSettles },
  "a fetch that never settles and ignores its signal": { fetch: neverSettles },
  "a Response whose text() never settles": {
    fetch: async () => ({ status: 200, headers: new Headers(), text: neverSettles }),
  },
};
for (const [name, options] of Object.entries(stuck)) {
  test(`${name}: the call still ends with TIMEOUT within timeoutMs`, async () => {
    const r = await within(batchStatus(["i1"], { ...good(), maxAttempts: 1, timeoutMs: 200, ...options }), 1_000);
    assert.ok(!r.hung, "the call never settled (timeoutMs not enforced)");
    assert.equal(r.e?.code, "TIMEOUT", r.e?.message);
    await stillWorks();
  });
  test(`${name}: the caller's signal still ends the call with ABORTED`, async () => {
    const r = await within(
      batchStatus(["i1"], {
        ...good(),
        maxAttempts: 1,
        timeoutMs: 3_000,
        signal: AbortSignal.timeout(100),
        ...options,
      }),
      1_000,
    );
    assert.ok(!r.hung, "the call never settled (abort not enforced)");
    assert.equal(r.e?.code, "ABORTED", r.e?.message);
  });
  test(`${name}: waitPrepared still ends within maxWaitMs plus one timeout`, async () => {
    const r = await within(
      waitPrepared(
        { userId: "u1", instanceId: "i1" },
        { ...good(), maxAttempts: 1, timeoutMs: 200, maxWaitMs: 300, minDelayMs: 5, ...options },
      ),
      1_000,
    );
    assert.ok(!r.hung, "the wait never settled");
    assert.ok(["TIMEOUT", "WAIT_TIMEOUT"].includes(r.e?.code), r.e?.message);
  });
}
