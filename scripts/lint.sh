#!/usr/bin/env bash
# Formatting and lint of the JS and TS in pkg-template/, mock/, scripts/, tests/, bench/ and
# www/ (Biome, configured in biome.jsonc): checks only, writes nothing. To fix:
#   npx biome format --write && npx biome lint --write
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/biome ci --colors=off --error-on-warnings pkg-template mock scripts tests bench www
