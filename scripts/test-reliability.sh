#!/usr/bin/env bash
# Reliability and security suite on the installed package (run scripts/pack.sh first):
# fault matrix, hostile input, secrets, load, bounds. The core's property tests run
# with `cargo test`; scripts/fuzz.sh runs them long.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/installed/node_modules/koophone-wasm/index.mjs ] || { echo "test-reliability: run scripts/pack.sh first" >&2; exit 1; }
node --expose-gc --test tests/reliability/
