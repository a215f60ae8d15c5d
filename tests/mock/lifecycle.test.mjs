import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startMockServer } from "../../mock/index.mjs";
import { INSTANCES, batch } from "./helpers.mjs";

test("the server listens on 127.0.0.1 at an ephemeral port by default", async () => {
  const server = await startMockServer();
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
    assert.ok(server.port > 0);
    assert.deepEqual(server.requests, []);
  } finally {
    await server.close();
  }
});

test("a taken port makes startMockServer reject", async () => {
  const first = await startMockServer();
  try {
    await assert.rejects(startMockServer({ port: first.port }), { code: "EADDRINUSE" });
  } finally {
    await first.close();
  }
});

test("startMockServer rejects bad options with a TypeError", async () => {
  const bad = [
    "options",
    { prot: 8080 },
    { host: "" },
    { port: -1 },
    { port: 70000 },
    { latencyMs: -5 },
    { tokens: "mock-token" },
    { tokens: [""] },
    { instances: {} },
    { instances: [{ id: "a", status: "running" }] },
    { instances: [{ id: "a", status: 1, prepare: [{ status: 1 }] }] },
    { batchResponseForm: "naked" },
    { faults: [{ type: "nope" }] },
    { maxBodyBytes: 0 },
  ];
  for (const options of bad) {
    await assert.rejects(startMockServer(options), TypeError, JSON.stringify(options));
  }
});

test("close() ends a hanging request promptly and is idempotent", async () => {
  const server = await startMockServer({ instances: INSTANCES });
  server.setFault({ type: "hang" });
  const pending = batch(server, ["a1"]);
  while (server.requests.length === 0 || server.requests[0].body === undefined) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const started = Date.now();
  const closing = server.close();
  assert.equal(server.close(), closing);
  await closing;
  await assert.rejects(pending, TypeError);
  assert.ok(Date.now() - started < 1000, "close() took too long");
  await server.close();
});

test("close() does not wait for idle keep-alive connections or delayed responses", async () => {
  const server = await startMockServer({ instances: INSTANCES });
  assert.equal((await batch(server, ["a1"])).status, 200); // leaves a keep-alive socket open
  server.setFault({ type: "latency", ms: 60_000 });
  const delayed = batch(server, ["a1"]).catch((err) => err);
  await new Promise((resolve) => setTimeout(resolve, 30));
  const started = Date.now();
  await server.close();
  assert.ok(Date.now() - started < 1000, "close() took too long");
  assert.ok((await delayed) instanceof TypeError);
});

test("after close() the port refuses connections", async () => {
  const server = await startMockServer();
  const { port } = server;
  await server.close();
  await assert.rejects(
    new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve();
      });
      socket.on("error", reject);
    }),
    { code: "ECONNREFUSED" },
  );
});
