#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   builds the fuzz tree (clang, ASan + UBSan) and runs
#                                           each target (all by default) for SECONDS (600), one
#                                           after the other, then prints a table: executions per
#                                           second, coverage (edges), features, corpus size, and
#                                           whether it found a crash.
#   scripts/fuzz.sh --seeds                 rewrites the committed seed corpora (fuzz/corpus/)
#
# Inputs found go to build/fuzz/corpus/<target>/ (kept between runs, so later runs start where
# earlier ones stopped); a crash leaves its input in build/fuzz/findings/<target>/ and is
# reproduced with `build/fuzz/fuzz/fuzz_<target> <that file>`.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset fuzz >/dev/null
cmake --build build/fuzz --target fuzz_targets -j "$(nproc)"

if [ "${1:-}" = "--seeds" ]; then
  rm -rf fuzz/corpus
  build/fuzz/fuzz/dreichor-fuzz-seeds fuzz/corpus .
  echo "fuzz: seed corpora written to fuzz/corpus/"
  exit 0
fi

seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=()
  for f in fuzz/fuzz_*.cc; do
    t=${f#fuzz/fuzz_}
    targets+=("${t%.cc}")
  done
fi

dict_for() {
  case $1 in
    command_json | access_token | jwks | container_engine | engine_gate)
      echo "-dict=fuzz/dict/json.dict" ;;
    http_request) echo "-dict=fuzz/dict/http.dict" ;;
  esac
}

summary=$(mktemp)  # one per invocation: two can run side by side, one target each core
trap 'rm -f "$summary"' EXIT
printf "%-18s %10s %8s %8s %8s %s\n" target "exec/s" edges features corpus result >"$summary"
failed=0
for t in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$t findings=build/fuzz/findings/$t log=build/fuzz/$t.log
  mkdir -p "$corpus" "$findings"
  echo "== fuzz_$t for ${seconds}s =="
  result=ok
  # shellcheck disable=SC2046 # the dictionary option is one word or none
  if ! "build/fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$findings/" $(dict_for "$t") \
      "$corpus" "fuzz/corpus/$t" >"$log" 2>&1; then
    result="CRASH (see $log, input in $findings/)"
    failed=1
  fi
  execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  edges=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  features=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  files=$(find "$corpus" -type f | wc -l)
  printf "%-18s %10s %8s %8s %8s %s\n" "$t" "${execs:-?}" "${edges:-?}" "${features:-?}" "$files" \
    "$result" >>"$summary"
done
cat "$summary"
exit $failed
