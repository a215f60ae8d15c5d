#!/usr/bin/env bash
# The demo: scripts/demo.sh --check (page, config, package and mock answer), then the
# page in headless Chromium (tests/browser/demo*.test.mjs). Needs pkg/: run
# scripts/pack.sh (or scripts/build.sh) first. Screenshots land in results/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
[ -f pkg/index.mjs ] || { echo "test-demo: pkg/ missing; run scripts/pack.sh first" >&2; exit 1; }
scripts/demo.sh --no-build --check --port 0 --mock-port 0
node --test tests/browser/demo*.test.mjs
