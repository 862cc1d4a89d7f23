#!/usr/bin/env bash
# Checks every example env file, infra/env/<env>/<service>.env for dev, staging, prod and the
# local stack, with the service's own `env check` (the configuration loader it runs at start).
# The examples hold no secret: each secret variable of the service's schema is appended here with
# a value made for the run (a random token, a fresh checkpoint key, a database URL naming the
# environment's runtime role), so the check also proves that the example plus the secret store's
# entries is a complete configuration. A secret variable in an example (other than `none`, a link
# turned off) fails the check.
#
#   scripts/check_env_examples.sh BUILD_DIR      (ctest runs it: env_examples_check)
set -euo pipefail
bin=${1:?usage: check_env_examples.sh BUILD_DIR}
cd "$(dirname "$0")/.."

declare -A program=(
  [runtime]=service/dreichor-runtime [gateway]=gateway/dreichor-gateway
  [marketdata]=marketdata/dreichor-marketdata [agent]=deploy/dreichor-deploy-agent
  [engine-gate]=deploy/dreichor-engine-gate
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

secret_for() {  # secret_for VAR ENV: a value for the run, never stored
  local var=$1 env=$2 db=$2
  [ "$db" = local ] && db=dev
  case "$var" in
    *_TOKEN) openssl rand -hex 24 ;;
    DREICHOR_CHECKPOINT_KEY)
      "$bin/cli/dreichor" audit keygen --origin "dreichor.example/$env/audit" \
        --secret-file "$work/key-$env" >/dev/null
      cat "$work/key-$env" && rm -f "$work/key-$env" ;;
    DREICHOR_DATABASE_URL)
      echo "postgres://dreichor_${db}_runtime:$(openssl rand -hex 16)@10.89.1.1:5432/dreichor_${db}" ;;
    *) echo "check_env_examples: no way to make a value for secret $var" >&2; return 1 ;;
  esac
}

checked=0
for dir in infra/env/dev infra/env/staging infra/env/prod infra/env/local; do
  env=$(basename "$dir")
  for file in "$dir"/*.env; do
    service=$(basename "$file" .env)
    prog=$bin/${program[$service]:?"$file: no service named $service"}
    # The schema document's rows: | `NAME` | type | required | secret | meaning | example |
    mapfile -t secrets < <("$prog" env-schema | awk -F'|' '$5 ~ /yes/ { gsub(/[ `]/, "", $2); print $2 }')
    full=$work/$env-$service.env
    cp "$file" "$full"
    for var in "${secrets[@]}"; do
      if grep -q "^$var=" "$file"; then
        if [ "$(grep "^$var=" "$file" | cut -d= -f2-)" != none ]; then
          echo "check_env_examples: $file holds the secret $var" >&2
          exit 1
        fi
        continue
      fi
      printf '%s=%s\n' "$var" "$(secret_for "$var" "$env")" >> "$full"
    done
    if ! "$prog" env check "$full" >/dev/null 2>"$work/problems"; then
      echo "check_env_examples: $file is refused by ${program[$service]##*/} env check:" >&2
      sed "s|$full|$file|" "$work/problems" >&2
      exit 1
    fi
    checked=$((checked + 1))
  done
done
echo "check_env_examples: $checked example files pass their service's env check"
