#!/usr/bin/env bash
# Lints the OpenAPI documents (docs/openapi/*.yaml) with Redocly's CLI, at the version pinned by
# tools/openapi/package-lock.json (installed by scripts/npm_tools.sh).
#
#   scripts/lint_openapi.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(scripts/npm_tools.sh openapi redocly)
"$bin/redocly" lint --config tools/openapi/redocly.yaml docs/openapi/*.yaml
