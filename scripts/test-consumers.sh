#!/usr/bin/env bash
# Consumer matrix on the packed tarball (run scripts/pack.sh first): throwaway projects under
# build/consumers/ install build/koophone-wasm.tgz with npm and use it from Node ESM/CommonJS
# (Node 18, 20, 22; the default entries reading koophone_wasm.wasm and koophone-wasm/inline),
# TypeScript (node16/nodenext/bundler), Vite (build and dev server) and webpack production
# builds, native ESM from node_modules and an esbuild bundle of koophone-wasm/inline, each
# with a module worker in headless Chromium, plus publint and attw. Prints a table of cases;
# exits non-zero on any failure. npm installs are reused while a project's package.json
# (which names the tarball by its hash) is unchanged.
#   scripts/test-consumers.sh [test files...]   default: tests/consumers/*.test.mjs
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --browser

if [ ! -f build/koophone-wasm.tgz ]; then
  echo "test-consumers: build/koophone-wasm.tgz missing; run scripts/pack.sh first" >&2
  exit 1
fi

# Snapshot the tarball once, content-addressed, so every test file uses the same bytes even
# if the package is re-packed meanwhile (pack.sh replaces it atomically; copy, then hash the copy).
mkdir -p build/consumers/tarballs
tmp=$(mktemp build/consumers/tarballs/.snapshot.XXXXXX)
cp build/koophone-wasm.tgz "$tmp"
sha=$(sha256sum "$tmp" | cut -c1-16)
snapshot=build/consumers/tarballs/koophone-wasm-$sha.tgz
mv -f "$tmp" "$snapshot"
find build/consumers/tarballs -maxdepth 1 -type f ! -name "koophone-wasm-$sha.tgz" -delete
export KOOPHONE_CONSUMER_TARBALL="$PWD/$snapshot"
echo "test-consumers: $snapshot"

if [ "$#" -gt 0 ]; then files=("$@"); else files=(tests/consumers/*.test.mjs); fi

started=$(date +%s)
status=0
node --test --test-concurrency=2 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./tests/consumers/table-reporter.mjs --test-reporter-destination=stdout \
  "${files[@]}" || status=$?
echo "test-consumers: $(( $(date +%s) - started )) s, exit $status"
exit "$status"
