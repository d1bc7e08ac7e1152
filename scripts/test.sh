#!/usr/bin/env bash
# Runs the whole test suite on this machine: installs missing packages, builds, fetches the
# Kafka broker (deploy/kafka.sh), then runs every ctest test — unit tests, CLI tests, and the
# integration tests against a real broker that ctest starts on port 19092 and stops again.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -L unit or -R dedupe]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NEWSFLOW_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/deploy/kafka.sh" fetch
cd "$build"
ctest --output-on-failure --timeout 1500 -j "$(nproc)" "$@"
