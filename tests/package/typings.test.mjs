// Typings a newcomer meets first (issue 11, item 17), checked with tsc --strict against the
// installed package: the README's Node example as printed, `errors` typed when
// allowPartial is not a literal `true`, and the error API (isKooPhoneError, fromJSON,
// serverRequestId, AUTH, REDIRECT). Each file compiles on its own, so a failure names it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PKG_DIR } from "./support.mjs";
import { compile } from "./tsc.mjs";

/** The first fenced code block under the README heading `## Node`. */
function readmeNodeExample() {
  const readme = readFileSync(join(PKG_DIR, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Node\n"));
  assert.ok(section, "the package README has a `## Node` section");
  const block = /```(?:js|javascript|ts|typescript|mjs)\n([\s\S]*?)```/.exec(section);
  assert.ok(block, "the `## Node` section has a code block");
  return block[1];
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
