#!/usr/bin/env bash
# Installs one set of pinned npm tools, tools/<name>/package-lock.json, under build/tools/<name>
# (never committed), by npm ci when the lock file changed or the tool is missing, and prints the
# directory of its programs. Needs node and npm (scripts/setup.sh) and the npm registry once.
#
#   bin=$(scripts/npm_tools.sh ci redocly)    # NAME and one program that must be there
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: npm_tools.sh NAME PROGRAM}
program=${2:?usage: npm_tools.sh NAME PROGRAM}

tools=build/tools/$name
mkdir -p "$tools"
if ! cmp -s "tools/$name/package-lock.json" "$tools/package-lock.json" ||
   [ ! -x "$tools/node_modules/.bin/$program" ]; then
  cp "tools/$name/package.json" "tools/$name/package-lock.json" "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
fi
echo "$PWD/$tools/node_modules/.bin"
