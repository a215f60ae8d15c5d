#!/usr/bin/env bash
# Long property-based fuzz run of the pure core (not part of scripts/test.sh):
# every property in tests/engine_props.rs with PROPTEST_CASES inputs each (default 100000,
# so about 1.8 million inputs over the 18 properties). Takes a couple of minutes on 2 cores.
#   scripts/fuzz.sh [cases]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-100000}
props=$(grep -c '#\[test\]' tests/engine_props.rs)
echo "fuzz: ${props} properties x ${cases} cases = $((props * cases)) inputs"
time PROPTEST_CASES="$cases" cargo test --release --test engine_props -- --test-threads=2
