// A small static server for the demo: serves www/ and pkg/ from the repository
// (nothing else), plus /www/config.json from memory to pre-fill the page.
//   node scripts/serve.mjs --port 8080 --config '{"endpoint":"..."}'
// Listens on 127.0.0.1 only. Also imported by the browser test.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SERVED = ["www", "pkg"];
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
};

/** Start the server; resolves to `{ url, close() }`. */
export function startStaticServer({ host = "127.0.0.1", port = 0, config = null } = {}) {
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (path === "/") {
      res.writeHead(302, { location: "/www/" }).end();
      return;
    }
    if (path === "/www/config.json" && config) {
      res.writeHead(200, { "content-type": TYPES[".json"], "cache-control": "no-store" }).end(JSON.stringify(config));
      return;
    }
    const file = normalize(join(ROOT, path.endsWith("/") ? `${path}index.html` : path));
    const allowed = SERVED.some((dir) => file.startsWith(join(ROOT, dir) + sep));
    try {
      if (!allowed) throw new Error("not served");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address();
      resolve({
        url: `http://${host}:${bound}`,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "8080" }, config: { type: "string" } } });
  const server = await startStaticServer({ port: Number(values.port), config: values.config ? JSON.parse(values.config) : null });
  console.log(`Demo page on ${server.url}/www/`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close().then(() => process.exit(0)));
}
