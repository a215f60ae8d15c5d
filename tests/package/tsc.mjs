// tsc --strict against the installed package, for the typings tests: each file compiles on
// its own in build/typings-check/<name>, with no DOM and no @types/node.
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
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

/** Compile `source` as `name` with tsc --strict; resolves with tsc's output ("" when it compiles). */
export async function compile(name, source) {
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
