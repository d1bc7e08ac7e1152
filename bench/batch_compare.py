#!/usr/bin/env python3
"""`newsflow batch` against the Python stack (bench/python_dedup.py: NFKC + datasketch
MinHash/LSH) on the same news articles, one after the other in one run: CPU seconds (user +
system), wall time, peak memory, MB/s of input per CPU second, and the CPU ratio
(docs/PERFORMANCE.md, issue #23). With --baseline BIN, a second newsflow build (e.g. the
previous commit's) runs side by side on the same input.

  bench/batch_compare.py [--input FILE.jsonl] [--newsflow BIN] [--baseline BIN]
                         [--python VENV_PYTHON] [--repeat N]

Without --input the articles are the shared data's full news stories: MasakhaNEWS (BBC),
news_cluster and BASIL, 1,452 articles, 5.5 MB of JSON Lines. bench/batch_compare.sh sets up
the Python side (a venv with pinned datasketch) and calls this. Each figure is the median of
--repeat runs (default 3).
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from process_measure import measure  # noqa: E402

CORPUS = ["topics/masakhanews_eng_dev.jsonl", "news_cluster/news_cluster.jsonl",
          "basil/articles.jsonl"]


def median_of(runs, command, output):
    results = [measure(command, output) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input")
    parser.add_argument("--newsflow", default=os.path.join(HERE, "..", "build", "cli", "newsflow"))
    parser.add_argument("--baseline", help="another newsflow binary to run side by side")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", default=os.environ.get(
        "NEWSFLOW_SHARED_DATA", os.path.join(HERE, "..", "..", "shared", "data")))
    parser.add_argument("--work", default="/tmp/newsflow-batch-bench")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    source = args.input
    if source is None:
        source = os.path.join(args.work, "news.jsonl")
        with open(source, "wb") as out:
            for name in CORPUS:
                with open(os.path.join(args.data, name), "rb") as f:
                    out.write(f.read())
    size_mb = os.path.getsize(source) / 1e6
    w = lambda name: os.path.join(args.work, name)  # noqa: E731
    runs = []
    for label, binary in (("newsflow batch", args.newsflow), ("baseline", args.baseline)):
        if not binary:
            continue
        runs.append(("%s, JSON Lines out" % label,
                     median_of(args.repeat, [binary, "batch", source], w("out.jsonl"))))
        runs.append(("%s, protobuf out" % label,
                     median_of(args.repeat, [binary, "batch", source, "--output-format", "pb"],
                               w("out.pb"))))
    python = median_of(args.repeat, [args.python, os.path.join(HERE, "python_dedup.py"), source],
                       w("python.jsonl"))
    runs.append(("NFKC + datasketch MinHash/LSH", python))
    print("input: %s (%.1f MB, %d articles); median of %d runs" % (
        source, size_mb, python["lines"], args.repeat))
    print("%-40s %8s %8s %9s %8s %8s" % ("", "CPU s", "wall s", "MB/s/core", "peak MB",
                                         "py/this"))
    for name, r in runs:
        print("%-40s %8.2f %8.2f %9.1f %8.0f %7.1fx" % (
            name, r["cpu"], r["wall"], size_mb / r["cpu"], r["rss_mb"], python["cpu"] / r["cpu"]))


if __name__ == "__main__":
    main()
