#!/usr/bin/env bash
# Every test of the project, from a fresh machine: set-up, native core tests,
# wasm tests in Node and Chromium, the package tests on the packed tarball,
# the mock server, the demo in a browser, the consumer matrix, reliability and
# the size budget. Stops at the first failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1;32m==== %s\033[0m\n' "$*"; }

step "set-up (Rust wasm target, wasm-bindgen CLI, npm dev dependencies, Chromium)"
scripts/setup.sh --browser

step "Rust: formatting, lints, native core tests"
cargo fmt --check
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo test --quiet

step "wasm-bindgen tests (Node and headless Chromium)"
scripts/test-wasm.sh

step "build and pack the npm package"
scripts/pack.sh

step "mock server and package tests (node:test on the installed tarball)"
node --test tests/mock/ tests/package/

step "size budget"
scripts/test-size.sh

step "reliability: fault matrix, hostile input, secrets, load"
scripts/test-reliability.sh

step "demo page in headless Chromium"
scripts/test-demo.sh

step "consumer matrix (Node ESM/CJS, TypeScript, Vite, webpack, worker)"
scripts/test-consumers.sh

step "all suites passed"
