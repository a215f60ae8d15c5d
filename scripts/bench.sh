#!/usr/bin/env bash
# Benchmarks koophone-wasm against a hand-written fetch client (bench/baseline-client.mjs) in one
# run, against the mock server, and writes bench/RESULTS.md and bench/results.json.
#   scripts/bench.sh              build and pack first (scripts/pack.sh), then measure
#   scripts/bench.sh --no-build   measure the last build (build/ from scripts/pack.sh)
#   BENCH_QUICK=1 scripts/bench.sh --no-build   quick smoke run (fewer rounds; marked in the results)
#   FLEET_WATCH_ROUNDS=20 ... scripts/bench.sh  shorter fleet benchmarks (marked in the results)
# Not part of scripts/test.sh: it takes a few minutes and its figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = "--no-build" ] || scripts/pack.sh

# Snapshot the build so that a rebuild while the benchmark runs cannot mix two builds.
# Retried: another pack may be replacing these files at this moment.
snap=bench/.work/snapshot
for try in 1 2 3 4 5 6 7 8 9 10; do
  rm -rf "$snap" && mkdir -p "$snap"
  if cp build/koophone_wasm.wasm build/koophone-wasm.tgz build/bindgen/koophone_wasm.js "$snap"/ 2>/dev/null &&
     mkdir -p "$snap/package" && tar -xzf "$snap/koophone-wasm.tgz" -C "$snap/package" --strip-components=1 2>/dev/null &&
     node -e '
       const fs = require("fs");
       const wasm = fs.readFileSync(process.argv[1] + "/koophone_wasm.wasm");
       const file = fs.readFileSync(process.argv[1] + "/package/koophone_wasm.wasm");
       const mjs = fs.readFileSync(process.argv[1] + "/package/inline/index.mjs", "utf8");
       const b64 = (mjs.match(/"(AGFzbQ[A-Za-z0-9+\/=]+)"/) || [])[1] || "";
       process.exit(file.equals(wasm) && Buffer.from(b64, "base64").equals(wasm) ? 0 : 1);' "$snap"; then
    break
  fi
  [ "$try" = 10 ] && { echo "bench: no consistent build in build/ (run scripts/pack.sh)" >&2; exit 1; }
  echo "bench: build/ is being rewritten, retrying in 3 s" >&2
  sleep 3
done
node bench/run.mjs
# The fleet features (issue 13): about 6 minutes; shorter with FLEET_WATCH_ROUNDS, FLEET_RATE_SECONDS,
# FLEET_ADAPTIVE_SECONDS, FLEET_OUTAGE_SECONDS (see bench/fleet.mjs).
node --expose-gc bench/fleet.mjs
echo "bench: wrote bench/RESULTS.md, bench/results.json and bench/fleet-results.json"
