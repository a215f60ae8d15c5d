// Package linters on the tarball itself: publint (package.json, exports, files) and
// Are the Types Wrong (typings per resolution mode: node10, node16 CJS/ESM, bundler).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { TARBALL, VERSIONS, describeRun, project, run } from "./support.mjs";

const tools = await project("lint", {
  withPackage: false,
  dependencies: { publint: VERSIONS.publint, "@arethetypeswrong/cli": VERSIONS["@arethetypeswrong/cli"] },
});
const bin = (name) => join(tools.dir, "node_modules", ".bin", name);

test(`publint ${VERSIONS.publint} --strict on the tarball: no errors, warnings or suggestions`, {
  timeout: 120_000,
}, async () => {
  const result = await run(bin("publint"), ["run", TARBALL, "--strict", "--level", "suggestion"], { cwd: tools.dir });
  assert.equal(result.code, 0, describeRun("publint", result));
  assert.match(result.stdout, /All good!/, describeRun("publint", result));
});

test(`attw ${VERSIONS["@arethetypeswrong/cli"]} (profile strict) on the tarball: no problems`, {
  timeout: 120_000,
}, async () => {
  const result = await run(bin("attw"), [TARBALL, "--format", "json", "--no-color"], { cwd: tools.dir });
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    assert.fail(describeRun("attw", result));
  }
  // analysis.problems lists them all; the top-level "problems" groups them by kind.
  const problems = [...(report.analysis?.problems ?? []), ...Object.values(report.problems ?? {}).flat()];
  assert.deepEqual(problems, [], `attw problems:\n${JSON.stringify(problems, null, 2)}`);
  assert.equal(result.code, 0, describeRun("attw", result));
  const entrypoints = Object.keys(report.analysis?.entrypoints ?? {});
  assert.deepEqual(entrypoints.sort(), [".", "./inline", "./mock", "./package.json", "./proxy"]);
});
