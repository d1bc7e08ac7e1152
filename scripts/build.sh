#!/usr/bin/env bash
# Configures and builds newsflow into build/ (or $NEWSFLOW_BUILD_DIR). Extra arguments are
# passed to `cmake --build` (e.g. --target newsflow).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NEWSFLOW_BUILD_DIR:-$root/build}"
jobs="${NEWSFLOW_JOBS:-$(nproc)}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${NEWSFLOW_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build" -j "$jobs" "$@"
