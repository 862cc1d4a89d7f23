#!/usr/bin/env bash
# Builds the Release configuration and runs the benchmarks of docs/benchmarks.md: the engine
# workload (throughput, latency percentiles, memory), the engine microbenchmarks, durable append
# and replay, startup on a 10-million-record log, and both audit backends side by side. Extra
# arguments go to dreichor-engine-bench, e.g. --commands 10000000. (The service: load.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target dreichor-engine-bench engine_microbench \
  audit_microbench dreichor-audit-bench postgres_microbench

echo "== machine =="
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== dreichor-engine-bench =="
./build/release/bench/dreichor-engine-bench "$@"
echo "== engine microbenchmarks =="
./build/release/bench/engine_microbench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
echo "== durable append and replay =="
./build/release/bench/audit_microbench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
echo "== startup on a 10-million-record log =="
./build/release/bench/dreichor-audit-bench --records 10000000
echo "== file and PostgreSQL backends, same run =="
./build/release/bench/postgres_microbench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
