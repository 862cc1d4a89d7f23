#!/usr/bin/env bash
# The whole test suite: installs what is missing, checks formatting, lints the YAML, shell and
# compose files, then builds and runs every test twice: a Release build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build.
# The run ends with ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/format.sh
./scripts/lint.sh

jobs=$(nproc)

build() {  # build DIR CMAKE_ARGS...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

build build/release -DCMAKE_BUILD_TYPE=Release
build build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDREICHOR_SANITIZE=ON

echo "== sanitizer build (address, undefined) =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan -j "$jobs" --output-on-failure --timeout 900
echo "== release build =="
ctest --test-dir build/release -j "$jobs" --output-on-failure --timeout 900
