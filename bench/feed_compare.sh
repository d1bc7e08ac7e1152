#!/usr/bin/env bash
# Feed parsing, newsflow against Python's feedparser, on the same 20 real feeds and sitemaps
# (../shared/data/ingest/feeds/real), one after the other: Google Benchmark for newsflow's
# parser (libxml2 and pugixml), then feedparser 6.0.11 in a venv under ~/.cache/newsflow.
# Usage: bench/feed_compare.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
data="${NEWSFLOW_SHARED_DATA:-$here/../../shared/data}"
venv="${NEWSFLOW_CACHE:-$HOME/.cache/newsflow}/venv-bench"
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -c "import feedparser" 2>/dev/null || "$venv/bin/pip" install -q feedparser==6.0.11
NEWSFLOW_SHARED_DATA="$data" "$build/ingest/feed_parser_benchmark" --benchmark_min_time=2
"$venv/bin/python" - "$data/ingest/feeds/real" <<'PY'
import os, sys, time
import feedparser
folder = sys.argv[1]
feeds = [open(os.path.join(folder, n), "rb").read() for n in sorted(os.listdir(folder)) if n.endswith(".xml")]
size = sum(map(len, feeds))
start, rounds, entries = time.process_time(), 0, 0
while time.process_time() - start < 5:
    entries = sum(len(feedparser.parse(f).entries) for f in feeds)
    rounds += 1
cpu = (time.process_time() - start) / rounds
print("feedparser %s: %.1f ms CPU per pass over %d feeds (%.2f MB/s), %d entries (sitemaps: none)"
      % (feedparser.__version__, cpu * 1000, len(feeds), size / cpu / 1e6, entries))
PY
