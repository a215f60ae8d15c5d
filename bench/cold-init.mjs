// One cold-start sample, run in a fresh process by bench/run.mjs:
//   node bench/cold-init.mjs <library|baseline> <module path> <mock url>
// Prints JSON: ms from process start to the script, import, init (first call ready), and the
// first call (1 ID) against the mock, then a second, warm, call for comparison.
const t0 = performance.now();
const [, , which, modulePath, url] = process.argv;
const mod = await import(modulePath);
const t1 = performance.now();
if (which === "library") await mod.init();
const t2 = performance.now();
const options = { token: "bench-token", endpoint: url };
await mod.batchStatus(["id00001"], options);
const t3 = performance.now();
await mod.batchStatus(["id00002"], options);
const t4 = performance.now();
console.log(
  JSON.stringify({
    processStartMs: t0,
    importMs: t1 - t0,
    initMs: t2 - t1,
    readyMs: t2 - t0,
    firstCallMs: t3 - t2,
    secondCallMs: t4 - t3,
  }),
);
