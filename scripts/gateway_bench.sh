#!/usr/bin/env bash
# Gateway benchmark: starts dreichor-runtime (Release, file backend, signing checkpoints, its
# trading token set) and dreichor-gateway in front of it, in a temporary directory, then drives
# both with dreichor-gateway-load in one run on one machine, alternating the modes:
#   direct   pipelined HTTP straight to the runtime
#   session  order-entry WebSocket sessions through the gateway
#   rest     signed REST through the gateway (and the gateway's CPU time, for orders/s per core)
# The gateway's limits are set far above the load so that they never refuse it.
# docs/benchmarks.md ("Gateway") explains the figures.
#   scripts/gateway_bench.sh [seconds per run, default 5] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
rounds="${2:-3}"
connections="${CONNECTIONS:-16}"
window="${WINDOW:-16}"

./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target dreichor-runtime dreichor-gateway \
  dreichor-gateway-load dreichor

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
DREICHOR_ADMIN_TOKEN="bench-admin-$(secret)"
DREICHOR_TRADING_TOKEN="bench-trading-$(secret)"
export DREICHOR_ADMIN_TOKEN DREICHOR_TRADING_TOKEN
./build/release/cli/dreichor audit keygen --origin dreichor.bench/dev/audit --secret-file "$work/key" >/dev/null

# The address a process logged in its line `msg` (field `field`).
address_of() {
  local log="$1" msg="$2" field="$3" a=""
  for _ in $(seq 400); do
    a="$(grep -o "\"msg\":\"$msg\"[^}]*\"$field\":\"[^\"]*\"" "$log" 2>/dev/null | sed "s/.*\"$field\":\"//; s/\"$//" || true)"
    [ -n "$a" ] && { echo "$a"; return; }
    sleep 0.05
  done
  cat "$log" >&2
  exit 1
}

env -i PATH="$PATH" DREICHOR_ADMIN_TOKEN="$DREICHOR_ADMIN_TOKEN" \
  DREICHOR_TRADING_TOKEN="$DREICHOR_TRADING_TOKEN" DREICHOR_CHECKPOINT_KEY="$(cat "$work/key")" \
  DREICHOR_ENV=dev DREICHOR_LISTEN=127.0.0.1:0 DREICHOR_AUDIT_BACKEND=file \
  DREICHOR_AUDIT_DIR="$work/audit-events" DREICHOR_AUDIT_SEGMENT_BYTES=67108864 \
  DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND=8388608 \
  DREICHOR_SNAPSHOT_DIR="$work/snapshots" DREICHOR_SNAPSHOT_EVERY=1000000 DREICHOR_SNAPSHOT_RETAIN=2 \
  DREICHOR_SHUTDOWN_DEADLINE=30s DREICHOR_MAX_BODY_BYTES=65536 DREICHOR_MAX_CONNECTIONS=1024 \
  DREICHOR_LOG_LEVEL=info DREICHOR_OTLP_TRACES_URL=none \
  ./build/release/service/dreichor-runtime >"$work/runtime.log" 2>&1 &
pids+=($!)
runtime="$(address_of "$work/runtime.log" "health endpoints open" address)"
until ./build/release/service/dreichor-runtime healthcheck --address "$runtime" >/dev/null 2>&1; do sleep 0.05; done

env -i PATH="$PATH" DREICHOR_ENV=dev DREICHOR_LISTEN=127.0.0.1:0 DREICHOR_INTERNAL_LISTEN=127.0.0.1:0 \
  DREICHOR_RUNTIME_URL="http://$runtime" DREICHOR_TRADING_TOKEN="$DREICHOR_TRADING_TOKEN" \
  DREICHOR_RUNTIME_CONNECTIONS="${RUNTIME_CONNECTIONS:-4}" DREICHOR_SIGNATURE_WINDOW=30s \
  DREICHOR_KEY_RATE=1000000 DREICHOR_KEY_BURST=1000000 DREICHOR_ADDRESS_RATE=1000000 \
  DREICHOR_ADDRESS_BURST=1000000 DREICHOR_MAX_LAG=30s DREICHOR_MAX_CONNECTIONS=4096 \
  DREICHOR_MAX_BODY_BYTES=16384 DREICHOR_SESSION_QUEUE_BYTES=268435456 DREICHOR_LOGON_DEADLINE=10s DREICHOR_TLS=off \
  DREICHOR_LOG_LEVEL=info \
  ./build/release/gateway/dreichor-gateway >"$work/gateway.log" 2>&1 &
gateway_pid=$!
pids+=("$gateway_pid")
gateway="$(address_of "$work/gateway.log" listening address)"
internal="$(address_of "$work/gateway.log" listening internal_address)"

load() {
  ./build/release/bench/dreichor-gateway-load --runtime "$runtime" --gateway "$gateway" \
    --connections "$connections" --window "$window" "$@"
}
# One order at a time on one connection: what the gateway adds to a single order's round trip.
one_at_a_time() {
  ./build/release/bench/dreichor-gateway-load --runtime "$runtime" --gateway "$gateway" \
    --connections 1 --window 1 "$@"
}
load --seed
until curl -sf "http://$internal/health/ready" >/dev/null; do sleep 0.05; done
# The gateway has applied the keys once the runtime's last record is its applied sequence.
want="$(curl -s "http://$runtime/v1/state" | sed 's/.*"last_sequence":\([0-9]*\).*/\1/')"
until [ "$(curl -s "http://$internal/health/ready" | sed 's/.*"applied_sequence":\([0-9]*\).*/\1/')" -ge "$want" ]; do sleep 0.05; done

cpu_seconds() {  # user + system CPU time of the gateway so far
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' "/proc/$gateway_pid/stat"
}

echo "== machine =="
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== $rounds rounds of $seconds s per mode, $connections connections x $window in flight =="
load --mode direct --duration 1 >/dev/null  # warm-up
for round in $(seq "$rounds"); do
  for mode in direct session rest; do
    before="$(cpu_seconds)"
    result="$(load --mode "$mode" --duration "$seconds")"
    after="$(cpu_seconds)"
    cpu="$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a - b }')"
    echo "${result%\}},\"round\":$round,\"gateway_cpu_s\":$cpu}"
  done
done
echo "== latency: one order at a time, one connection, $rounds rounds of $seconds s =="
for round in $(seq "$rounds"); do
  for mode in direct session; do
    result="$(one_at_a_time --mode "$mode" --duration "$seconds")"
    echo "${result%\}},\"round\":$round}"
  done
done
