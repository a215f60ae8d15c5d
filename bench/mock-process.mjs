// The mock KooPhone server in its own process, so its CPU cost is not charged to the client
// being measured. Forked by bench/run.mjs: argv[2] is the mock module path, argv[3] the
// options as JSON, with `instanceCount` expanded here into instances id00000.. (status i % 6).
// IPC: parent sends { cmd, ... }; this process answers { reply } to each.
const [, , mockPath, json] = process.argv;
const { startMockServer } = await import(mockPath);
const { instanceCount = 0, instances = [], ...options } = JSON.parse(json);
for (let i = 0; i < instanceCount; i++) instances.push({ id: benchId(i), status: i % 6 });
const server = await startMockServer({ ...options, instances });

function benchId(i) {
  return `id${String(i).padStart(5, "0")}`;
}

process.on("message", async (msg) => {
  let reply = null;
  if (msg.cmd === "reset") {
    reply = server.requests.length;
    server.resetRequests();
  } else if (msg.cmd === "setInstance") {
    server.setInstance(msg.instance);
  } else if (msg.cmd === "close") {
    await server.close();
    process.send({ reply: null }, () => process.exit(0));
    return;
  }
  process.send({ reply });
});
process.send({ url: server.url });
