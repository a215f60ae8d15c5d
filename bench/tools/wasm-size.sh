#!/usr/bin/env bash
# Size of the release module, built exactly as scripts/build.sh builds it (cdylib alone,
# wasm-bindgen, wasm-opt), without packing:
#   bench/tools/wasm-size.sh          prints "raw N gzip M" (gzip -9)
#   bench/tools/wasm-size.sh --top 40 also lists the largest functions of the named module
#                                     before wasm-opt (attribution; names need no debug info)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo rustc --quiet --release --target wasm32-unknown-unknown --lib --crate-type cdylib
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
wasm-bindgen --target web --out-dir "$out" --out-name koophone_wasm target/wasm32-unknown-unknown/release/koophone_wasm.wasm
node_modules/.bin/wasm-opt --merge-similar-functions -Oz --converge --low-memory-unused --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  "$out/koophone_wasm_bg.wasm" -o "$out/o.wasm"
echo "raw $(wc -c < "$out/o.wasm") gzip $(gzip -9c "$out/o.wasm" | wc -c)"
if [ "${1:-}" = "--top" ]; then
  python3 bench/tools/wasm_functions.py "$out/koophone_wasm_bg.wasm" "${2:-40}"
fi
