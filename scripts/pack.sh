#!/usr/bin/env bash
# Build pkg/, pack it exactly as `npm publish` would, and unpack the tarball
# into build/installed/node_modules/koophone-wasm for the tests to import.
#   build/koophone-wasm.tgz                      the tarball (atomic replace)
#   build/installed/node_modules/koophone-wasm   the installed package
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = "--no-build" ] || scripts/build.sh

tmp=$(mktemp -d build/pack.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
(cd pkg && npm pack --silent --pack-destination "../$tmp" >/dev/null)
mv "$tmp"/koophone-wasm-*.tgz build/koophone-wasm.tgz

dest=build/installed/node_modules/koophone-wasm
rm -rf "$dest" && mkdir -p "$dest"
tar -xzf build/koophone-wasm.tgz -C "$dest" --strip-components=1
echo "pack: build/koophone-wasm.tgz ($(wc -c < build/koophone-wasm.tgz) bytes) installed in $dest"
