// The demo's servers. Serves www/ and pkg/ from the repository (nothing else) on
// 127.0.0.1, plus /www/config.json from memory to pre-fill the page, and
// /api/koophone/…: koophone-wasm/proxy, which holds the token and forwards the
// page's calls to the mock (the page itself has no token).
//
//   node scripts/serve.mjs [--port 8080] [--mock-port 8787] [--scenario mock/scenarios/demo.json] [--check]
//
// As a command it also starts the bundled mock KooPhone server with the scenario,
// in the same process, and offers POST /demo/replay, which restarts the mock's
// preparation scripts (they advance per request and their last step repeats, so
// a second wait on prep-ok would otherwise be "normal" at once), and POST /demo/outage?on=1|0,
// which makes the mock's batch-query-status answer 503 or stops it (the fleet console's
// outage banner). The fleet scenario's instances join the mock for www/fleet.html. Ctrl-C stops both.
// --check starts both, checks that the page, its config, the package and the mock
// answer, prints the result and exits (0 when all is well).
//
// `startStaticServer`, `demoConfig` and `demoProxy` are imported by the browser test.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where the page reaches KooPhone: a path of its own origin. */
export const PROXY_PATH = "/api/koophone";
const SERVED = ["www", "pkg"];
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/**
 * Start the static server; resolves to `{ url, port, close() }`.
 * `config` is served as /www/config.json; `onReplay` (optional) answers POST /demo/replay;
 * `proxy` (optional, a `(req, res)` handler) answers everything under PROXY_PATH.
 */
export function startStaticServer({
  host = "127.0.0.1",
  port = 0,
  config = null,
  onReplay = null,
  onOutage = null,
  proxy = null,
} = {}) {
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      res.writeHead(400, { "content-type": "text/plain" }).end("bad request");
      return;
    }
    if (proxy && path.startsWith(`${PROXY_PATH}/`)) {
      proxy(req, res);
      return;
    }
    if (path === "/demo/replay" && onReplay) {
      if (req.method !== "POST") {
        res.writeHead(405, { allow: "POST", "content-type": "text/plain" }).end("POST only");
        return;
      }
      try {
        await onReplay();
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(error?.message ?? error));
      }
      return;
    }
    if (path === "/demo/outage" && onOutage && req.method === "POST") {
      await onOutage(new URL(req.url, "http://x").searchParams.get("on") === "1");
      res.writeHead(204).end();
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("GET only");
      return;
    }
    if (path === "/") {
      res.writeHead(302, { location: "/www/" }).end();
      return;
    }
    if (path === "/www") {
      res.writeHead(301, { location: "/www/" }).end();
      return;
    }
    if (path === "/www/config.json" && config) {
      res.writeHead(200, { "content-type": TYPES[".json"], "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : JSON.stringify(config));
      return;
    }
    const file = normalize(join(ROOT, path.endsWith("/") ? `${path}index.html` : path));
    const rel = relative(ROOT, file);
    const allowed = SERVED.some((dir) => rel.startsWith(dir + sep)) && !rel.includes(`${sep}.`);
    try {
      if (!allowed) throw new Error("not served");
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  let closing = null;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const { port: bound } = server.address();
      resolve({
        url: `http://${host}:${bound}`,
        port: bound,
        close: () =>
          (closing ??= new Promise((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          })),
      });
    });
  });
}

/** The token the demo's proxy adds: the scenario's first. */
export const demoToken = (scenario) => scenario.tokens?.[0] ?? "mock-token";

/** The proxy of the page's calls to the mock (from the built package in pkg/). */
export async function demoProxy(scenario, mockUrl) {
  const { createProxy } = await import("../pkg/proxy.mjs");
  return createProxy({ token: demoToken(scenario), target: mockUrl, pathPrefix: PROXY_PATH });
}

/** The page's pre-fill for a scenario: every instance it knows plus one it does not. */
export function demoConfig(scenario, mockUrl) {
  const instances = scenario.instances ?? [];
  const scripted = instances.filter((i) => i.prepare);
  const ok = scripted.find((i) => i.prepare.at(-1).status === 0) ?? instances[0];
  const failing = scripted.find((i) => i.prepare.at(-1).status === -1);
  return {
    endpoint: PROXY_PATH,
    instanceIds: [...instances.map((i) => i.id), "ghost001"],
    userId: ok?.owner ?? "demo-user",
    instanceId: ok?.id ?? "",
    note:
      `Calls go to ${PROXY_PATH} on this server, which adds the token and forwards them to the local mock KooPhone server at ${mockUrl}. ` +
      (failing ? `Try instance ${failing.id} to see a failed preparation; ` : "") +
      "ghost001 is unknown to the server.",
  };
}

/**
 * Add the fleet scenario's instances to `mock` (their timelines start now), and return the
 * fleet console's pre-fill and the outage switch for the static server.
 */
export function addFleet(mock, fleetScenario) {
  for (const instance of fleetScenario.instances ?? []) mock.setInstance(instance);
  let fault = null;
  const onOutage = (on) => {
    if (fault !== null) mock.removeFault(fault);
    fault = on ? mock.setFault({ endpoint: "batch-query-status", type: "http", status: 503 }) : null;
  };
  const ids = (fleetScenario.instances ?? []).map((i) => i.id);
  return {
    fleet: { instanceIds: ids, userId: fleetScenario.instances?.[0]?.owner ?? "fleet-user", outage: "/demo/outage" },
    onOutage,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: process.env.PORT ?? "8080" },
      "mock-port": { type: "string", default: process.env.MOCK_PORT ?? "8787" },
      scenario: { type: "string", default: join(ROOT, "mock/scenarios/demo.json") },
      "no-mock": { type: "boolean", default: false },
      check: { type: "boolean", default: false },
    },
  });
  const portOf = (name) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`--${name} must be a port number (0 to 65535), not ${JSON.stringify(values[name])}`);
    return n;
  };
  const pagePort = portOf("port");
  const mockPort = portOf("mock-port");

  let mock = null;
  let config = null;
  let onReplay = null;
  let proxy = null;
  let token = null;
  let onOutage = null;
  if (!values["no-mock"]) {
    const { startMockServer, loadScenario } = await import("../mock/index.mjs");
    const scenario = loadScenario(values.scenario);
    mock = await startMockServer({ ...scenario, host: values.host, port: mockPort });
    const fleet = addFleet(mock, loadScenario(join(ROOT, "mock/scenarios/fleet.json")));
    onOutage = fleet.onOutage;
    config = { ...demoConfig(scenario, mock.url), replay: "/demo/replay", fleet: fleet.fleet };
    token = demoToken(scenario);
    proxy = await demoProxy(scenario, mock.url);
    onReplay = () => {
      for (const instance of scenario.instances ?? []) if (instance.prepare) mock.setInstance(instance);
    };
  }
  let site;
  try {
    site = await startStaticServer({ host: values.host, port: pagePort, config, onReplay, onOutage, proxy });
  } catch (error) {
    await mock?.close();
    throw error;
  }
  const page = `${site.url}/www/`;
  const stop = async () => {
    await Promise.all([site.close(), mock?.close()]);
  };

  if (values.check) {
    const problems = await check(page, mock?.url, config, token);
    await stop();
    if (problems.length) {
      for (const p of problems) console.error(`demo check: ${p}`);
      process.exit(1);
    }
    console.log(`demo check: page, config, package and mock all answer (${page})`);
    return;
  }

  if (mock)
    console.log(
      `KooPhone mock listening on ${mock.url} (scenario ${relative(ROOT, values.scenario) || values.scenario})`,
    );
  console.log(`Demo page on ${page}\n\n  Open ${page} in a browser. Ctrl-C stops both servers.\n`);
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      if (stopping) process.exit(130);
      stopping = true;
      console.log("\nStopping the demo servers.");
      stop().then(() => process.exit(0));
    });
  }
}

/** What --check verifies: everything the page needs answers over HTTP, and a real call works. */
async function check(page, mockUrl, config, token) {
  const problems = [];
  const get = async (url, want) => {
    try {
      const res = await fetch(url);
      const text = await res.text();
      if (!res.ok) problems.push(`${url}: HTTP ${res.status}`);
      else if (want && !text.includes(want)) problems.push(`${url}: does not contain ${JSON.stringify(want)}`);
    } catch (error) {
      problems.push(`${url}: ${error.message}`);
    }
  };
  await get(page, "app.js");
  await get(new URL("app.js", page).href, "../pkg/index.mjs");
  await get(new URL("style.css", page).href);
  await get(new URL("../pkg/index.mjs", page).href, "batchStatus");
  if (mockUrl && config) {
    await get(new URL("config.json", page).href, mockUrl);
    try {
      const { batchStatus } = await import("../pkg/index.mjs");
      const result = await batchStatus(config.instanceIds, { endpoint: mockUrl, token });
      if (!result.missing.includes("ghost001")) problems.push("the mock reported ghost001, which it should not know");
    } catch (error) {
      problems.push(`batchStatus against the mock: ${error.code ?? ""} ${error.message}`);
    }
    // The page's way in: the proxy, without a token.
    const viaProxy = new URL(`${PROXY_PATH}/v1/instances/batch-query-status`, page).href;
    try {
      const res = await fetch(viaProxy, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"instance_ids":["ghost001"]}',
      });
      if (res.status !== 200) problems.push(`${viaProxy}: HTTP ${res.status}`);
    } catch (error) {
      problems.push(`${viaProxy}: ${error.message}`);
    }
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((error) => {
    console.error(
      `serve: ${error.code === "EADDRINUSE" ? `port already in use (${error.address}:${error.port}); pick another with --port/--mock-port or PORT/MOCK_PORT` : error.message}`,
    );
    process.exit(1);
  });
}
