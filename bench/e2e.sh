#!/usr/bin/env bash
# End-to-end throughput through the real local broker: generates N distinct 3-5 KB articles
# from the bundled samples (paragraphs recombined with a quarter of their words replaced;
# a third are trimmed copies of a recent article, i.e. near duplicates),
# publishes them with `newsflow produce`, then times `newsflow process` over them.
# Usage: bench/e2e.sh [--articles N] [--brokers HOST:PORT] [-- extra `newsflow process` flags]
#        (default 20000 articles, local broker; e.g. -- --guarantee at-least-once)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
articles=20000
brokers=""
while [ $# -gt 0 ]; do
  case "$1" in
    --articles) articles="$2"; shift 2 ;;
    --brokers) brokers="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "e2e: unknown argument $1" >&2; exit 2 ;;
  esac
done
newsflow="${NEWSFLOW_BUILD_DIR:-$root/build}/cli/newsflow"
[ -x "$newsflow" ] || "$root/scripts/build.sh" --target newsflow
if [ -z "$brokers" ]; then
  "$root/deploy/kafka.sh" start --port 9092 >&2
  brokers=127.0.0.1:9092
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$root/bench/make_articles.py" "$root/data/samples/newsroom_samples.jsonl" "$articles" \
  >"$work/articles.jsonl"
bytes=$(stat -c %s "$work/articles.jsonl")
run="bench-$(date +%s)"
topics=(--brokers "$brokers" --raw-topic "$run.raw" --enriched-topic "$run.enriched"
        --dlq-topic "$run.dlq")
start=$(date +%s.%N)
"$newsflow" produce "${topics[@]}" --progress-interval 0 "$work/articles.jsonl"
mid=$(date +%s.%N)
idle_ms=1000
"$newsflow" process "${topics[@]}" --group "$run" --exit-when-idle-ms $idle_ms --progress-interval 0 \
  --log-format json "$@" 2>"$work/process.log" || { cat "$work/process.log" >&2; exit 1; }
end=$(date +%s.%N)
# The processor's own figure: first record consumed to last batch committed.
python3 - "$work/process.log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        event = json.loads(line)
        if event.get("msg", "").startswith("throughput"):
            print(f"process, sustained (first record to last commit, exactly-once unless overridden): "
                  f"{event['seconds']:.1f} s, {event['articles_per_s']:,} articles/s")
PY
python3 - "$articles" "$bytes" "$start" "$mid" "$end" "$idle_ms" <<'PY'
import sys
n, size, start, mid, end, idle = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:6]), int(sys.argv[6])
produce = mid - start
process = end - mid - idle / 1000.0
print(f"articles: {n}, average {size / n / 1024:.1f} KB")
print(f"produce: {produce:.1f} s, {n / produce:,.0f} articles/s")
print(f"process (consume, normalize, dedupe, tag, produce, commit; startup included): "
      f"{process:.1f} s, {n / process:,.0f} articles/s")
PY
