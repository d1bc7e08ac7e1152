#!/usr/bin/env python3
"""`newsflow batch` against warcio + trafilatura on the same Common-Crawl-shaped web archive,
one after the other in one run: CPU seconds (user + system), wall time and peak memory of
each whole process, and the CPU ratio (docs/PERFORMANCE.md).

  bench/warc_compare.py [--warc FILE.warc.gz] [--newsflow BIN] [--python VENV_PYTHON]

Without --warc it builds one from trafilatura's extraction benchmark
(eval/make_warc.py: 990 real pages, 2,971 records). bench/warc_compare.sh sets up the Python
side (a venv with pinned warcio and trafilatura) and calls this.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from process_measure import measure  # noqa: E402



def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warc")
    parser.add_argument("--newsflow", default=os.path.join(HERE, "..", "build", "cli", "newsflow"))
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--data", default=os.environ.get(
        "NEWSFLOW_SHARED_DATA", os.path.join(HERE, "..", "..", "shared", "data")))
    parser.add_argument("--work", default="/tmp/newsflow-warc-bench")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    warc = args.warc
    if warc is None:
        warc = os.path.join(args.work, "pages.warc.gz")
        if not os.path.exists(warc):
            subprocess.run([sys.executable, os.path.join(HERE, "..", "eval", "make_warc.py"),
                            "--eval", os.path.join(args.data, "extraction", "trafilatura-eval"),
                            "--out", warc], check=True)
    size_mb = os.path.getsize(warc) / 1e6
    newsflow = measure([args.newsflow, "batch", warc],
                       os.path.join(args.work, "newsflow.jsonl"))
    libxml2 = measure([args.newsflow, "batch", "--html-parser", "libxml2", warc],
                      os.path.join(args.work, "newsflow-libxml2.jsonl"))
    python = measure([args.python, os.path.join(HERE, "warc_trafilatura.py"), warc],
                     os.path.join(args.work, "python.jsonl"))
    print("archive: %s (%.1f MB)" % (warc, size_mb))
    print("%-36s %9s %9s %9s %9s" % ("", "articles", "CPU s", "wall s", "peak MB"))
    for name, r in (("newsflow batch (gumbo, default)", newsflow),
                    ("newsflow batch --html-parser libxml2", libxml2),
                    ("warcio + trafilatura", python)):
        print("%-36s %9d %9.2f %9.2f %9.0f" % (name, r["lines"], r["cpu"], r["wall"], r["rss_mb"]))
    print("CPU ratio (python / newsflow): %.1fx with gumbo, %.1fx with libxml2"
          % (python["cpu"] / newsflow["cpu"], python["cpu"] / libxml2["cpu"]))


if __name__ == "__main__":
    main()
