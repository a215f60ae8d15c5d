#!/usr/bin/env bash
# Long fuzz runs of the pure engine (not part of scripts/test.sh), in release
# with overflow checks on (an overflow is a bug even where the wasm would wrap):
# 1. every property in tests/engine_props.rs with PROPTEST_CASES inputs each
#    (default 100000, so about 1.8 million inputs over the 18 properties);
# 2. the JSON reader against serde_json (tests/json_oracle): JSON_ORACLE_CASES
#    documents per category (default 340000: well-formed, near-miss, hostile,
#    so just over a million), each category printing its accepted/rejected counts.
# Takes several minutes on 2 cores.
#   scripts/fuzz.sh [cases] [json-cases]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-100000}
json_cases=${2:-340000}
export CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true
props=$(grep -c '#\[test\]' tests/engine_props.rs)
echo "fuzz: ${props} properties x ${cases} cases = $((props * cases)) inputs"
time PROPTEST_CASES="$cases" cargo test --release --test engine_props -- --test-threads=2
echo "fuzz: JSON reader vs serde_json, 3 categories x ${json_cases} documents = $((3 * json_cases)) documents"
time JSON_ORACLE_CASES="$json_cases" cargo test --release --test json_oracle -- --test-threads=2 --nocapture
