#!/usr/bin/env bash
# Builds the Release configuration and runs the engine benchmarks: the standalone workload
# (throughput, latency percentiles, memory; docs/benchmarks.md) and the Google Benchmark
# microbenchmarks. Extra arguments go to dreichor-engine-bench, e.g. --commands 10000000.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target dreichor-engine-bench engine_microbench

echo "== machine =="
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== dreichor-engine-bench =="
./build/release/bench/dreichor-engine-bench "$@"
echo "== microbenchmarks =="
./build/release/bench/engine_microbench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
