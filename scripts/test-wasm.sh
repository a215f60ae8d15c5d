#!/usr/bin/env bash
# wasm-bindgen-test suites: the transport and API layer in Node, then in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
echo "== wasm tests in Node"
cargo test --target wasm32-unknown-unknown --test wasm_api
echo "== wasm tests in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_USE_BROWSER=1 \
  cargo test --target wasm32-unknown-unknown --test wasm_api
