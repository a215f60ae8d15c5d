#!/usr/bin/env bash
# The main command: build and pack the package, start the bundled mock KooPhone
# server (demo scenario) and a static server for www/ on 127.0.0.1, and print the
# URL to open. The page comes pre-filled for the mock; no account needed.
# Ctrl-C stops both servers.
#
#   scripts/demo.sh [--no-build] [--port N] [--mock-port N] [--check]
#     --no-build     use the pkg/ already built (default: run scripts/pack.sh first)
#     --port N       port of the page (default $PORT or 8080; 0 = any free port)
#     --mock-port N  port of the mock server (default $MOCK_PORT or 8787; 0 = any free port)
#     --check        start both servers, check that everything answers, stop, exit 0/1
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
serve_args=()
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --port|--mock-port)
      [ $# -ge 2 ] || { echo "demo: $1 needs a value" >&2; exit 2; }
      serve_args+=("$1" "$2"); shift ;;
    --port=*|--mock-port=*) serve_args+=("$1") ;;
    --check) serve_args+=(--check) ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

if [ "$build" = 1 ]; then
  scripts/pack.sh
elif [ ! -f pkg/index.mjs ]; then
  echo "demo: pkg/index.mjs is missing; run without --no-build (or scripts/pack.sh) first" >&2
  exit 1
fi

# One Node process runs both servers; exec so Ctrl-C reaches it directly.
exec node scripts/serve.mjs --scenario mock/scenarios/demo.json "${serve_args[@]}"
