// Shared helpers of the consumer matrix: throwaway consumer projects under
// build/consumers/ that install the packed tarball with npm, a static file server,
// headless Chromium, and the scenario every consumer checks against the mock.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  copyFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CONSUMERS = join(ROOT, "build", "consumers");
export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** The scenario every consumer runs: mock instances, the IDs asked for, the expected answer. */
export const SCENARIO = JSON.parse(readFileSync(join(FIXTURES, "scenario.json"), "utf8"));

/**
 * Pinned versions of the consumer tools (exact, so reruns hit the npm cache and
 * give the same result).
 */
export const VERSIONS = {
  typescript: "5.9.3",
  "@types/node": "20.19.25",
  vite: "8.3.8",
  webpack: "5.112.2",
  "webpack-cli": "7.3.1",
  publint: "0.3.25",
  "@arethetypeswrong/cli": "0.18.5",
  node18: "18.20.8",
  node22: "22.23.3",
  esbuild: "0.28.2",
};

/**
 * The tarball under test. scripts/test-consumers.sh snapshots build/koophone-wasm.tgz once
 * (content-addressed) and passes it in KOOPHONE_CONSUMER_TARBALL so every test file sees the
 * same bytes even if the package is rebuilt meanwhile. Run on their own, the tests snapshot it
 * themselves.
 */
export const TARBALL = process.env.KOOPHONE_CONSUMER_TARBALL
  ? resolve(process.env.KOOPHONE_CONSUMER_TARBALL)
  : snapshotTarball();

function snapshotTarball() {
  const source = join(ROOT, "build", "koophone-wasm.tgz");
  if (!existsSync(source)) throw new Error("build/koophone-wasm.tgz is missing: run scripts/pack.sh first");
  const dir = join(CONSUMERS, "tarballs");
  mkdirSync(dir, { recursive: true });
  // Copy first, then hash the copy: the lead may replace the tarball at any moment.
  const tmp = join(dir, `.tmp-${process.pid}-${Date.now()}.tgz`);
  copyFileSync(source, tmp);
  const sha = createHash("sha256").update(readFileSync(tmp)).digest("hex").slice(0, 16);
  const target = join(dir, `koophone-wasm-${sha}.tgz`);
  renameSync(tmp, target);
  return target;
}

/** Runs a command; never throws. Resolves `{ code, signal, stdout, stderr, ms }`. */
export function run(command, args, { cwd, env, timeout = 300_000 } = {}) {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, timeout, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolvePromise({
          code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
          signal: error?.signal ?? null,
          stdout: String(stdout),
          stderr: String(stderr) + (error && typeof error.code !== "number" ? `\n${error.message}` : ""),
          ms: Date.now() - started,
        });
      },
    );
  });
}

/** Text of a failed command, for assertion messages. */
export function describeRun(name, result) {
  const tail = (s) => s.split("\n").slice(-60).join("\n");
  return `${name} exited ${result.code}${result.signal ? ` (${result.signal})` : ""}\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`;
}

const NPM_FLAGS = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", "--no-update-notifier"];
const KEEP = new Set(["node_modules", "package.json", "package-lock.json", ".install-stamp"]);

/**
 * Creates (or refreshes) the consumer project build/consumers/<name>: a package.json that
 * depends on the tarball under test plus `dependencies`, installed with `npm install`, then
 * `files` (path -> contents) written fresh. The install is reused only when the package.json
 * (which names the tarball by its hash) is byte-identical to the last successful install;
 * everything else in the directory is deleted and rewritten on every run.
 */
export async function project(name, { dependencies = {}, packageJson = {}, files = {}, withPackage = true } = {}) {
  const dir = join(CONSUMERS, name);
  const pkg = {
    name: `consumer-${name}`,
    version: "0.0.0",
    private: true,
    ...packageJson,
    dependencies: {
      ...(withPackage ? { "koophone-wasm": `file:${relative(dir, TARBALL).split(sep).join("/")}` } : {}),
      ...dependencies,
    },
  };
  const pkgText = `${JSON.stringify(pkg, null, 2)}\n`;
  const stamp = createHash("sha256").update(pkgText).digest("hex");
  const stampFile = join(dir, ".install-stamp");
  const installed =
    existsSync(stampFile) &&
    readFileSync(stampFile, "utf8") === stamp &&
    (!withPackage || existsSync(join(dir, "node_modules", "koophone-wasm", "package.json")));
  let install = null;
  if (!installed) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), pkgText);
    install = await run("npm", ["install", ...NPM_FLAGS], { cwd: dir, timeout: 600_000 });
    if (install.code !== 0) throw new Error(describeRun(`npm install in build/consumers/${name}`, install));
    writeFileSync(stampFile, stamp);
  }
  for (const entry of readdirSync(dir)) {
    if (!KEEP.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  for (const [path, contents] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, contents);
  }
  return { dir, freshInstall: !installed, installMs: install?.ms ?? 0 };
}

/** Contents of a fixture file (tests/consumers/fixtures/<path>). */
export function fixture(path) {
  return readFileSync(join(FIXTURES, path), "utf8");
}

/** Starts the mock server shipped in the package installed in `dir`. */
export async function startMock(dir, options = {}) {
  const { startMockServer } = await import(
    pathToFileURL(join(dir, "node_modules", "koophone-wasm", "mock", "index.mjs")).href
  );
  return startMockServer({ tokens: [SCENARIO.token], instances: SCENARIO.instances, ...options });
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".map": "application/json",
};

/**
 * Serves `root` on 127.0.0.1 (any free port). `requests` lists `{ path, status }` of every
 * request, so a test can check nothing was missing (e.g. a `.wasm` file a bundler forgot).
 * `wasmType` replaces the Content-Type of `.wasm` files (to serve them as a misconfigured
 * server would).
 */
export async function serveStatic(root, { wasmType = TYPES[".wasm"] } = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = resolve(root, `.${path}`);
    if (file !== root && !file.startsWith(root + sep)) file = null;
    else if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!file || !existsSync(file)) {
      requests.push({ path, status: 404 });
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    requests.push({ path, status: 200 });
    const type = extname(file) === ".wasm" ? wasmType : (TYPES[extname(file)] ?? "application/octet-stream");
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())).finally(() => server.closeAllConnections?.()),
  };
}

export { CHROMIUM, launchChromium } from "../support/chromium.mjs";

/** The part of a batchStatus result the scenario fixes (request IDs are random). */
export function essentials(result) {
  return { statuses: result.statuses, missing: result.missing };
}
