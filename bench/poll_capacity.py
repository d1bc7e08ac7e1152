#!/usr/bin/env python3
"""How many sources one `newsflow poll` process serves: N feeds, each its own site
(feed<i>.localhost on the loopback fixture server, tests/fixture_server.py), each with
--items new articles, polled with the default politeness (robots.txt, --host-delay-ms 1000
between requests to a site). Two rounds with `poll --once`: the first fetches robots.txt,
every feed and every new page; the second finds every feed unchanged (304). For each: wall
time, CPU, peak memory; memory per source is the difference to a 10-source run.

  bench/poll_capacity.py [--feeds 1000] [--items 5] [--threads 16] [--newsflow BIN]

Sources served within an interval: a round of conditional GETs over N sources takes T
seconds, so one process keeps N x (interval / T) sources on that interval (while the sites
themselves allow one request per --host-delay-ms).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(command):
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - start
    err = process.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    summary = [line for line in err.splitlines() if line.startswith("newsflow poll:")]
    if code not in (0, 3):
        sys.exit("poll failed (%d):\n%s" % (code, err[-3000:]))
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024, "summary": summary[-1] if summary else ""}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--newsflow", default=os.path.join(HERE, "..", "build", "cli", "newsflow"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="newsflow-poll-bench-")
    os.makedirs(os.path.join(work, "root"))
    port_file = os.path.join(work, "port")
    server = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "..", "tests", "fixture_server.py"), "--root",
         os.path.join(work, "root"), "--log", os.path.join(work, "requests.jsonl"), "--port-file",
         port_file, "--hosts", "127.0.0.1", "--bulk-items", str(args.items)])
    try:
        for _ in range(100):
            if os.path.exists(port_file):
                break
            time.sleep(0.1)
        port = int(open(port_file).read())
        results = {}
        for feeds in (10, args.feeds):
            sources = os.path.join(work, "sources-%d.txt" % feeds)
            with open(sources, "w") as f:
                for i in range(feeds):
                    f.write("http://feed%d.localhost:%d/bulk/feed-%d.xml\n" % (i, port, i))
            state = os.path.join(work, "state-%d" % feeds)
            command = [args.newsflow, "poll", "--once", "--sources", sources, "--state-dir", state,
                       "--output", "/dev/null", "--fetch-threads", str(args.threads),
                       "--log-level", "warn"]
            results[feeds] = [run(command), run(command)]
        print("%d feeds, one site each, %d new articles per feed, --host-delay-ms 1000, "
              "--fetch-threads %d" % (args.feeds, args.items, args.threads))
        print("%-34s %8s %8s %9s" % ("", "wall s", "CPU s", "peak MB"))
        for name, r in (("round 1 (robots, feeds, pages)", results[args.feeds][0]),
                        ("round 2 (every feed 304)", results[args.feeds][1]),
                        ("10 feeds, round 1", results[10][0])):
            print("%-34s %8.1f %8.2f %9.1f" % (name, r["wall"], r["cpu"], r["rss_mb"]))
        for r in results[args.feeds]:
            print("  " + r["summary"])
        per_source_kb = (results[args.feeds][0]["rss_mb"] - results[10][0]["rss_mb"]) * 1024 / (
            args.feeds - 10)
        round2 = results[args.feeds][1]["wall"]
        print("memory per source: %.1f KB" % per_source_kb)
        print("sources kept on a 5-minute interval by one process (304 rounds): %d" %
              int(args.feeds * 300 / round2))
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
