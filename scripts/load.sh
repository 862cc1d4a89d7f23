#!/usr/bin/env bash
# Service benchmark: starts dreichor-runtime (Release, file backend) in a temporary directory and
# drives it with dreichor-load: closed loop without and with HTTP pipelining (the most it takes),
# then fixed rates at half of each (latency corrected for coordinated omission); finally wrk on
# /health/live as the HTTP ceiling of this machine. docs/benchmarks.md explains the figures.
# The runtime signs a checkpoint per group commit with a key made for the run, as in production;
# CHECKPOINTS=off runs it without one (the audit tree is kept either way).
#   [CHECKPOINTS=off] scripts/load.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"

./scripts/setup.sh
command -v wrk >/dev/null || { apt-get update && apt-get install -y --no-install-recommends wrk; }
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target dreichor-runtime dreichor-load dreichor

work="$(mktemp -d)"
runtime_pid=""
cleanup() {
  if [ -n "$runtime_pid" ]; then kill "$runtime_pid" 2>/dev/null || true; wait "$runtime_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

DREICHOR_ADMIN_TOKEN="load-test-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DREICHOR_ADMIN_TOKEN
checkpoint_key=()
if [ "${CHECKPOINTS:-on}" != off ]; then
  ./build/release/cli/dreichor audit keygen --origin dreichor.load/dev/audit --secret-file "$work/key" >/dev/null
  checkpoint_key=("DREICHOR_CHECKPOINT_KEY=$(cat "$work/key")")
fi
env -i PATH="$PATH" DREICHOR_ADMIN_TOKEN="$DREICHOR_ADMIN_TOKEN" "${checkpoint_key[@]}" \
  DREICHOR_ENV=dev DREICHOR_LISTEN=127.0.0.1:0 DREICHOR_AUDIT_BACKEND=file \
  DREICHOR_AUDIT_DIR="$work/audit-events" DREICHOR_AUDIT_SEGMENT_BYTES=67108864 \
  DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND=8388608 \
  DREICHOR_SNAPSHOT_DIR="$work/snapshots" DREICHOR_SNAPSHOT_EVERY=1000000 DREICHOR_SNAPSHOT_RETAIN=2 \
  DREICHOR_SHUTDOWN_DEADLINE=30s DREICHOR_MAX_BODY_BYTES=65536 DREICHOR_MAX_CONNECTIONS=1024 \
  DREICHOR_LOG_LEVEL=info DREICHOR_OTLP_TRACES_URL=none \
  ./build/release/service/dreichor-runtime >"$work/runtime.log" 2>&1 &
runtime_pid=$!
address=""
for _ in $(seq 200); do
  address="$(grep -o '"msg":"health endpoints open"[^}]*"address":"[^"]*"' "$work/runtime.log" 2>/dev/null | sed 's/.*"address":"//; s/"$//' || true)"
  [ -n "$address" ] && break
  sleep 0.05
done
[ -n "$address" ] || { cat "$work/runtime.log"; exit 1; }
until ./build/release/service/dreichor-runtime healthcheck --address "$address" >/dev/null 2>&1; do sleep 0.05; done

load() { ./build/release/bench/dreichor-load --address "$address" --duration "$seconds" "$@"; }
rate_of() { sed 's/.*"throughput_per_s":\([0-9]*\).*/\1/'; }

echo "== machine =="
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
./build/release/bench/dreichor-load --address "$address" --connections 4 --duration 0.5 --warmup 0 --seed >/dev/null
echo "== closed loop, one request in flight per connection =="
plain="$(load --connections 64)"; echo "$plain"
echo "== closed loop, pipelined (16 in flight per connection) =="
piped="$(load --connections 32 --pipeline 16)"; echo "$piped"
echo "== fixed rate at half of each =="
load --connections 128 --rate "$(( $(echo "$plain" | rate_of) / 2 ))"
load --connections 64 --pipeline 8 --rate "$(( $(echo "$piped" | rate_of) / 2 ))"
echo "== wrk on /health/live (HTTP ceiling, no pipelining) =="
wrk -t1 -c64 -d"${seconds}s" "http://$address/health/live"
