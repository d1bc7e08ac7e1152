#!/usr/bin/env bash
# The quick-start demo: installs what is missing, builds newsflow, starts the local Kafka
# broker (unless --brokers is given), publishes the bundled seed article (plus two
# republished copies of it and one malformed line derived here), follows a small news site
# on the loopback address with `newsflow poll` (its feed and pages made from the bundled
# newsroom samples), runs the processor until it has caught up, and prints per article its
# verdict, topics and regions.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
brokers=""
port=9092

usage() {
  cat <<USAGE
Usage: scripts/demo.sh [--brokers HOST:PORT] [--port N]

  --brokers HOST:PORT  use this Kafka instead of starting the local one
  --port N             port of the local broker to start (default 9092)

Topics are named demo-<run>.news.raw / .news.enriched / .news.dlq so that runs do not mix.
The local broker keeps running afterwards; stop it with: deploy/kafka.sh stop
USAGE
}
while [ $# -gt 0 ]; do
  case "$1" in
    --brokers) brokers="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "Installing missing packages"
"$root/scripts/install-deps.sh"
step "Building newsflow"
"$root/scripts/build.sh" --target newsflow
newsflow="${NEWSFLOW_BUILD_DIR:-$root/build}/cli/newsflow"

if [ -z "$brokers" ]; then
  step "Starting the local Kafka broker (Apache Kafka 3.9.1, KRaft) on 127.0.0.1:$port"
  "$root/deploy/kafka.sh" start --port "$port"
  brokers="127.0.0.1:$port"
fi

run="demo-$(date +%Y%m%d%H%M%S)"
topics=(--brokers "$brokers" --raw-topic "$run.news.raw" --enriched-topic "$run.news.enriched"
        --dlq-topic "$run.news.dlq")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Republished copies of the seed, made the way syndication makes them: another outlet,
# a new headline and boilerplate appended (near duplicate); the identical text under a
# third outlet's headline (exact duplicate). And one malformed line for the dead-letter topic.
seed="$root/data/samples/000_etv_bharat_ukraine_allies.txt"
seed_body="$(awk 'found>=2 {print; next} /[^[:space:]]/ {found++}' "$seed")"
mkdir -p "$work/samples"
cp "$root/data/samples/"*.txt "$work/samples/"
{
  printf ' date 2026-01-07 Example Outlet / world\n\nAllies Near Deal On Security Guarantees For Kyiv\n\n%s\n\nRead more world news on our website. Follow us on social media and subscribe to our newsletter.\n' "$seed_body"
} >"$work/samples/010_republished_with_new_headline.txt"
{
  printf ' date 2026-01-07 Third Outlet / europe\n\nUkraine Allies Report Progress In Paris Talks\n\n%s\n' "$seed_body"
} >"$work/samples/011_republished_identical_text.txt"
printf '{"id": "broken-line", "title": "A line cut off in transfer", "body": \n' >"$work/samples/020_truncated_feed.jsonl"

step "Publishing sample articles to $run.news.raw"
"$newsflow" produce "${topics[@]}" --progress-interval 0 "$work/samples" || {
  code=$?
  # 3 = some input was rejected (the deliberately broken line); anything else is a failure.
  [ "$code" -eq 3 ] || exit "$code"
}

step "Following a news site: newsflow poll (robots.txt, RSS feed, one page per new item)"
# The site: the bundled newsroom samples as an RSS feed and HTML pages, served on 127.0.0.1
# by the test suite's fixture server.
python3 "$root/scripts/demo_site.py" "$root/data/samples/newsroom_samples.jsonl" \
  "$work/site/127.0.0.1" >/dev/null
python3 "$root/tests/fixture_server.py" --root "$work/site" --log "$work/site-requests.jsonl" \
  --port-file "$work/site-port" --hosts 127.0.0.1 &
site_pid=$!
trap 'kill "$site_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/site-port" ] && break; sleep 0.1; done
site="http://127.0.0.1:$(cat "$work/site-port")/feed.xml"
echo "$site" >"$work/sources.txt"
# The samples are dated January 2026: --max-item-age 0 takes items of any age.
"$newsflow" poll --once --sources "$work/sources.txt" --state-dir "$work/poll-state" \
  --host-delay-ms 200 --max-item-age 0 --log-level warn "${topics[@]}"
echo "requests the site saw:" >&2
python3 -c 'import json,sys; [print("  %s %s" % (r["status"], r["path"])) for r in map(json.loads, open(sys.argv[1]))]' \
  "$work/site-requests.jsonl" >&2

step "Processing: normalize -> dedupe -> tag -> $run.news.enriched"
"$newsflow" process "${topics[@]}" --group "$run-processor" --exit-when-idle-ms 2000 \
  --progress-interval 0

step "What came out on $run.news.enriched  (* = focus country, @ = dateline only)"
"$newsflow" consume --brokers "$brokers" --topic "$run.news.enriched" --idle-ms 1000

step "Dead letters on $run.news.dlq"
"$newsflow" consume --brokers "$brokers" --topic "$run.news.dlq" --idle-ms 1000

step "Dashboard: newsflow dashboard (a consumer of $run.news.enriched, left running)"
# One demo dashboard at a time: the previous one (an older run's topic) is replaced.
dashboard_pid_file="$HOME/.cache/newsflow/demo-dashboard.pid"
mkdir -p "$(dirname "$dashboard_pid_file")"
if [ -f "$dashboard_pid_file" ] &&
   [ "$(ps -p "$(cat "$dashboard_pid_file")" -o comm= 2>/dev/null)" = newsflow ]; then
  kill "$(cat "$dashboard_pid_file")" 2>/dev/null || true
  sleep 1
fi
dashboard_port=${NEWSFLOW_DASHBOARD_PORT:-8080}
nohup "$newsflow" dashboard --brokers "$brokers" --topic "$run.news.enriched" \
  --http-port "$dashboard_port" >"$HOME/.cache/newsflow/demo-dashboard.log" 2>&1 &
echo $! >"$dashboard_pid_file"
dashboard_url="http://127.0.0.1:$dashboard_port/"
for _ in $(seq 1 60); do
  curl -fs "${dashboard_url}readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
if curl -fs "${dashboard_url}readyz" >/dev/null 2>&1; then
  curl -fs "${dashboard_url}api/summary?window=3600" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("  last hour: %d articles (%d unique, %d near-duplicates, %d exact duplicates)" % (
    s["articles"], s["unique"], s["nearDuplicates"], s["exactDuplicates"]))
print("  topics: " + ", ".join("%s %d" % (t["label"], t["articles"]) for t in s["topics"][:5]))
print("  largest story: %s (%d copies)" % (s["topClusters"][0]["title"], s["topClusters"][0]["size"]))' >&2
  echo "  open $dashboard_url   (stop it: kill \$(cat $dashboard_pid_file))" >&2
else
  echo "  the dashboard did not come up; see $HOME/.cache/newsflow/demo-dashboard.log" >&2
fi

cat >&2 <<DONE

Done. Try:
  $newsflow consume --brokers $brokers --topic $run.news.enriched --output-format jsonl
  $newsflow batch data/samples            # the same pipeline without Kafka
  $newsflow poll --sources FEEDS.txt       # follow your own feeds (README: Following feeds)
  $newsflow produce FILE.warc.gz          # import a web archive (README: Importing web archives)
  $dashboard_url                          # the dashboard (newsflow dashboard --help)
  deploy/kafka.sh stop                    # stop the local broker
DONE
