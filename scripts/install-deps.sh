#!/usr/bin/env bash
# Installs the Debian bookworm packages newsflow needs (only the missing ones).
# Java and Maven are needed by deploy/kafka.sh to fetch and run the local Kafka broker;
# prometheus (with promtool), chromium and chromium-driver by the tests of deploy/prometheus,
# deploy/grafana and the dashboard page; python3-venv by the Python client's tests.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  librdkafka-dev libprotobuf-dev protobuf-compiler libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libsimdjson-dev libcli11-dev libutf8proc-dev libgumbo-dev libcld2-dev libxxhash-dev libfasttext-dev
  libcpp-httplib-dev libtomlplusplus-dev libssl-dev
  zlib1g-dev libisal-dev libxml2-dev libpugixml-dev libpsl-dev libcurl4-openssl-dev libsqlite3-dev
  libgoogle-perftools-dev
  python3 python3-venv curl
  prometheus chromium chromium-driver
)
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || packages+=(maven)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present" >&2
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
