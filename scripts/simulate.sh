#!/usr/bin/env bash
# Runs the deterministic simulator (sim/simulation.h, docs/simulation.md) from the Release tree.
#
#   scripts/simulate.sh --seed N --steps M [--seeds K]
#
# Seeds N..N+K-1, M steps each. A failure prints the seed and the command that reproduces it.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build build/release --target dreichor-simulate -j "$(nproc)" >/dev/null
exec build/release/sim/dreichor-simulate "$@"
