// The package README's other JavaScript examples (Credentials, the web console's proxy,
// Fleets) compile under tsc --strict against the installed typings, as a TypeScript user
// would paste them. Only the names an example takes from its surroundings are declared
// (`ids`, `domainName`, Express's `app`...), and node:http, whose types are not installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PKG_DIR } from "./support.mjs";
import { compile } from "./tsc.mjs";

const README = readFileSync(join(PKG_DIR, "README.md"), "utf8");

/** The first ```js block under the heading `## <heading>`. */
function example(heading) {
  const section = README.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  assert.ok(section, `the README has a \`## ${heading}\` section`);
  const block = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(block, `the \`## ${heading}\` section has a js block`);
  return block[1];
}

const CASES = [
  {
    heading: "Credentials",
    context: "declare const domainName: string, userName: string, password: string;\n",
  },
  {
    heading: "Using it in a web console",
    context: `import { createClient } from "koophone-wasm";
declare const domainName: string, userName: string, password: string;
declare function serveTheConsole(req: unknown, res: unknown): void;
declare const app: { use(path: string, handler: unknown): void };
declare const vault: { koophoneToken(): Promise<string> };
declare function createServer(handler: (req: any, res: any) => void): { listen(port: number): void };
`,
    // No @types/node here: node:http comes from the declaration above.
    adapt: (code) => code.replace('import { createServer } from "node:http";\n', ""),
  },
  {
    heading: "Fleets",
    context: `import type { AbortSignalLike } from "koophone-wasm";
declare const token: string, ids: string[], userId: string, signal: AbortSignalLike;
`,
  },
];

for (const { heading, context, adapt = (code) => code } of CASES) {
  test(`the README's "${heading}" example compiles under tsc --strict`, async () => {
    const code = adapt(example(heading));
    assert.match(code, /koophone-wasm/, "the example uses the package");
    const source = `${context}${code}\nexport {};\n`;
    const errors = await compile(`readme-${heading}.ts`, source);
    assert.equal(errors, "", `tsc:\n${errors}\n--- example ---\n${source}`);
  });
}
