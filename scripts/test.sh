#!/usr/bin/env bash
# Every test of the project, from a fresh machine: set-up, JS formatting and lint, native core tests,
# wasm tests in Node and Chromium, the package tests on the packed tarball,
# the mock server, the size budget, reliability, the demo in a browser and the
# consumer matrix. Stops at the first failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."

passed=0
suite() {
  local name=$1
  shift
  printf '\n\033[1;32m==== %s\033[0m\n' "$name"
  "$@"
  passed=$((passed + 1))
}

rust_checks() {
  cargo fmt --check
  cargo clippy --quiet --all-targets -- -D warnings
  cargo clippy --quiet --target wasm32-unknown-unknown --all-targets -- -D warnings
  # The shipped module (release, no std): no `format!`, which would bring core::fmt back.
  CLIPPY_CONF_DIR=scripts/clippy-release cargo clippy --quiet --release --target wasm32-unknown-unknown --lib -- -D warnings
  cargo test --quiet
}

suite "set-up (Rust wasm target, wasm-bindgen CLI, npm dev dependencies, Chromium)" scripts/setup.sh --browser
suite "JS and TS: formatting and lint (Biome)" scripts/lint.sh
suite "Rust: formatting, lints, native core and property tests" rust_checks
suite "AK/SK signing against Huawei's own signer (1 200 generated requests)" scripts/test-signing.sh
suite "wasm-bindgen tests (Node and headless Chromium)" scripts/test-wasm.sh
suite "build and pack the npm package" scripts/pack.sh
suite "mock server and package tests (node:test on the installed tarball)" node --test tests/mock/ tests/package/
suite "size budget" scripts/test-size.sh
suite "reliability: fault matrix, hostile input, secrets, load, bounds" scripts/test-reliability.sh
suite "demo page in headless Chromium" scripts/test-demo.sh
suite "consumer matrix (Node 18/20/22 ESM and CJS, TypeScript, Vite, webpack, workers, publint, attw)" scripts/test-consumers.sh

printf '\n\033[1;32m==== all suites passed\033[0m\n'
echo "suites: $passed passed, 0 failed"
