#!/usr/bin/env bash
# The demo page in headless Chromium (needs pkg/: run scripts/pack.sh or scripts/build.sh first).
# Screenshots land in results/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
[ -f pkg/index.mjs ] || { echo "test-demo: pkg/ missing; run scripts/build.sh first" >&2; exit 1; }
node --test tests/browser/
