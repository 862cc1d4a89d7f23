#!/usr/bin/env bash
# Builds dreichor-runtime (Release) and runs it in the foreground on the embedded default: the
# file audit backend, with its audit log and snapshots under ./var, configured from
# infra/env/.env.example. The example's admin token is a public placeholder: fine on a laptop,
# never anywhere else. Checkpoints are signed with a key made on the first run (var/checkpoint-key).
# Stop with Ctrl-C (a graceful shutdown); start again to replay.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target dreichor-runtime dreichor

mkdir -p var
settings=()
while IFS= read -r line; do
  case "$line" in '' | '#'*) continue ;; esac
  settings+=("$line")
done < infra/env/.env.example
settings+=("DREICHOR_AUDIT_DIR=$PWD/var/audit-events" "DREICHOR_SNAPSHOT_DIR=$PWD/var/snapshots")
# The checkpoint signing key: made on the first run, kept in ./var (never in the repository).
if [ ! -f var/checkpoint-key ]; then
  ./build/release/cli/dreichor audit keygen --origin dreichor.local/dev/audit \
    --secret-file var/checkpoint-key >&2
fi
settings+=("DREICHOR_CHECKPOINT_KEY=$(cat var/checkpoint-key)")

listen="$(grep '^DREICHOR_LISTEN=' infra/env/.env.example | cut -d= -f2)"
echo "dreichor-runtime: listening on http://$listen  (data in $PWD/var; JSON logs follow)" >&2
# Later assignments win, so the two directories above override the example's.
exec env -i PATH="$PATH" "${settings[@]}" ./build/release/service/dreichor-runtime
