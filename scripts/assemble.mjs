// Assemble the npm package in pkg/ from pkg-template/, mock/ and the wasm-bindgen output.
//
//   build/bindgen/koophone_wasm.js   wasm-bindgen glue (--target web)
//   build/koophone_wasm.wasm         the module after wasm-opt -Oz
//
// The module ships as a file, pkg/koophone_wasm.wasm, next to the entries that load it,
// and inlined as base64 in the koophone-wasm/inline entries. The entry source
// (pkg-template/src/index.js) is bundled by esbuild once per entry file, each with its own
// `./load.js` (how the module is obtained):
//
//   index.mjs           ESM, Node/Deno/Bun and browsers without a bundler   load.js
//   index.browser.mjs   ESM, bundlers targeting browsers ("browser")         load-browser.js
//   index.cjs           CommonJS, Node                                       load-node.cjs.js
//   inline/index.mjs    ESM, module inlined                                  load-inline.js
//   inline/index.cjs    CommonJS, module inlined                             load-inline.js
//   proxy.mjs, proxy.cjs   koophone-wasm/proxy (Node): src/proxy.js          load-node.js, load-node.cjs.js
//
// The glue's own `import.meta.url` use (its default module URL, for a file named
// koophone_wasm_bg.wasm) is replaced: the entries always pass a compiled module, and
// leaving it in would make webpack look for a file that is not shipped.

import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const at = (...parts) => join(root, ...parts);
const stage = at("build", "stage");
const pkg = at("pkg");
const WASM_FILE = "koophone_wasm.wasm";
// The pattern Vite and webpack 5 recognise (emit the file as an asset, rewrite the URL).
const WASM_URL = `new URL("./${WASM_FILE}", import.meta.url)`;

const ENTRIES = [
  { file: "index.mjs", format: "esm", loader: "load.js", wasmUrl: true },
  { file: "index.browser.mjs", format: "esm", loader: "load-browser.js", wasmUrl: true, browser: true },
  { file: "index.cjs", format: "cjs", loader: "load-node.cjs.js" },
  { file: "inline/index.mjs", format: "esm", loader: "load-inline.js", inline: true },
  { file: "inline/index.cjs", format: "cjs", loader: "load-inline.js", inline: true },
  { file: "proxy.mjs", source: "proxy.js", format: "esm", loader: "load-node.js", wasmUrl: true },
  { file: "proxy.cjs", source: "proxy.js", format: "cjs", loader: "load-node.cjs.js" },
];

function fail(message) {
  console.error(`assemble: ${message}`);
  process.exit(1);
}

rmSync(stage, { recursive: true, force: true });
rmSync(pkg, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
mkdirSync(pkg, { recursive: true });

// 1. Glue, without its default module URL.
const defaultUrl = "module_or_path = new URL('koophone_wasm_bg.wasm', import.meta.url);";
let glue = readFileSync(at("build", "bindgen", "koophone_wasm.js"), "utf8");
if (glue.split(defaultUrl).length !== 2)
  fail("the wasm-bindgen glue changed shape: default module URL not found exactly once");
glue = glue.replace(defaultUrl, 'throw new Error("koophone-wasm: module bytes must be passed to init");');
if (glue.includes("import.meta")) fail("the glue still mentions import.meta");
// After a trap the entry instantiates the module afresh (pkg-template/src/index.js):
// initSync must not return the old, possibly corrupt instance.
const initGuard = "function initSync(module) {\n    if (wasm !== undefined) return wasm;";
if (glue.split(initGuard).length !== 2)
  fail("the wasm-bindgen glue changed shape: initSync's guard not found exactly once");
glue = glue.replace(initGuard, "function initSync(module) {");
// Strings into the module: the glue copies the ASCII prefix of every string with a JavaScript
// loop, one character at a time, before it turns to `TextEncoder.encodeInto`. On Node 20 that loop
// costs 1.5 µs per KB and `encodeInto` 0.1–0.3 µs whatever the length (bench/analysis.md,
// "Strings into the module"), and the long strings are on every call: response bodies, and IAM
// tokens of several kilobytes inside the options. Longer strings are encoded natively first: when
// every character read was ASCII (as many bytes written as characters read), the whole string is in;
// otherwise the loop starts over from 0 and the glue's own path takes it from the first non-ASCII
// character. Short strings keep the loop, which is cheaper below about 50 characters.
const asciiLoop = "    let offset = 0;\n\n    for (; offset < len; offset++) {";
if (glue.split(asciiLoop).length !== 2)
  fail("the wasm-bindgen glue changed shape: passStringToWasm0's ASCII loop not found exactly once");
glue = glue.replace(
  asciiLoop,
  [
    "    let offset = 0;",
    "    if (len > 64) {",
    "        const ret = cachedTextEncoder.encodeInto(arg, mem.subarray(ptr, ptr + len));",
    "        if (ret.read === ret.written) offset = ret.read;",
    "    }",
    "    for (; offset < len; offset++) {",
  ].join("\n"),
);
writeFileSync(join(stage, "glue.js"), glue);
// JS snippets of `#[wasm_bindgen(inline_js)]` blocks, which the glue imports.
const snippets = at("build", "bindgen", "snippets");
if (existsSync(snippets)) cpSync(snippets, join(stage, "snippets"), { recursive: true });

// 2. The module: a file next to the entries, and inlined for the inline entries.
const wasm = readFileSync(at("build", "koophone_wasm.wasm"));
writeFileSync(join(pkg, WASM_FILE), wasm);
writeFileSync(
  join(stage, "wasm-inline.js"),
  `// Generated by scripts/assemble.mjs: the WebAssembly module (${wasm.length} bytes), base64.
const BASE64 = "${wasm.toString("base64")}";

export function wasmBytes() {
  // Native decoders first: the atob loop costs ~10 ms on a cold start.
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(BASE64);
  const NodeBuffer = globalThis.Buffer;
  if (typeof NodeBuffer === "function" && typeof NodeBuffer.from === "function") return NodeBuffer.from(BASE64, "base64");
  const text = atob(BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
`,
);
cpSync(at("pkg-template", "src"), stage, { recursive: true });

// 3. Bundles: one per entry, differing only in the module loader behind `./load.js`.
const version = readFileSync(at("Cargo.toml"), "utf8").match(/^version = "([^"]+)"/m)?.[1];
if (!version) fail("no version in Cargo.toml");
const banner = `/* koophone-wasm ${version} | MIT */`;
for (const entry of ENTRIES) {
  const chooseLoader = {
    name: "koophone-loader",
    setup(b) {
      b.onResolve({ filter: /^\.\/load\.js$/ }, () => ({ path: join(stage, entry.loader) }));
    },
  };
  const outfile = join(pkg, entry.file);
  await build({
    entryPoints: [join(stage, entry.source ?? "index.js")],
    outfile,
    bundle: true,
    format: entry.format,
    platform: "neutral",
    target: "es2020",
    external: ["node:*"],
    plugins: [chooseLoader],
    banner: { js: banner },
    legalComments: "none",
    logLevel: "warning",
    // wasm-bindgen 0.2.130 writes one import-object entry per function it links
    // directly from a snippet, so `interop.js` appears twice under the same key
    // (same module namespace both times: harmless).
    logOverride: { "duplicate-object-key": "silent" },
  });
  // What each consumer relies on, checked on the output rather than trusted.
  const code = readFileSync(outfile, "utf8");
  const base64 = code.includes(`"${wasm.toString("base64", 0, 30)}`);
  if (Boolean(entry.inline) !== base64) fail(`${entry.file}: the module is ${base64 ? "" : "not "}inlined`);
  if (code.split(WASM_URL).length - 1 !== (entry.wasmUrl ? 1 : 0))
    fail(`${entry.file}: \`${WASM_URL}\` expected ${entry.wasmUrl ? "once" : "nowhere"}`);
  if (entry.format === "cjs" && code.includes("import.meta"))
    fail(`${entry.file}: CommonJS output mentions import.meta`);
  if (entry.browser && /\b(?:import|require)\s*\(\s*["']node:|\bfrom\s*["']node:/.test(code))
    fail(`${entry.file}: the browser entry imports a node: module`);
}

// 4. Typings, package metadata, docs, the mock server.
const types = readFileSync(at("pkg-template", "index.d.ts"), "utf8");
// The same typings for every entry (inline/ has its own copies so `node10` resolution,
// which ignores the exports map, finds them too).
for (const dir of [pkg, join(pkg, "inline")]) {
  for (const file of ["index.d.ts", "index.d.mts", "index.d.cts"]) writeFileSync(join(dir, file), types);
}
const manifest = JSON.parse(readFileSync(at("pkg-template", "package.json"), "utf8"));
manifest.version = version;
writeFileSync(join(pkg, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
// The package README is the template's plus the mock server's section.
const readme =
  readFileSync(at("pkg-template", "README.md"), "utf8").trimEnd() +
  "\n\n" +
  readFileSync(at("mock", "README.md"), "utf8");
writeFileSync(join(pkg, "README.md"), readme);
cpSync(at("LICENSE"), join(pkg, "LICENSE"));
cpSync(at("mock"), join(pkg, "mock"), { recursive: true, filter: (src) => !src.endsWith("README.md") });
for (const file of ["index.d.mts", "index.d.cts"]) cpSync(at("mock", "index.d.ts"), join(pkg, "mock", file));
for (const file of ["proxy.d.ts", "proxy.d.mts", "proxy.d.cts"])
  cpSync(at("pkg-template", "proxy.d.ts"), join(pkg, file));
// The CLI ships as written: it imports the package by its own name.
cpSync(at("pkg-template", "cli"), join(pkg, "cli"), { recursive: true });

console.log(`assemble: pkg/ ready (koophone-wasm ${version}, wasm ${wasm.length} bytes)`);
