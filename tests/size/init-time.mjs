// Cold init of the installed package in fresh Node processes: time from process start to the
// module ready (`await init()` resolved), median of N runs per entry. Not a test (no budget on
// time: timings flake); a measurement for bench/analysis and the README.
//   node tests/size/init-time.mjs [runs=20] [entry ...]   entries: package subpaths, default ". ./inline"
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const installed = fileURLToPath(new URL("../../build/installed/", import.meta.url));
const [runs = "20", ...entries] = process.argv.slice(2);
const subpaths = entries.length ? entries : [".", "./inline"];

const probe = (specifier, kind) =>
  kind === "esm"
    ? `const t0 = performance.now(); const m = await import(${JSON.stringify(specifier)}); const t1 = performance.now(); await m.init(); const t2 = performance.now(); console.log(JSON.stringify({ startMs: t0, importMs: t1 - t0, initMs: t2 - t1, readyMs: t2 }));`
    : `const t0 = performance.now(); const m = require(${JSON.stringify(specifier)}); const t1 = performance.now(); m.init().then(() => { const t2 = performance.now(); console.log(JSON.stringify({ startMs: t0, importMs: t1 - t0, initMs: t2 - t1, readyMs: t2 })); });`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const subpath of subpaths) {
  const specifier = subpath === "." ? "koophone-wasm" : `koophone-wasm/${subpath.replace(/^\.\//, "")}`;
  for (const kind of ["esm", "cjs"]) {
    const samples = [];
    for (let i = 0; i < Number(runs); i++) {
      const args =
        kind === "esm" ? ["--input-type=module", "-e", probe(specifier, kind)] : ["-e", probe(specifier, kind)];
      samples.push(JSON.parse(execFileSync(process.execPath, args, { cwd: installed, encoding: "utf8" }).trim()));
    }
    const m = (key) => median(samples.map((s) => s[key])).toFixed(1);
    console.log(
      `${specifier} (${kind}): import ${m("importMs")} ms, init ${m("initMs")} ms, import+init ${(median(samples.map((s) => s.importMs + s.initMs))).toFixed(1)} ms, process start to ready ${m("readyMs")} ms (median of ${runs})`,
    );
  }
}
