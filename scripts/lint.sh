#!/usr/bin/env bash
# Lints what is not C++: every YAML file (yamllint, .yamllint), every shell script (shellcheck),
# the compose files (docker-compose config: the schema, and that the prod file refuses to run
# without an image digest), and the monitoring configuration (promtool: the Prometheus
# configuration, the alert rules and their unit tests; amtool: Alertmanager's;
# scripts/check_monitoring.py: runbooks, dashboards, the log shippers, the OpenTelemetry
# Collector, the monitoring stack's versions), the OpenAPI documents (Redocly,
# scripts/lint_openapi.sh), and the CI pipelines, the image policy and a secret scan of the tree
# (scripts/lint_ci.sh). Part of the test command.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t yaml_files < <(git ls-files '*.yml' '*.yaml' .yamllint 2>/dev/null || true)
mapfile -t shell_files < <(git ls-files '*.sh' .ci/run 2>/dev/null || true)

yamllint --strict "${yaml_files[@]}"
shellcheck "${shell_files[@]}"

compose() {  # compose FILE: prints the resolved configuration, or fails
  docker-compose -f "$1" config -q
}
env_file=$(mktemp)
trap 'rm -f "$env_file"' EXIT
export DREICHOR_RUNTIME_ENV_FILE=$env_file
compose docker-compose.yml
COMPOSE_PROFILES=monitoring compose docker-compose.yml
GRAFANA_ADMIN_PASSWORD_FILE=$env_file compose infra/compose/docker-compose.monitoring.yml
digest=sha256:$(printf '%064d' 0)
export DREICHOR_GATEWAY_ENV_FILE=$env_file
export DREICHOR_RUNTIME_IMAGE=registry.example/dreichor/runtime
export DREICHOR_GATEWAY_IMAGE=registry.example/dreichor/gateway
DREICHOR_RUNTIME_DIGEST=$digest DREICHOR_GATEWAY_DIGEST=$digest \
  compose infra/compose/docker-compose.prod.yml
for pin in DREICHOR_RUNTIME_DIGEST DREICHOR_GATEWAY_DIGEST; do
  if env DREICHOR_RUNTIME_DIGEST="$digest" DREICHOR_GATEWAY_DIGEST="$digest" -u "$pin" \
    docker-compose -f infra/compose/docker-compose.prod.yml config -q 2>/dev/null; then
    echo "lint: docker-compose.prod.yml accepted a missing $pin" >&2
    exit 1
  fi
done
# Prod runs what was recorded, never what a name points at now: its image is pinned by digest,
# and no prod file may name `latest`.
prod_files=(infra/compose/docker-compose.prod.yml infra/env/prod/* infra/env/staging/*)
if grep -n -i -w latest "${prod_files[@]}"; then
  echo "lint: a prod file names latest (above)" >&2
  exit 1
fi
for service in RUNTIME GATEWAY; do
  if ! grep -q -E "^ +image: .*@\\\$\\{DREICHOR_${service}_DIGEST" infra/compose/docker-compose.prod.yml; then
    echo "lint: docker-compose.prod.yml does not pin the ${service,,} image by digest" >&2
    exit 1
  fi
done
monitoring=infra/monitoring
promtool check config --lint=all "$monitoring/prometheus/prometheus.yml" >/dev/null
promtool test rules "$monitoring/prometheus/alert-rules.test.yml" >/dev/null
amtool check-config "$monitoring/alertmanager/alertmanager.yml" >/dev/null
# The local stack's Prometheus reads the production rules at their path inside its container.
local_prometheus=$(mktemp -d)
trap 'rm -rf "$env_file" "$local_prometheus"' EXIT
cp "$monitoring/prometheus/alert-rules.yml" "$local_prometheus/"
sed "s|/etc/dreichor/alert-rules.yml|$local_prometheus/alert-rules.yml|" \
  infra/compose/local/prometheus.yml > "$local_prometheus/prometheus.yml"
promtool check config --lint=all "$local_prometheus/prometheus.yml" >/dev/null
amtool check-config infra/compose/local/alertmanager.yml >/dev/null
python3 scripts/check_monitoring.py
./scripts/lint_openapi.sh >/dev/null
./scripts/lint_ci.sh
echo "lint: ${#yaml_files[@]} YAML files, ${#shell_files[@]} shell scripts, 4 compose configurations, the monitoring configuration, the OpenAPI documents clean"
