#!/usr/bin/env bash
# Size budget: gzip size of the shipped wasm and size of the packed tarball against
# bench/size-budget.json. Uses the artefacts of the last scripts/pack.sh (run it first;
# scripts/test.sh does). Pass --pack to build and pack first.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = "--pack" ] && scripts/pack.sh
if [ ! -f build/koophone_wasm.wasm ] || [ ! -f build/koophone-wasm.tgz ]; then
  echo "test-size: build/koophone_wasm.wasm or build/koophone-wasm.tgz missing; run scripts/pack.sh first" >&2
  exit 1
fi
node --test tests/size/
