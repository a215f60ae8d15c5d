// Browser consumers in headless Chromium: a Vite production build, a webpack 5 production
// build (both with no wasm-specific configuration: each must emit koophone_wasm.wasm as an
// asset and the page and its worker fetch it), native ES modules with no bundler (the .wasm
// next to index.mjs in node_modules, also served with a wrong MIME type) and an esbuild
// bundle of koophone-wasm/inline (no .wasm at all), each with a module web worker, served
// on 127.0.0.1 and calling the mock (CORS) there.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  SCENARIO,
  VERSIONS,
  describeRun,
  fixture,
  launchChromium,
  project,
  run,
  serveStatic,
  startMock,
} from "./support.mjs";

const MAIN = fixture("browser/main.js");
const WORKER = fixture("browser/worker.js");
const INLINE = (text) => text.replaceAll('from "koophone-wasm"', 'from "koophone-wasm/inline"');
const html = (script) =>
  `<!doctype html>\n<html><head><meta charset="utf-8"><title>koophone-wasm consumer</title><link rel="icon" href="data:,"></head>\n<body>${script}</body></html>\n`;

let browser;
let mock;

/** A TCP port free on 127.0.0.1 a moment ago (for a server that needs the number up front). */
async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await mock?.close();
});

// Records module loads in the page, by any of the async compile/instantiate entry points
// (the worker's are not visible here: its fetch of the .wasm is, in the server's log).
function countWasm() {
  self.__wasmCalls = [];
  for (const name of ["compile", "compileStreaming", "instantiate", "instantiateStreaming"]) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      self.__wasmCalls.push(name);
      return original.apply(this, args);
    };
  }
}

/** Loads `url` (a page of fixtures/browser/main.js) and returns window.__result and the problems seen. */
async function loadPage(site, path = "/") {
  const page = await browser.newPage();
  const problems = [];
  // A server of ours logs what it served; any other (a dev server) is watched from the page,
  // its workers included.
  const requests = site.requests ?? [];
  if (!site.requests) {
    page.on("response", (r) => {
      const url = new URL(r.url());
      if (url.origin === site.url) requests.push({ path: url.pathname, status: r.status() });
    });
  }
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    // The deliberate wrong-token call logs a failed 401 resource load; nothing else may.
    if (m.type() === "error" && !/status of 401/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  try {
    await page.addInitScript(countWasm);
    mock.resetRequests();
    const query = new URLSearchParams({ mock: mock.url, token: SCENARIO.token, ids: SCENARIO.ids.join(",") });
    await page.goto(`${site.url}${path}?${query}`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 });
    const result = await page.evaluate(() => ({ ...window.__result, wasmCalls: self.__wasmCalls }));
    return {
      result,
      problems,
      notFound: requests.filter((r) => r.status !== 200).map((r) => r.path),
      wasmRequests: requests.filter((r) => r.path.endsWith(".wasm")).map((r) => r.path),
      scripts: [...new Set(requests.filter((r) => r.status === 200 && /\.m?js$/.test(r.path)).map((r) => r.path))],
    };
  } finally {
    await page.close();
  }
}

function checkPage({ result, problems, notFound }, wasmCalls) {
  assert.equal(result.fatal, undefined, `the page failed: ${result.fatal}`);
  assert.deepEqual(problems, []);
  assert.deepEqual(notFound, [], "every file the page asked for was served (no missing .wasm or chunk)");
  assert.equal(result.concurrent.length, 10);
  for (const r of result.concurrent) assert.deepEqual(r, SCENARIO.expected);
  assert.deepEqual(result.wasmCalls, wasmCalls, "10 concurrent first calls compiled the module once, this way");
  assert.deepEqual(result.client, SCENARIO.expected);
  assert.deepEqual(result.error, {
    isKooPhoneError: true,
    isError: true,
    name: "KooPhoneError",
    code: "HTTP",
    httpStatus: 401,
  });
  assert.deepEqual(result.afterError, SCENARIO.expected);
  assert.ok(
    mock.requests.some((r) => r.method === "OPTIONS") && mock.requests.some((r) => r.headers.origin),
    "the calls were cross-origin browser requests (CORS preflight seen)",
  );
}

function checkWorker({ result }) {
  assert.equal(result.fatal, undefined, `the page failed: ${result.fatal}`);
  const worker = result.worker;
  assert.equal(worker.ok, true, `the worker failed: ${worker.error}`);
  assert.equal(worker.hasWindow, false);
  assert.equal(worker.hasDocument, false);
  assert.equal(worker.results.length, 5);
  for (const r of worker.results) assert.deepEqual(r, SCENARIO.expected);
  assert.deepEqual(worker.error, { isKooPhoneError: true, isError: true, code: "HTTP", httpStatus: 401 });
}

/**
 * The rows of a browser consumer: build, page, worker, and with `wrongMime` the page again
 * with the .wasm served as application/octet-stream. `wasm` names the one .wasm file the
 * served directory must hold (its bytes are the package's), or is null for none.
 */
async function browserCase(t, { name, setUp, build, afterBuild, root, path, wasm, wrongMime = false }) {
  let site;
  let served;
  let shipped;
  let loaded;
  t.after(() => site?.close());
  await t.test(
    `${name}: ${build ? "install and production build" : "install, served as is"}${wasm ? ", one .wasm" : ", no .wasm"}`,
    { timeout: 240_000 },
    async () => {
      const { dir } = await setUp();
      if (!mock) mock = await startMock(dir);
      if (build) {
        const built = await run(build[0], build.slice(1), { cwd: dir, timeout: 180_000 });
        assert.equal(built.code, 0, describeRun(build.join(" "), built));
      }
      afterBuild?.(dir);
      served = join(dir, root);
      assert.ok(existsSync(join(served, "index.html")), `no index.html in ${served}`);
      const wasmFiles = readdirSync(served, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".wasm"));
      shipped = readFileSync(join(dir, "node_modules", "koophone-wasm", "koophone_wasm.wasm"));
      if (wasm) {
        assert.equal(wasmFiles.length, 1, `one .wasm to deploy, found: ${wasmFiles.join(", ") || "none"}`);
        assert.match(wasmFiles[0], wasm);
        assert.ok(
          readFileSync(join(served, wasmFiles[0])).equals(shipped),
          `${wasmFiles[0]} is not the package's module`,
        );
      } else {
        assert.deepEqual(wasmFiles, [], "the module is inlined: no .wasm file to deploy");
      }
      site = await serveStatic(served);
    },
  );
  await t.test(
    `${name}: page in Chromium, 10 concurrent first calls, batchStatus vs mock, KooPhoneError`,
    { timeout: 60_000 },
    async (sub) => {
      if (!site) return sub.skip("not built");
      loaded = await loadPage(site, path);
      checkPage(loaded, wasm ? ["compileStreaming"] : ["compile"]);
      // The page and its worker each fetched the module once (no cache: no-store).
      assert.equal(loaded.wasmRequests.length, wasm ? 2 : 0, `requests for .wasm: ${loaded.wasmRequests.join(", ")}`);
      if (wasm) for (const path of loaded.wasmRequests) assert.match(path, wasm);
      // The JS the page and worker loaded inlines the module only when built from koophone-wasm/inline.
      assert.ok(loaded.scripts.length >= 2, `page and worker scripts requested: ${loaded.scripts.join(", ")}`);
      const base64 = shipped.toString("base64", 0, 30);
      const inlining = loaded.scripts.filter((f) => readFileSync(join(served, f), "utf8").includes(base64));
      assert.equal(inlining.length > 0, !wasm, `scripts inlining the module: ${inlining.join(", ") || "none"}`);
    },
  );
  await t.test(`${name}: module web worker in Chromium calls batchStatus`, { timeout: 60_000 }, async (sub) => {
    if (!loaded) return sub.skip("the page did not load");
    checkWorker(loaded);
  });
  if (wrongMime) {
    await t.test(
      `${name}: .wasm served as application/octet-stream: compiled from its bytes instead, page and worker`,
      { timeout: 60_000 },
      async (sub) => {
        if (!served) return sub.skip("not built");
        const octet = await serveStatic(served, { wasmType: "application/octet-stream" });
        try {
          const again = await loadPage(octet, path);
          checkPage(again, ["compile"]);
          checkWorker(again);
          assert.equal(again.wasmRequests.length, 2);
        } finally {
          await octet.close();
        }
      },
    );
  }
}

/** The Vite consumer: an index.html and the page and worker sources, no configuration. */
const viteProject = () =>
  project("vite", {
    packageJson: { type: "module" },
    dependencies: { vite: VERSIONS.vite },
    files: {
      "index.html": html('<script type="module" src="/src/main.js"></script>'),
      "src/main.js": MAIN,
      "src/worker.js": WORKER,
    },
  });

test(`vite ${VERSIONS.vite}`, { timeout: 400_000 }, (t) =>
  browserCase(t, {
    name: "vite",
    setUp: viteProject,
    build: [process.execPath, "node_modules/vite/bin/vite.js", "build", "--logLevel", "warn"],
    root: "dist",
    wasm: /^\/?assets\/koophone_wasm-[\w-]+\.wasm$/,
  }),
);

// The dev server pre-bundles dependencies into node_modules/.vite/deps (a known trap for
// `new URL(..., import.meta.url)` in packages): the module must still be found and fetched.
test(`vite ${VERSIONS.vite} dev server (dependency pre-bundling forced): page and module worker`, {
  timeout: 120_000,
}, async () => {
  const { dir } = await viteProject();
  if (!mock) mock = await startMock(dir);
  const port = await freePort();
  const dev = spawn(
    process.execPath,
    ["node_modules/vite/bin/vite.js", "--host", "127.0.0.1", "--port", String(port), "--strictPort", "--force"],
    {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      // CI runners set CI, which turns Vite's colours on even through a pipe; the URL it prints
      // then has escape codes around the port.
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined },
    },
  );
  let output = "";
  dev.stdout.on("data", (d) => (output += d));
  dev.stderr.on("data", (d) => (output += d));
  const exited = new Promise((ok) => dev.once("exit", ok));
  try {
    const deadline = Date.now() + 30_000;
    // Escape codes are stripped anyway, whatever a terminal setting turns on.
    const colours = new RegExp(`${"\x1b"}\\[[0-9;]*m`, "g");
    const plain = () => output.replace(colours, "");
    while (!plain().includes(`127.0.0.1:${port}`)) {
      assert.equal(dev.exitCode, null, `vite dev exited:\n${output}`);
      assert.ok(Date.now() < deadline, `vite dev did not start in 30 s:\n${output}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const loaded = await loadPage({ url: `http://127.0.0.1:${port}` });
    checkPage(loaded, ["compileStreaming"]);
    checkWorker(loaded);
    assert.deepEqual(loaded.wasmRequests, [
      "/node_modules/koophone-wasm/koophone_wasm.wasm",
      "/node_modules/koophone-wasm/koophone_wasm.wasm",
    ]);
  } finally {
    dev.kill();
    await exited;
  }
});

test(`webpack ${VERSIONS.webpack} + webpack-cli ${VERSIONS["webpack-cli"]}`, { timeout: 400_000 }, (t) =>
  browserCase(t, {
    name: "webpack",
    setUp: async () => {
      // Zero configuration: src/index.js -> dist/main.js in production mode.
      const created = await project("webpack", {
        dependencies: { webpack: VERSIONS.webpack, "webpack-cli": VERSIONS["webpack-cli"] },
        files: { "src/index.js": MAIN, "src/worker.js": WORKER },
      });
      return created;
    },
    build: [process.execPath, "node_modules/webpack-cli/bin/cli.js", "--mode", "production", "--no-color"],
    // webpack makes no HTML by itself: a plain page loading its bundle.
    afterBuild: (dir) => writeFileSync(join(dir, "dist", "index.html"), html('<script src="main.js"></script>')),
    root: "dist",
    wasm: /^\/?[0-9a-f]+\.wasm$/,
  }),
);

test("native ES modules, no bundler (import map)", { timeout: 400_000 }, (t) =>
  browserCase(t, {
    name: "native ESM",
    setUp: () =>
      project("browser-native", {
        files: {
          "index.html": html(
            '<script type="importmap">{"imports":{"koophone-wasm":"./node_modules/koophone-wasm/index.mjs"}}</script>\n' +
              '<script type="module" src="./main.js"></script>',
          ),
          "main.js": MAIN,
          // Workers do not see the page's import map.
          "worker.js": WORKER.replace('from "koophone-wasm"', 'from "./node_modules/koophone-wasm/index.mjs"'),
        },
      }),
    root: ".",
    wasm: /^\/?node_modules\/koophone-wasm\/koophone_wasm\.wasm$/,
    wrongMime: true,
  }),
);

test(`esbuild ${VERSIONS.esbuild}, koophone-wasm/inline`, { timeout: 400_000 }, (t) =>
  browserCase(t, {
    name: "esbuild + inline",
    setUp: () =>
      project("esbuild-inline", {
        dependencies: { esbuild: VERSIONS.esbuild },
        files: { "src/main.js": INLINE(MAIN), "src/worker.js": INLINE(WORKER) },
      }),
    // No plugin, no loader for .wasm: what esbuild does out of the box. (Its JS API: the
    // package's bin/esbuild is a native binary or a JS shim depending on install scripts.)
    build: [
      process.execPath,
      "-e",
      'require("esbuild").buildSync({ entryPoints: ["src/main.js", "src/worker.js"], bundle: true, format: "esm", platform: "browser", minify: true, outdir: "dist", logLevel: "warning" })',
    ],
    afterBuild: (dir) =>
      writeFileSync(join(dir, "dist", "index.html"), html('<script type="module" src="main.js"></script>')),
    root: "dist",
    wasm: null,
  }),
);
