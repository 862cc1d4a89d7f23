#!/usr/bin/env bash
# check_seeds.sh SEEDS_PROGRAM SOURCE_DIR: fails when the committed seed corpora (fuzz/corpus/)
# differ from what the seed program writes now. Regenerate with scripts/fuzz.sh --seeds.
set -euo pipefail
program=$1 source=$2
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
"$program" "$fresh" "$source"
diff -r "$fresh" "$source/fuzz/corpus"
