// Browser consumers in headless Chromium: a Vite production build, a webpack 5 production
// build (both with no wasm-specific configuration) and native ES modules with no bundler,
// each with a module web worker, served on 127.0.0.1 and calling the mock (CORS) there.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SCENARIO, VERSIONS, describeRun, essentials, fixture, launchChromium, project, run, serveStatic, startMock } from "./support.mjs";

const MAIN = fixture("browser/main.js");
const WORKER = fixture("browser/worker.js");
const html = (script) =>
  `<!doctype html>\n<html><head><meta charset="utf-8"><title>koophone-wasm consumer</title><link rel="icon" href="data:,"></head>\n<body>${script}</body></html>\n`;

let browser;
let mock;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await mock?.close();
});

// Counts module loads in the page, by any of the async compile/instantiate entry points
// (the worker counts are not visible here).
function countWasm() {
  self.__wasmInstantiations = 0;
  for (const name of ["compile", "compileStreaming", "instantiate", "instantiateStreaming"]) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      self.__wasmInstantiations++;
      return original.apply(this, args);
    };
  }
}

/** Loads `url` (a page of fixtures/browser/main.js) and returns window.__result and the problems seen. */
async function loadPage(site, path = "/") {
  const page = await browser.newPage();
  const problems = [];
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
    const result = await page.evaluate(() => ({ ...window.__result, instantiations: self.__wasmInstantiations }));
    return { result, problems, notFound: site.requests.filter((r) => r.status !== 200).map((r) => r.path) };
  } finally {
    await page.close();
  }
}

function checkPage({ result, problems, notFound }) {
  assert.equal(result.fatal, undefined, `the page failed: ${result.fatal}`);
  assert.deepEqual(problems, []);
  assert.deepEqual(notFound, [], "every file the page asked for was served (no missing .wasm or chunk)");
  assert.equal(result.concurrent.length, 10);
  for (const r of result.concurrent) assert.deepEqual(r, SCENARIO.expected);
  assert.equal(result.instantiations, 1, "10 concurrent first calls instantiated the module once");
  assert.deepEqual(result.client, SCENARIO.expected);
  assert.deepEqual(result.error, { isKooPhoneError: true, isError: true, name: "KooPhoneError", code: "HTTP", httpStatus: 401 });
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

/** The three rows of a browser consumer: build, page, worker. */
async function browserCase(t, { name, setUp, build, afterBuild, root, path }) {
  let site;
  let loaded;
  t.after(() => site?.close());
  await t.test(`${name}: ${build ? "install and production build" : "install, served as is"}`, { timeout: 240_000 }, async () => {
    const { dir } = await setUp();
    if (!mock) mock = await startMock(dir);
    if (build) {
      const built = await run(build[0], build.slice(1), { cwd: dir, timeout: 180_000 });
      assert.equal(built.code, 0, describeRun(build.join(" "), built));
    }
    afterBuild?.(dir);
    const served = join(dir, root);
    assert.ok(existsSync(join(served, "index.html")), `no index.html in ${served}`);
    const wasmFiles = readdirSync(served, { recursive: true }).filter((f) => String(f).endsWith(".wasm"));
    assert.deepEqual(wasmFiles, [], "the wasm is inlined: no .wasm file to deploy");
    site = await serveStatic(served);
  });
  await t.test(`${name}: page in Chromium, 10 concurrent first calls, batchStatus vs mock, KooPhoneError`, { timeout: 60_000 }, async (sub) => {
    if (!site) return sub.skip("not built");
    loaded = await loadPage(site, path);
    checkPage(loaded);
  });
  await t.test(`${name}: module web worker in Chromium calls batchStatus`, { timeout: 60_000 }, async (sub) => {
    if (!loaded) return sub.skip("the page did not load");
    checkWorker(loaded);
  });
}

test(`vite ${VERSIONS.vite}`, { timeout: 400_000 }, (t) =>
  browserCase(t, {
    name: "vite",
    setUp: () =>
      project("vite", {
        packageJson: { type: "module" },
        dependencies: { vite: VERSIONS.vite },
        files: {
          "index.html": html('<script type="module" src="/src/main.js"></script>'),
          "src/main.js": MAIN,
          "src/worker.js": WORKER,
        },
      }),
    build: [process.execPath, "node_modules/vite/bin/vite.js", "build", "--logLevel", "warn"],
    root: "dist",
  }),
);

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
  }),
);
