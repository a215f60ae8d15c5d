#!/usr/bin/env bash
# AK/SK signing against Huawei's own signer: generate requests signed by
# @huaweicloud/huaweicloud-sdk-core (dev dependency) into build/, then check that the
# Rust signer (src/engine/sign.rs) produces byte-identical headers for every one.
#   scripts/test-signing.sh [COUNT] [SEED]     defaults: 1200 cases, a fixed seed
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
count="${1:-1200}"
seed="${2:-20200104}"
out=build/sign-oracle.json
rm -f "$out"
node tests/sign_oracle/generate.mjs --seed "$seed" --count "$count" --out "$out"
SIGN_ORACLE_FILE="$out" SIGN_ORACLE_COUNT="$count" \
  cargo test --quiet --test sign_oracle -- --nocapture
