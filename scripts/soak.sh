#!/usr/bin/env bash
# Soak: the runtime (Release, file backend, snapshots on) under half of its measured maximum
# load for a long time, killed with SIGKILL and restarted every few minutes.
#
#   scripts/soak.sh [MINUTES, default 30] [KILL_EVERY_MINUTES, default 3]
#
# First a 20 s closed-loop run measures the most the runtime takes on this machine; the soak then
# offers half of it at a fixed rate. Each minute it samples the runtime's resident memory, its
# open file descriptors, the audit log's bytes per record and the minute's p99 latency (corrected
# for coordinated omission, bench/load_main.cc), one line each in $work/soak.tsv. Every
# KILL_EVERY_MINUTES, the runtime is killed with SIGKILL 30 s into a minute of load; the load
# generator reports the highest sequence the runtime acknowledged, and after the restart the
# recovered log must reach it (no acknowledged command lost). At the end the runtime is stopped
# gracefully and its final state hash must equal that of an independent replay of the log from
# its first record (`dreichor replay`, no snapshots). docs/benchmarks.md has the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-30}"
kill_every="${2:-3}"

./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release -j "$(nproc)" --target dreichor-runtime dreichor-load dreichor
bin=build/release

work="$(mktemp -d)"
runtime_pid=""
cleanup() {
  if [ -n "$runtime_pid" ]; then kill -9 "$runtime_pid" 2>/dev/null || true; fi
  echo "soak: files kept in $work"
}
trap cleanup EXIT

DREICHOR_ADMIN_TOKEN="soak-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DREICHOR_ADMIN_TOKEN
starts=0
address=""

start_runtime() {
  starts=$((starts + 1))
  local log="$work/runtime-$starts.log"
  env -i PATH="$PATH" DREICHOR_ADMIN_TOKEN="$DREICHOR_ADMIN_TOKEN" \
    DREICHOR_ENV=dev DREICHOR_LISTEN=127.0.0.1:0 DREICHOR_AUDIT_BACKEND=file \
    DREICHOR_AUDIT_DIR="$work/audit-events" DREICHOR_AUDIT_SEGMENT_BYTES=16777216 \
    DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND=8388608 \
    DREICHOR_SNAPSHOT_DIR="$work/snapshots" DREICHOR_SNAPSHOT_EVERY=200000 DREICHOR_SNAPSHOT_RETAIN=2 \
    DREICHOR_SHUTDOWN_DEADLINE=30s DREICHOR_MAX_BODY_BYTES=65536 DREICHOR_MAX_CONNECTIONS=1024 \
    DREICHOR_LOG_LEVEL=info DREICHOR_OTLP_TRACES_URL=none "$bin/service/dreichor-runtime" >"$log" 2>&1 &
  runtime_pid=$!
  address=""
  for _ in $(seq 1200); do
    address="$(grep -o '"msg":"health endpoints open"[^}]*"address":"[^"]*"' "$log" 2>/dev/null |
      sed 's/.*"address":"//; s/"$//' || true)"
    [ -n "$address" ] && break
    sleep 0.05
  done
  [ -n "$address" ] || { cat "$log"; exit 1; }
  until "$bin/service/dreichor-runtime" healthcheck --address "$address" >/dev/null 2>&1; do
    kill -0 "$runtime_pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
  done
}

metric() {  # metric NAME: its value from /metrics
  curl -sf "http://$address/metrics" | awk -v n="$1" '$1 == n { printf "%d\n", $2 }'
}
json_field() {  # json_field NAME < json: a top-level number or boolean
  sed -n "s/.*\"$1\":\([0-9.a-z]*\).*/\1/p"
}
p99_of() { sed -n 's/.*"p99":\([0-9.]*\).*/\1/p'; }

start_runtime
"$bin/bench/dreichor-load" --address "$address" --connections 4 --duration 0.5 --warmup 0 --seed >/dev/null
max_rate="$("$bin/bench/dreichor-load" --address "$address" --connections 64 --duration 20 |
  json_field throughput_per_s)"
rate=$((max_rate / 2))
echo "soak: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "soak: the runtime takes at most $max_rate orders/s here; offering $rate/s for $minutes min"

tsv="$work/soak.tsv"
printf "minute\trss_kib\tfds\taudit_bytes\tlast_sequence\tbytes_per_record\tp99_ms\tevent\n" >"$tsv"
kills=0 lost=0
for minute in $(seq 1 "$minutes"); do
  event="-"
  if [ $((minute % kill_every)) -eq 0 ]; then
    out="$work/load-$minute.json"
    "$bin/bench/dreichor-load" --address "$address" --connections 64 --rate "$rate" \
      --duration 60 --warmup 0 >"$out" 2>/dev/null &
    load_pid=$!
    sleep 30
    kill -9 "$runtime_pid"
    wait "$runtime_pid" 2>/dev/null || true
    wait "$load_pid" || true
    acknowledged="$(json_field max_acknowledged_sequence <"$out")"
    start_runtime
    recovered="$(metric dreichor_last_sequence)"
    kills=$((kills + 1))
    if [ "$recovered" -lt "$acknowledged" ]; then
      lost=$((lost + acknowledged - recovered))
      event="KILLED: acknowledged $acknowledged, recovered only $recovered"
    else
      event="killed: acknowledged $acknowledged, recovered $recovered"
    fi
    p99="$(p99_of <"$out")"
  else
    p99="$("$bin/bench/dreichor-load" --address "$address" --connections 64 --rate "$rate" \
      --duration 58 --warmup 0 | p99_of)"
  fi
  rss="$(awk '/VmRSS/ { print $2 }' "/proc/$runtime_pid/status")"
  fds="$(find "/proc/$runtime_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)"
  bytes="$(du -sb "$work/audit-events" | cut -f1)"
  last="$(metric dreichor_last_sequence)"
  per_record=$((last > 0 ? bytes / last : 0))
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$minute" "$rss" "$fds" "$bytes" "$last" "$per_record" \
    "$p99" "$event" | tee -a "$tsv"
done

# A graceful stop, then an independent replay of the whole log from its first record.
kill -TERM "$runtime_pid"
wait "$runtime_pid" || true
runtime_pid=""
stopped="$(grep '"msg":"stopped"' "$work/runtime-$starts.log")"
final_state="$(echo "$stopped" | sed -n 's/.*"state_hash":"\([0-9a-f]*\)".*/\1/p')"
final_sequence="$(echo "$stopped" | json_field last_sequence)"
replayed="$("$bin/cli/dreichor" replay "$work/audit-events")"
replayed_state="$(echo "$replayed" | sed -n 's/^state //p')"
replayed_sequence="$(echo "$replayed" | sed -n 's/^sequence //p')"
echo "soak: $kills kills and restarts, $lost acknowledged commands lost"
echo "soak: final sequence $final_sequence, state $final_state"
echo "soak: independent replay: sequence $replayed_sequence, state $replayed_state"
if [ "$lost" -ne 0 ] || [ "$final_state" != "$replayed_state" ] ||
  [ "$final_sequence" != "$replayed_sequence" ]; then
  echo "soak: FAILED" >&2
  exit 1
fi
echo "soak: ok"
