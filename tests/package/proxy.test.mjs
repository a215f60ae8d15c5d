// koophone-wasm/proxy against the mock: what it forwards and refuses, each kind of
// server-side auth, redirects and outages, redaction, and the browser library
// talking to it through a same-origin path without a token.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import { createServer as netServer } from "node:net";
import { join } from "node:path";
import { lib, mockFor, apiRequests, PKG_DIR, TOKEN } from "./support.mjs";

const { createProxy } = await import(join(PKG_DIR, "proxy.mjs"));
const { createProxy: createProxyCjs } = (await import("node:module")).createRequire(import.meta.url)(
  join(PKG_DIR, "proxy.cjs"),
);

const PREFIX = "/api/koophone";
const BATCH = "/v1/instances/batch-query-status";
const PREPARE = "/v1/instances/prepare-progress";
const SK = "SK-proxy-s3cret-0123456789";
const KEY = { accessKey: "AK-PROXY", secretKey: SK, projectId: "proj-9" };
const USER = { domainName: "acme", userName: "bob", password: "Pw-proxy-s3cret!", projectName: "cn-south-1" };

/** Serve `handler` on node:http at 127.0.0.1; closed after the test. */
async function serve(t, handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  server.closeIdleConnections?.();
  return `http://127.0.0.1:${server.address().port}`;
}

/** One raw HTTP request; resolves with { status, headers, body }. */
function send(base, path, { method = "POST", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers: { connection: "close", ...headers } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

const json = (value) => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(value) });

test("forwards only POST to the two endpoints, with its own token instead of the browser's auth headers", async (t) => {
  const mock = await mockFor(t, { count: 2 });
  const base = await serve(t, createProxy({ token: TOKEN, target: mock.url, pathPrefix: PREFIX }));
  const ok = await send(base, PREFIX + BATCH, {
    ...json({ instance_ids: ["id000", "id001"] }),
    headers: {
      "content-type": "application/json",
      "x-request-id": "rid-from-page",
      authorization: "Basic ZXZpbDpldmls",
      "x-auth-token": "browser-token",
    },
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers["x-request-id"], "rid-from-page");
  assert.deepEqual(
    JSON.parse(ok.body).data.status_results.map((s) => s.instance_id),
    ["id000", "id001"],
  );
  const [forwarded] = apiRequests(mock);
  assert.equal(forwarded.status, 200, "the proxy's token was accepted");
  assert.equal(forwarded.headers.authorization, undefined);
  assert.equal(forwarded.headers["x-request-id"], "rid-from-page");
  assert.deepEqual(
    Object.keys(forwarded.headers)
      .filter((h) => h.startsWith("x-"))
      .sort(),
    ["x-auth-token", "x-request-id"],
  );

  const generated = await send(base, PREFIX + PREPARE, json({ user_id: "u1", instance_id: "id000" }));
  assert.equal(generated.status, 200);
  assert.match(
    generated.headers["x-request-id"],
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.equal(apiRequests(mock, "prepare-progress")[0].headers["x-request-id"], generated.headers["x-request-id"]);

  const before = mock.requests.length;
  for (const [path, method, status] of [
    [PREFIX + BATCH, "GET", 405],
    [PREFIX + PREPARE, "PUT", 405],
    [`${PREFIX}/v1/instances/other`, "POST", 404],
    [BATCH, "POST", 404],
    [`${PREFIX + BATCH}?x=1`, "POST", 404],
    [`/api/koophonex${BATCH}`, "POST", 404],
  ]) {
    const r = await send(base, path, { method, ...(method === "GET" ? {} : json({})) });
    assert.equal(r.status, status, `${method} ${path}`);
    assert.match(JSON.parse(r.body).error_code, /^KOOPHONE_PROXY\.40[45]$/);
    if (status === 405) assert.equal(r.headers.allow, "POST");
  }
  const big = JSON.stringify({ instance_ids: ["x".repeat(70_000)] });
  assert.equal(
    (await send(base, PREFIX + BATCH, { headers: { "content-type": "application/json" }, body: big })).status,
    413,
  );
  const chunked = await send(base, PREFIX + BATCH, {
    headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
    body: big,
  });
  assert.equal(chunked.status, 413);
  assert.equal(mock.requests.length, before, "nothing refused reached upstream");
});

test("AK/SK: the proxy signs each request; the mock gateway verifies the signature", async (t) => {
  const mock = await mockFor(t, { count: 1, accessKeys: [KEY] });
  const base = await serve(t, createProxyCjs({ credentials: KEY, target: mock.url, pathPrefix: PREFIX }));
  const r = await send(base, PREFIX + BATCH, json({ instance_ids: ["id000"] }));
  assert.equal(r.status, 200, r.body);
  const [forwarded] = apiRequests(mock);
  assert.match(
    forwarded.headers.authorization,
    /^SDK-HMAC-SHA256 Access=AK-PROXY, SignedHeaders=accept;content-type;host;x-project-id;x-request-id;x-sdk-date, Signature=\*\*\*$/,
  );
  assert.equal(forwarded.headers["x-auth-token"], undefined);
});

test("IAM: the proxy gets a token once, and refreshes it once after it is revoked", async (t) => {
  const mock = await mockFor(t, { count: 1, iamUsers: [USER] });
  const base = await serve(
    t,
    createProxy({ iam: { ...USER, iamEndpoint: mock.url }, target: mock.url, pathPrefix: PREFIX }),
  );
  for (let i = 0; i < 3; i++)
    assert.equal((await send(base, PREFIX + BATCH, json({ instance_ids: ["id000"] }))).status, 200);
  const iam = () => mock.requests.filter((r) => r.path === "/v3/auth/tokens").length;
  assert.equal(iam(), 1);
  mock.revokeTokens();
  const r = await send(base, PREFIX + BATCH, json({ instance_ids: ["id000"] }));
  assert.equal(r.status, 200);
  assert.equal(iam(), 2);
  assert.deepEqual(
    apiRequests(mock).map((q) => q.status),
    [200, 200, 200, 401, 200],
  );
});

test("an upstream redirect or outage is 502, never followed; echoed credentials are redacted", async (t) => {
  let followed = 0;
  const elsewhere = await serve(t, (req, res) => {
    followed++;
    res.end("{}");
  });
  const redirecting = await serve(t, (req, res) => {
    res.writeHead(307, { location: `${elsewhere}${req.url}` });
    res.end();
  });
  const viaRedirect = await serve(t, createProxy({ token: TOKEN, target: redirecting, pathPrefix: PREFIX }));
  const r = await send(viaRedirect, PREFIX + BATCH, json({ instance_ids: ["a"] }));
  assert.equal(r.status, 502);
  assert.equal(JSON.parse(r.body).error_code, "KOOPHONE_PROXY.502");
  assert.equal(followed, 0);

  const port = await new Promise((resolve) => {
    const s = netServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const down = await serve(t, createProxy({ token: TOKEN, target: `http://127.0.0.1:${port}`, pathPrefix: PREFIX }));
  assert.equal((await send(down, PREFIX + BATCH, json({ instance_ids: ["a"] }))).status, 502);

  const mock = await mockFor(t, {
    count: 1,
    contract: false,
    accessKeys: [{ ...KEY, securityToken: "STS-token-0123456789" }],
  });
  mock.setFault({
    type: "http",
    status: 400,
    body: `{"error_code":"X.1","error_msg":"bad token ${TOKEN} and key ${SK} STS-token-0123456789"}`,
  });
  const cases = [
    [{ token: TOKEN }, [TOKEN]],
    [{ credentials: { ...KEY, securityToken: "STS-token-0123456789" } }, [SK, "STS-token-0123456789"]],
  ];
  for (const [auth, secrets] of cases) {
    const echo = await send(
      await serve(t, createProxy({ ...auth, target: mock.url, pathPrefix: PREFIX })),
      PREFIX + BATCH,
      json({ instance_ids: ["id000"] }),
    );
    assert.equal(echo.status, 400);
    assert.ok(echo.body.includes("bad token"), echo.body);
    for (const secret of secrets) assert.ok(!echo.body.includes(secret), echo.body);
    assert.equal(echo.body.split("•••").length - 1, secrets.length, echo.body);
  }
});

test("mounted Express-style (prefix already stripped, body already parsed) and bad options", async (t) => {
  const mock = await mockFor(t, { count: 1 });
  const handler = createProxy({ token: TOKEN, target: mock.url });
  // A tiny stand-in for `app.use(express.json()); app.use("/api/koophone", handler)`.
  const app = async (req, res) => {
    if (!req.url.startsWith(`${PREFIX}/`)) return res.writeHead(404).end();
    req.url = req.url.slice(PREFIX.length);
    const chunks = [];
    for await (const c of req) chunks.push(c);
    req.body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    handler(req, res);
  };
  const base = await serve(t, app);
  const r = await send(base, PREFIX + BATCH, json({ instance_ids: ["id000"] }));
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(apiRequests(mock)[0].body, { instance_ids: ["id000"] });

  for (const bad of [
    {},
    { token: TOKEN, credentials: KEY },
    { token: TOKEN, target: "http://koophone.example.com" },
    { token: TOKEN, pathPrefix: "api/" },
    { token: TOKEN, tokn: 1 },
    null,
  ]) {
    assert.throws(
      () => createProxy(bad),
      (e) => e.code === "INVALID_ARGUMENT" && !String(e.message).includes(SK),
      JSON.stringify(bad),
    );
  }
});

test("the browser library talks to the proxy through a same-origin path, without a token", async (t) => {
  const mock = await mockFor(t, { count: 3 });
  const base = await serve(t, createProxy({ token: TOKEN, target: mock.url, pathPrefix: PREFIX }));
  const saved = Object.getOwnPropertyDescriptor(globalThis, "location");
  Object.defineProperty(globalThis, "location", { value: { origin: base }, configurable: true });
  try {
    const r = await lib.batchStatus(["id000", "id001", "ghost"], { endpoint: PREFIX });
    assert.deepEqual(
      r.statuses.map((s) => s.instanceId),
      ["id000", "id001"],
    );
    assert.deepEqual(r.missing, ["ghost"]);
    const p = await lib.waitPrepared({ userId: "u1", instanceId: "id002" }, { endpoint: PREFIX });
    assert.equal(p.state, "normal");
  } finally {
    if (saved) Object.defineProperty(globalThis, "location", saved);
    else delete globalThis.location;
  }
  assert.equal(apiRequests(mock).length, 1);
});

test("createProxy checks credentials and IAM options with the module when it is created", () => {
  for (const make of [createProxy, createProxyCjs]) {
    const refused = (options, pattern) => {
      assert.throws(
        () => make({ target: "http://127.0.0.1:9", ...options }),
        (error) => {
          assert.equal(error.code, "INVALID_ARGUMENT");
          assert.match(error.message, pattern);
          assert.doesNotMatch(error.message, /SK-s3cret|pw-s3cret/i);
          return true;
        },
      );
    };
    refused({ iam: { domainName: "acme" } }, /^createProxy: `iam`: iamTokenProvider needs `/);
    refused(
      { iam: { domainName: "acme", userName: "a", password: "pw-s3cret-1", projectName: "p", projectId: "q" } },
      /^createProxy: `iam`: pass either projectName or projectId, not both/,
    );
    refused(
      { credentials: { accessKey: "AK1" } },
      /^createProxy: `credentials`: credentials need both accessKey and secretKey/,
    );
    refused({ credentials: { accessKey: "AK,1", secretKey: "SK-s3cret-1" } }, /accessKey contains a comma/);
    // Good options are accepted as before.
    assert.equal(
      typeof make({ target: "http://127.0.0.1:9", credentials: { accessKey: "AK1", secretKey: "SK-s3cret-1" } }),
      "function",
    );
    assert.equal(
      typeof make({
        target: "http://127.0.0.1:9",
        iam: { domainName: "acme", userName: "a", password: "pw-s3cret-1", projectName: "p" },
      }),
      "function",
    );
  }
});
