#!/usr/bin/env bash
# Long property-based fuzz run of the pure core (not part of scripts/test.sh):
# every property in tests/core_props.rs with PROPTEST_CASES inputs (default 100000).
#   scripts/fuzz.sh [cases]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-100000}
echo "fuzz: ${cases} cases per property"
time PROPTEST_CASES="$cases" cargo test --release --test core_props -- --test-threads=2
