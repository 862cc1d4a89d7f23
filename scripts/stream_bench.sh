#!/usr/bin/env bash
# Record stream and follower benchmarks (docs/benchmarks.md, "Streams and followers"): starts a
# Release dreichor-runtime and a dreichor-marketdata follower in a temporary directory and measures
#   1. the leader's order throughput (closed loop, pipelined) with 0 and with 4 record-stream
#      subscribers, alternating, three pairs; then its latency at a fixed rate below the maximum;
#   2. the follower's apply delay (leader's stamp to applied) at a fixed 50,000 orders/s;
#   3. one follower fanning depth updates out to 1,000 market-data WebSocket subscribers.
#   scripts/stream_bench.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"

./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" \
  --target dreichor-runtime dreichor-marketdata dreichor-load dreichor-stream-load
ulimit -n "$(ulimit -Hn)"  # 1,000 subscribers and the follower's side of them

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The address a service logs as listening ("msg":"<message>","address":"host:port").
address_of() {
  local log="$1" msg="$2" address=""
  for _ in $(seq 400); do
    address="$(grep -o "\"msg\":\"$msg\"[^}]*\"address\":\"[^\"]*\"" "$log" 2>/dev/null |
      sed 's/.*"address":"//; s/"$//' || true)"
    [ -n "$address" ] && break
    sleep 0.05
  done
  [ -n "$address" ] || { cat "$log" >&2; exit 1; }
  echo "$address"
}

DREICHOR_ADMIN_TOKEN="stream-bench-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DREICHOR_ADMIN_TOKEN
env -i PATH="$PATH" DREICHOR_ADMIN_TOKEN="$DREICHOR_ADMIN_TOKEN" \
  DREICHOR_ENV=dev DREICHOR_LISTEN=127.0.0.1:0 DREICHOR_AUDIT_BACKEND=file \
  DREICHOR_AUDIT_DIR="$work/audit-events" DREICHOR_AUDIT_SEGMENT_BYTES=67108864 \
  DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND=8388608 \
  DREICHOR_SNAPSHOT_DIR="$work/snapshots" DREICHOR_SNAPSHOT_EVERY=1000000 DREICHOR_SNAPSHOT_RETAIN=2 \
  DREICHOR_SHUTDOWN_DEADLINE=30s DREICHOR_MAX_BODY_BYTES=65536 DREICHOR_MAX_CONNECTIONS=1024 \
  DREICHOR_LOG_LEVEL=info DREICHOR_OTLP_TRACES_URL=none \
  ./build/release/service/dreichor-runtime >"$work/runtime.log" 2>&1 &
pids+=($!)
leader="$(address_of "$work/runtime.log" "health endpoints open")"
until ./build/release/service/dreichor-runtime healthcheck --address "$leader" >/dev/null 2>&1; do
  sleep 0.05
done

load() { ./build/release/bench/dreichor-load --address "$leader" --duration "$seconds" "$@"; }
rate_of() { sed 's/.*"throughput_per_s":\([0-9]*\).*/\1/'; }

echo "== machine =="
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
./build/release/bench/dreichor-load --address "$leader" --connections 4 --duration 0.5 --warmup 0 --seed >/dev/null

echo "== 1. leader throughput, closed loop, 32 connections x 16 pipelined: 0 vs 4 subscribers =="
for pair in 1 2 3; do
  zero="$(load --connections 32 --pipeline 16 | rate_of)"
  ./build/release/bench/dreichor-stream-load --address "$leader" --path /v1/stream \
    --subscribers 4 --warmup 1 --duration "$((seconds + 1))" >"$work/subscribers.json" &
  sub=$!
  sleep 1
  four="$(load --connections 32 --pipeline 16 | rate_of)"
  wait "$sub" || true
  echo "pair $pair: 0 subscribers $zero/s, 4 subscribers $four/s; the subscribers: $(cat "$work/subscribers.json")"
done

ready() {
  until DREICHOR_LISTEN="$follower" ./build/release/marketdata/dreichor-marketdata healthcheck \
    >/dev/null 2>&1; do sleep 0.1; done
}

echo "== 1b. the same at a fixed 30,000 orders/s (below the maximum): latency with 0 vs 4 =="
p99_of() { sed 's/.*"p99":\([0-9.]*\).*/\1/'; }
for pair in 1 2 3; do
  zero="$(load --connections 64 --pipeline 8 --rate 30000 | p99_of)"
  ./build/release/bench/dreichor-stream-load --address "$leader" --path /v1/stream \
    --subscribers 4 --warmup 1 --duration "$((seconds + 1))" >"$work/subscribers.json" &
  sub=$!
  sleep 1
  four="$(load --connections 64 --pipeline 8 --rate 30000 | p99_of)"
  wait "$sub" || true
  echo "pair $pair: p99 with 0 subscribers ${zero} ms, with 4 subscribers ${four} ms"
done

echo "== 2. follower apply delay at fixed rates (20,000 and the goal's 50,000 orders/s) =="
env -i PATH="$PATH" DREICHOR_ENV=dev DREICHOR_LISTEN=127.0.0.1:0 \
  DREICHOR_LEADER_URL="http://$leader" DREICHOR_SNAPSHOT_DIR="$work/follower" \
  DREICHOR_SNAPSHOT_EVERY=0 DREICHOR_MAX_LAG=5s DREICHOR_MAX_CONNECTIONS=4096 \
  DREICHOR_SUBSCRIBER_QUEUE_BYTES=16777216 DREICHOR_LOG_LEVEL=info \
  ./build/release/marketdata/dreichor-marketdata >"$work/follower.log" 2>&1 &
pids+=($!)
follower="$(address_of "$work/follower.log" "listening")"
for rate in 20000 50000; do
ready
curl -s "http://$follower/metrics" >"$work/before.prom"
load --connections 64 --pipeline 8 --rate "$rate"
curl -s "http://$follower/metrics" >"$work/after.prom"
python3 - "$work/before.prom" "$work/after.prom" <<'EOF'
import re, sys
def buckets(path):
    out = {}
    for line in open(path):
        m = re.match(r'dreichor_marketdata_apply_delay_seconds_bucket\{le="([^"]+)"\} (\d+)', line)
        if m:
            out[float('inf') if m.group(1) == '+Inf' else float(m.group(1))] = int(m.group(2))
    return out
before, after = buckets(sys.argv[1]), buckets(sys.argv[2])
bounds = sorted(after)
delta = [(b, after[b] - before.get(b, 0)) for b in bounds]
total = delta[-1][1]
def quantile(q):
    prev_bound, prev_count = 0.0, 0
    for bound, count in delta:
        if count >= q * total:
            if bound == float('inf'):
                return '> %.1f ms' % (prev_bound * 1000)
            share = (q * total - prev_count) / max(count - prev_count, 1)
            return '%.2f ms' % ((prev_bound + share * (bound - prev_bound)) * 1000)
        prev_bound, prev_count = bound, count
print('records applied: %d; apply delay p50 %s, p99 %s, p99.9 %s (interpolated in buckets)'
      % (total, quantile(0.5), quantile(0.99), quantile(0.999)))
EOF
grep -E '^dreichor_marketdata_(lag_records|diverged|subscriptions_total) ' "$work/after.prom"
done

echo "== 3. one follower fanning depth out to 1,000 market-data subscribers =="
for rate in 250 500 1000; do
  ready
  ./build/release/bench/dreichor-stream-load --address "$follower" --path /v1/market-data \
    --subscribers 1000 --subscribe '{"op":"subscribe","channel":"depth","market":1}' \
    --warmup 2 --duration "$seconds" >"$work/fanout.json" &
  fan=$!
  sleep 2
  load --connections 8 --rate "$rate" >/dev/null
  wait "$fan" || true
  echo "orders $rate/s into the leader: $(cat "$work/fanout.json")"
done
grep -E '^dreichor_marketdata_dropped_slow_total ' <(curl -s "http://$follower/metrics")
