// TypeScript consumers (strict, library .d.ts checked): node16/nodenext in ESM and CommonJS
// packages with a lib without DOM and no @types/node, bundler resolution with DOM, and node16
// with @types/node passing Node's own fetch and AbortSignal. Each compiles and runs a typed
// consumer against the mock, and must reject every file of fixtures/ts/fail/ with the error
// that file names, on the line it marks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, SCENARIO, VERSIONS, describeRun, fixture, project, run } from "./support.mjs";

const FAIL_FILES = readdirSync(join(FIXTURES, "ts", "fail"))
  .filter((f) => f.endsWith(".ts"))
  .sort();

const scenarioTs = [
  "// Generated from tests/consumers/fixtures/scenario.json.",
  `export const TOKEN: string = ${JSON.stringify(SCENARIO.token)};`,
  `export const INSTANCES: Array<{ id: string; status: number }> = ${JSON.stringify(SCENARIO.instances)};`,
  `export const IDS: string[] = ${JSON.stringify(SCENARIO.ids)};`,
  `export const EXPECTED = ${JSON.stringify(SCENARIO.expected)};`,
  "",
].join("\n");

const ENV = {
  none: 'import type { CallOptions } from "koophone-wasm";\nexport const extra: Partial<CallOptions> = {};\n',
  dom:
    '// DOM fetch and AbortSignal must fit the library\'s FetchLike and AbortSignalLike.\nimport type { CallOptions } from "koophone-wasm";\n' +
    "export const extra: Partial<CallOptions> = { fetch: globalThis.fetch, signal: new AbortController().signal };\n",
  node:
    '// Node\'s fetch and AbortSignal (@types/node) must fit FetchLike and AbortSignalLike.\nimport assert from "node:assert/strict";\nimport type { CallOptions } from "koophone-wasm";\n' +
    'assert.equal(typeof fetch, "function");\n' +
    "export const extra: Partial<CallOptions> = { fetch: globalThis.fetch, signal: AbortSignal.timeout(30_000) };\n",
};

// Without DOM and @types/node there is no `console`: declare it as a Node-free project would.
const CONSOLE = "declare const console: { log(...args: unknown[]): void };\n";

const CONFIGS = [
  {
    name: "node16, ESM package, lib ES2022 (no DOM, no @types/node)",
    dir: "node16-esm",
    type: "module",
    module: "node16",
    moduleResolution: "node16",
    lib: ["ES2022"],
    types: [],
    env: "none",
  },
  {
    name: "node16, CommonJS package, lib ES2022 (no DOM, no @types/node)",
    dir: "node16-cjs",
    type: "commonjs",
    module: "node16",
    moduleResolution: "node16",
    lib: ["ES2022"],
    types: [],
    env: "none",
  },
  {
    name: "nodenext, ESM package, lib ES2022 (no DOM, no @types/node)",
    dir: "nodenext-esm",
    type: "module",
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["ES2022"],
    types: [],
    env: "none",
  },
  {
    name: "nodenext, CommonJS package, lib ES2022 (no DOM, no @types/node)",
    dir: "nodenext-cjs",
    type: "commonjs",
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["ES2022"],
    types: [],
    env: "none",
  },
  {
    name: "bundler, ESNext, lib ES2022 + DOM",
    dir: "bundler",
    type: "module",
    module: "esnext",
    moduleResolution: "bundler",
    lib: ["ES2022", "DOM"],
    types: [],
    env: "dom",
  },
  {
    name: "node16, ESM package, @types/node (Node's fetch and AbortSignal)",
    dir: "node16-node-types",
    type: "module",
    module: "node16",
    moduleResolution: "node16",
    lib: ["ES2022"],
    types: ["node"],
    env: "node",
  },
];

const consumer = await project("typescript", {
  dependencies: { typescript: VERSIONS.typescript, "@types/node": VERSIONS["@types/node"] },
  files: Object.fromEntries(
    CONFIGS.flatMap((c) => {
      const needsConsole = c.env === "none";
      const compilerOptions = {
        strict: true,
        target: "ES2022",
        module: c.module,
        moduleResolution: c.moduleResolution,
        lib: c.lib,
        types: c.types,
        skipLibCheck: false,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        outDir: "out",
        rootDir: ".",
        pretty: false,
      };
      const base = needsConsole ? ["globals.d.ts"] : [];
      return [
        [`${c.dir}/package.json`, `${JSON.stringify({ type: c.type })}\n`],
        [
          `${c.dir}/tsconfig.json`,
          JSON.stringify({ compilerOptions, files: [...base, "scenario.ts", "env.ts", "ok.ts"] }, null, 2),
        ],
        [
          `${c.dir}/tsconfig.fail.json`,
          JSON.stringify(
            {
              compilerOptions: { ...compilerOptions, noEmit: true },
              files: [...base, ...FAIL_FILES.map((f) => `fail/${f}`)],
            },
            null,
            2,
          ),
        ],
        ...(needsConsole ? [[`${c.dir}/globals.d.ts`, CONSOLE]] : []),
        [`${c.dir}/scenario.ts`, scenarioTs],
        [`${c.dir}/env.ts`, ENV[c.env]],
        [`${c.dir}/ok.ts`, fixture("ts/ok.ts")],
        ...FAIL_FILES.map((f) => [`${c.dir}/fail/${f}`, fixture(`ts/fail/${f}`)]),
      ];
    }),
  ),
});

const TSC = join(consumer.dir, "node_modules", "typescript", "bin", "tsc");

/** `file(line,col): error TSnnnn: message` lines of tsc output. */
function diagnostics(output) {
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map(([, file, line, code, message]) => ({
    file: file.replaceAll("\\", "/"),
    line: Number(line),
    code,
    message,
  }));
}

for (const config of CONFIGS) {
  const dir = join(consumer.dir, config.dir);
  test(`tsc ${VERSIONS.typescript} strict, ${config.name}`, { timeout: 180_000 }, async (t) => {
    await t.test("typed consumer compiles (library .d.ts included) and runs against the mock", async () => {
      const compiled = await run(process.execPath, [TSC, "-p", "tsconfig.json", "--listFiles"], { cwd: dir });
      assert.equal(compiled.code, 0, describeRun("tsc -p tsconfig.json", compiled));
      // The exports map must give CommonJS importers index.d.cts and ESM importers index.d.mts.
      const ext = config.type === "commonjs" ? "cts" : "mts";
      const typings = compiled.stdout
        .split("\n")
        .filter((l) => l.includes("node_modules/koophone-wasm/"))
        .map((l) => l.replace(/^.*node_modules\/koophone-wasm\//, ""));
      assert.deepEqual(typings.sort(), [`index.d.${ext}`, `mock/index.d.${ext}`]);
      const ran = await run(process.execPath, ["out/ok.js"], { cwd: dir, timeout: 30_000 });
      assert.equal(ran.code, 0, describeRun("node out/ok.js", ran));
      assert.deepEqual(JSON.parse(ran.stdout.trim().split("\n").pop()), { ok: true });
    });
    await t.test(`${FAIL_FILES.length} wrong usages fail to compile with the expected error`, async () => {
      const compiled = await run(process.execPath, [TSC, "-p", "tsconfig.fail.json"], { cwd: dir });
      assert.notEqual(compiled.code, 0, "tsc accepted the wrong usages");
      const found = diagnostics(compiled.stdout);
      const wrong = [];
      for (const file of FAIL_FILES) {
        const source = fixture(`ts/fail/${file}`);
        const expected = /expect (TS\d+)/.exec(source)[1];
        const line = source.split("\n").findIndex((l) => l.includes("// error here")) + 1;
        const errors = found.filter((d) => d.file === `fail/${file}`);
        if (errors.length === 0) wrong.push(`${file}: compiled without error (expected ${expected})`);
        else if (!errors.some((d) => d.code === expected && d.line === line) || errors.some((d) => d.line !== line))
          wrong.push(
            `${file}: expected ${expected} on line ${line}, got ${errors.map((d) => `${d.code} line ${d.line}: ${d.message}`).join("; ")}`,
          );
      }
      const elsewhere = found.filter((d) => !d.file.startsWith("fail/"));
      if (elsewhere.length)
        wrong.push(
          `errors outside the failing files: ${elsewhere.map((d) => `${d.file}(${d.line}) ${d.code} ${d.message}`).join("; ")}`,
        );
      assert.deepEqual(wrong, []);
    });
  });
}
