#!/usr/bin/env bash
# End-to-end latency through the real local broker at a fixed offered rate: starts
# `newsflow process` as a service on fresh topics, waits for /readyz, warms it up with
# RATE x WARMUP articles, starts `newsflow consume --latency` on the enriched topic
# (read_committed; it measures only records sent after it started), publishes RATE x SECONDS
# distinct 3-5 KB articles (bench/make_articles.py) with `newsflow produce --rate`, waits
# until the processor has committed them all, stops everything and prints the latency
# percentiles: consumer receive time minus the producer's send time (ingested_at_ms).
# Usage: bench/latency.sh [--rate N] [--seconds S] [--warmup S] [--brokers HOST:PORT]
#                         [--guarantee exactly-once|at-least-once] [-- EXTRA PROCESS FLAGS]
#   defaults: 1000 articles/s for 60 s after a 5 s warm-up, local broker, exactly-once.
#   Flags after `--` go to `newsflow process` (e.g. -- --batch-size 100).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rate=1000
seconds=60
warmup=5
brokers=""
guarantee=exactly-once
process_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --brokers) brokers="$2"; shift 2 ;;
    --guarantee) guarantee="$2"; shift 2 ;;
    --) shift; process_extra=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "latency: unknown argument $1" >&2; exit 2 ;;
  esac
done
newsflow="${NEWSFLOW_BUILD_DIR:-$root/build}/cli/newsflow"
[ -x "$newsflow" ] || "$root/scripts/build.sh" --target newsflow
if [ -z "$brokers" ]; then
  "$root/deploy/kafka.sh" start --port 9092 >&2
  brokers=127.0.0.1:9092
fi
count() { python3 -c "import sys; print(round(float(sys.argv[1]) * float(sys.argv[2])))" "$@"; }
articles=$(count "$rate" "$seconds")
warmup_articles=$(count "$rate" "$warmup")
work="$(mktemp -d)"
process_pid=""
consume_pid=""
cleanup() {
  # Only the processes this script started, by their ids.
  for pid in $consume_pid $process_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
echo "latency: generating $warmup_articles + $articles articles" >&2
python3 "$root/bench/make_articles.py" "$root/data/samples/newsroom_samples.jsonl" \
  $((warmup_articles + articles)) >"$work/all.jsonl"
head -n "$warmup_articles" "$work/all.jsonl" >"$work/warmup.jsonl"
tail -n +$((warmup_articles + 1)) "$work/all.jsonl" >"$work/articles.jsonl"
run="latency-$(date +%s)"
topics=(--brokers "$brokers" --raw-topic "$run.raw" --enriched-topic "$run.enriched"
        --dlq-topic "$run.dlq")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
metrics() { curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null || true; }
# Sum of a metric's samples whose line matches the given pattern (0 when absent).
metric_sum() { metrics | awk -v p="$1" '$0 !~ /^#/ && $0 ~ p { s += $NF } END { printf "%.6f\n", s + 0 }'; }
# Waits (up to 120 s) until the processor has committed N records (enriched or dead-lettered).
done_count=0
wait_committed() {
  for _ in $(seq 1 1200); do
    done_count=$(metric_sum "^newsflow_records_committed_total[{]topic=\"$run[.](enriched|dlq)\"")
    python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= int(sys.argv[2]) else 1)" \
      "$done_count" "$1" && return 0
    sleep 0.1
  done
  echo "latency: WARNING: only $done_count of $1 records committed after 120 s" >&2
}

"$newsflow" process "${topics[@]}" --group "$run" --guarantee "$guarantee" --http-port "$port" \
  --progress-interval 0 ${process_extra[@]+"${process_extra[@]}"} >"$work/process.log" 2>&1 &
process_pid=$!
for _ in $(seq 1 600); do  # up to 120 s: a restarted broker may still be settling
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$process_pid" 2>/dev/null || { cat "$work/process.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || {
  echo "latency: processor not ready after 120 s" >&2; cat "$work/process.log" >&2; exit 1; }

if [ "$warmup_articles" -gt 0 ]; then
  echo "latency: warming up with $warmup_articles articles at $rate/s" >&2
  "$newsflow" produce "${topics[@]}" --rate "$rate" --progress-interval 0 "$work/warmup.jsonl"
  wait_committed "$warmup_articles"
fi

"$newsflow" consume --brokers "$brokers" --topic "$run.enriched" --group "$run-latency" \
  --latency --follow >"$work/latency.txt" 2>"$work/consume.log" &
consume_pid=$!
sleep 3  # the consumer joins its group (initial rebalance delay 0 on the local broker)

echo "latency: producing $articles articles at $rate/s (processor: $guarantee ${process_extra[*]-})" >&2
start=$(date +%s.%N)
"$newsflow" produce "${topics[@]}" --rate "$rate" --progress-interval 0 "$work/articles.jsonl"
end=$(date +%s.%N)

wait_committed $((warmup_articles + articles))
sleep 2  # the latency consumer's last fetch
commit_sum=$(metric_sum '^newsflow_batch_commit_seconds_sum')
commit_count=$(metric_sum '^newsflow_batch_commit_seconds_count')
kill -INT "$consume_pid"
wait "$consume_pid" || true
consume_pid=""
kill -TERM "$process_pid"
wait "$process_pid" || true
process_pid=""

python3 - "$articles" "$start" "$end" "$done_count" "$commit_sum" "$commit_count" \
  "$(cat "$work/latency.txt")" <<'PY'
import os, sys
n, start, end, committed = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
commit_sum, commit_count, line = float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
print(f"offered: {n} articles in {end - start:.1f} s = {n / (end - start):,.0f} articles/s; "
      f"committed by the processor (warm-up included): {committed:.0f}")
if commit_count:
    print(f"processor: {commit_count:.0f} batches, {committed / commit_count:.0f} records per batch, "
          f"commit {1000 * commit_sum / commit_count:.0f} ms per batch on average")
print(f"load average: {os.getloadavg()[0]:.1f}")
print(line)
PY
grep -q "count=$articles " "$work/latency.txt" || {
  echo "latency: WARNING: the consumer did not see all $articles articles" >&2; }
