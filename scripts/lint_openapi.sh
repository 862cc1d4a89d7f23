#!/usr/bin/env bash
# Lints the OpenAPI documents (docs/openapi/*.yaml) with Redocly's CLI, at the version pinned by
# tools/openapi/package-lock.json, installed under build/tools/openapi (never committed) by npm ci
# when the lock file changes. Needs node and npm (scripts/setup.sh) and the npm registry once.
#
#   scripts/lint_openapi.sh
set -euo pipefail
cd "$(dirname "$0")/.."

tools=build/tools/openapi
mkdir -p "$tools"
if ! cmp -s tools/openapi/package-lock.json "$tools/package-lock.json" ||
   [ ! -x "$tools/node_modules/.bin/redocly" ]; then
  cp tools/openapi/package.json tools/openapi/package-lock.json "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
"$tools/node_modules/.bin/redocly" lint --config tools/openapi/redocly.yaml docs/openapi/*.yaml
