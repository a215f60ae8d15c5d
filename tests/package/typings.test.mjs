// Typings a newcomer meets first (issue 11, item 17), checked with tsc --strict against the
// installed package: the README's Node example as printed, `errors` typed when
// allowPartial is not a literal `true`, and the error API (isKooPhoneError, fromJSON,
// serverRequestId, AUTH, REDIRECT). Each file compiles on its own, so a failure names it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { promisify } from "node:util";
import { PKG_DIR } from "./support.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

// Without @types/node: what a Node project sees. `process.env` values are `string | undefined`
// exactly as in @types/node's ProcessEnv.
const GLOBALS = `declare const process: { env: { [key: string]: string | undefined } };
declare const console: { log(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };
`;

/** The first fenced code block under the README heading `## Node`. */
function readmeNodeExample() {
  const readme = readFileSync(join(PKG_DIR, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Node\n"));
  assert.ok(section, "the package README has a `## Node` section");
  const block = /```(?:js|javascript|ts|typescript|mjs)\n([\s\S]*?)```/.exec(section);
  assert.ok(block, "the `## Node` section has a code block");
  return block[1];
}

/** Compile `source` as `name` with tsc --strict; resolves with tsc's output ("" when it compiles). */
async function compile(name, source) {
  const dir = join(ROOT, "build", "typings-check", name.replace(/\W+/g, "-"));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(PKG_DIR, join(dir, "node_modules", "koophone-wasm"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(dir, "globals.d.ts"), GLOBALS);
  writeFileSync(join(dir, name), source);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2022",
        lib: ["ES2022"],
        types: [],
        module: "Node16",
        moduleResolution: "Node16",
      },
      files: ["globals.d.ts", name],
    }),
  );
  const result = await promisify(execFile)(process.execPath, [TSC, "-p", dir]).catch((e) => e);
  return `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
}

test("the README's Node example compiles under tsc --strict, where process.env values may be undefined", async () => {
  const example = readmeNodeExample();
  assert.match(example, /process\.env\./, "the example reads the token from the environment");
  const errors = await compile("readme-node.ts", example);
  assert.equal(errors, "", `the README example does not compile:\n${errors}\n--- example ---\n${example}`);
});

for (const file of ["partial-errors.ts", "error-api.ts", "fleet.ts"]) {
  test(`types/${file} compiles under tsc --strict`, async () => {
    const source = readFileSync(new URL(`./types/${file}`, import.meta.url), "utf8");
    const errors = await compile(file, source);
    assert.equal(errors, "", `tsc:\n${errors}`);
  });
}
