#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan + UBSan in their own build directory and
# runs each for SECONDS (default 600). Usage: fuzz/run.sh [SECONDS] [TARGET...]
# Targets: fuzz_html fuzz_text fuzz_fields fuzz_reader fuzz_http_request fuzz_warc fuzz_feed (default:
# all, one after the other).
# Seeds come from fuzz/corpus/<name>/ (read-only); inputs libFuzzer finds go to
# $BUILD_DIR/corpus/<name>/; crashes and leaks to $BUILD_DIR/artifacts/. Exit status is
# non-zero when any target reports a crash, leak or sanitizer error.
set -euo pipefail
seconds="${1:-600}"
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(fuzz_html fuzz_text fuzz_fields fuzz_reader fuzz_http_request fuzz_warc fuzz_feed)
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$repo/build-fuzz}"
command -v clang++ >/dev/null || { echo "needs clang: apt-get install -y clang" >&2; exit 1; }

sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_FLAGS="$sanitizers -fsanitize=fuzzer-no-link" \
  -DCMAKE_CXX_FLAGS="$sanitizers -fsanitize=fuzzer-no-link" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" \
  -DNEWSFLOW_BUILD_FUZZERS=ON -DNEWSFLOW_BUILD_TESTS=OFF -DNEWSFLOW_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" --target "${targets[@]}" -j"${JOBS:-2}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for target in "${targets[@]}"; do
  name="${target#fuzz_}"
  mkdir -p "$build/corpus/$name" "$build/artifacts"
  max_len=4096
  [[ $name == html || $name == reader || $name == warc || $name == feed ]] && max_len=65536
  echo "== $target for ${seconds}s"
  if ! "$build/fuzz/$target" "$build/corpus/$name" "$repo/fuzz/corpus/$name" \
      -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
      2>"$build/$target.log"; then
    echo "$target: FAILED, see $build/$target.log and $build/artifacts/" >&2
    status=1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)|ERROR|SUMMARY' \
    "$build/$target.log" || true
done
exit "$status"
