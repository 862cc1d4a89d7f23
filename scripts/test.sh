#!/usr/bin/env bash
# The test command.
#
#   scripts/test.sh           the whole suite, what CI runs: installs what is missing, checks
#                             formatting, lints the YAML, shell and compose files, then builds and
#                             tests three trees: AddressSanitizer + UndefinedBehaviorSanitizer (the
#                             unit and integration tiers), the fuzz tree (every libFuzzer target
#                             for a few seconds, docs/fuzzing.md) and Release (every tier, the
#                             system tier's containers, registry and end-to-end run included).
#   scripts/test.sh --quick   the edit-test loop: builds Release and runs the unit tier only.
#
# Tiers are ctest labels (cmake/DreichorTest.cmake): `ctest -L unit|integration|system`.
# The run ends with ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
case "${1:-}" in
  --quick) quick=true ;;
  "") ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

jobs=$(nproc)

build() {  # build DIR CMAKE_ARGS...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

if $quick; then
  build build/release -DCMAKE_BUILD_TYPE=Release
  exec ctest --test-dir build/release -j "$jobs" -L unit --output-on-failure --timeout 300
fi

./scripts/setup.sh
./scripts/format.sh
./scripts/lint.sh

build build/release -DCMAKE_BUILD_TYPE=Release
# -O1 -g1: what the sanitizers need for speed and for stack traces with lines, built faster than
# -O2 -g; and without NDEBUG, so that the libraries' own assertions (Boost.Beast's, Asio's) are
# checked as well.
build build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DDREICHOR_SANITIZE=ON

echo "== sanitizer build (address, undefined): unit and integration tiers =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan -j "$jobs" -L "unit|integration" --output-on-failure --timeout 900
echo "== fuzz targets (clang, ASan + UBSan): a short run of each =="
cmake --preset fuzz >/dev/null
cmake --build build/fuzz --target fuzz_targets -j "$jobs"
ctest --test-dir build/fuzz -j "$jobs" -L fuzz --output-on-failure --timeout 300
echo "== release build: every tier =="
ctest --test-dir build/release -j "$jobs" --output-on-failure --timeout 900
