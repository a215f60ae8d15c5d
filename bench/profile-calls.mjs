// Sequential batchStatus calls (1 ID) for a CPU profile, run by bench/run.mjs under --cpu-prof:
//   node --cpu-prof bench/profile-calls.mjs <library module> <mock url> <calls>
const [, , modulePath, url, callsArg] = process.argv;
const mod = await import(modulePath);
const options = { token: "bench-token", endpoint: url };
for (let i = 0; i < 300; i++) await mod.batchStatus(["id00001"], options);
for (let i = 0; i < Number(callsArg); i++) await mod.batchStatus(["id00001"], options);
