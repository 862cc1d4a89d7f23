#!/usr/bin/env bash
# Installs every Debian package that building and testing Dreichor needs.
# Idempotent: when everything is already installed it changes nothing and asks no mirror.
#
#   scripts/setup.sh               the programs, the tests and the servers the tests start
#   scripts/setup.sh --build-only  only what compiling the programs needs (the image builds)
#
# The test servers: PostgreSQL; Prometheus, Alertmanager and node_exporter (with PyYAML to read
# the rules); Podman (with runc and netavark) and
# docker-registry for the deploy agent's integration test, which runs a real container engine
# and a real registry on loopback, and mmdebstrap for the end-to-end run's Debian base image;
# yamllint, shellcheck and docker-compose for scripts/lint.sh; clang with its libFuzzer runtime for
# the fuzz targets (scripts/fuzz.sh); Node.js with the `ws` package for the independent clients of
# the follower's and the gateway's tests, and npm for Redocly's OpenAPI linter
# (scripts/lint_openapi.sh) and the CI checks (scripts/lint_ci.sh); Python's `cryptography` and the
# openssl command for the gateway's example client and its TLS test; lintian for the Debian
# packages, which cpack makes with dpkg-dev's dpkg-shlibdeps and `file`.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config dpkg-dev file
  libssl-dev libzstd-dev libcli11-dev libboost-dev nlohmann-json3-dev libpq-dev
  libcurl4-openssl-dev libsimdjson-dev
)
test_packages=(
  git clang-format clang libclang-rt-14-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  prometheus prometheus-alertmanager prometheus-node-exporter python3-yaml curl postgresql
  podman runc netavark aardvark-dns iptables nftables catatonit docker-registry
  yamllint shellcheck docker-compose mmdebstrap nodejs node-ws python3-cryptography openssl
  lintian
)

case "${1:-}" in
  --build-only) packages=("${build_packages[@]}") ;;
  "") packages=("${build_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 [--build-only]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# npm comes with some Node.js builds and is a package of its own in Debian's.
if [ "${1:-}" != --build-only ] && ! command -v npm >/dev/null; then
  missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
