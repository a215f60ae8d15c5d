#!/usr/bin/env bash
# The main job: build the package, start the bundled mock KooPhone server with
# the demo scenario and a static server for www/, and print the URL to open.
# No account needed. Ctrl-C stops both servers.
#   scripts/demo.sh [--no-build]      ports: MOCK_PORT (default 8787), PORT (default 8080)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = "--no-build" ] || scripts/build.sh

mock_port=${MOCK_PORT:-8787}
page_port=${PORT:-8080}
mock_url="http://127.0.0.1:$mock_port"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

node mock/cli.cjs --host 127.0.0.1 --port "$mock_port" --scenario mock/scenarios/demo.json &
pids+=($!)

config=$(cat <<JSON
{"endpoint":"$mock_url","token":"demo-token",
 "instanceIds":["a44uhlf7","stopped01","running01","running02","prep-fail","prep-ok","shutdown01","mystery07","ghost001"],
 "userId":"demo-user","instanceId":"prep-ok",
 "note":"Pre-filled for the local mock server (token demo-token). Try instance prep-fail to see a failure; ghost001 is unknown to the server. Preparation scripts advance per request: restart the demo to replay them."}
JSON
)
node scripts/serve.mjs --port "$page_port" --config "$config" &
pids+=($!)

sleep 0.5
echo
echo "  Open http://127.0.0.1:$page_port/www/   (mock KooPhone server: $mock_url; Ctrl-C to stop)"
echo
wait
