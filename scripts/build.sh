#!/usr/bin/env bash
# Build the npm package into pkg/: Rust -> wasm (release, size-optimised),
# wasm-bindgen (web target), wasm-opt -Oz, then scripts/assemble.mjs bundles
# the ESM and CommonJS entries with the module inlined.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# The library alone as a cdylib: with the rlib crate type as well (Cargo.toml, for the tests)
# rustc keeps the panic handler and std's internal symbols exported, so LTO cannot see that a
# panic only traps and keeps all of core::fmt for the panic messages: 5.3 KB more gzip.
cargo rustc --quiet --release --target wasm32-unknown-unknown --lib --crate-type cdylib
rm -rf build/bindgen && mkdir -p build
wasm-bindgen --target web --out-dir build/bindgen --out-name koophone_wasm \
  target/wasm32-unknown-unknown/release/koophone_wasm.wasm
node_modules/.bin/wasm-opt --merge-similar-functions -Oz --converge --low-memory-unused --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  build/bindgen/koophone_wasm_bg.wasm -o build/koophone_wasm.wasm
node scripts/assemble.mjs
