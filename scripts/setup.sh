#!/usr/bin/env bash
# Installs every Debian package that building and testing Dreichor needs.
# Idempotent: when everything is already installed it changes nothing and asks no mirror.
# Podman (with runc and netavark) and docker-registry are for the deploy agent's integration
# test, which runs a real container engine and a real registry on loopback.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang-format
  libssl-dev libzstd-dev libcli11-dev libboost-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  prometheus curl
  postgresql libpq-dev
  libcurl4-openssl-dev
  podman runc netavark aardvark-dns iptables catatonit docker-registry
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
