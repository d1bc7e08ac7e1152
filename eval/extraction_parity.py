#!/usr/bin/env python3
"""Extraction through a web archive scores what the same pages score given directly: builds
a Common-Crawl-shaped WARC of trafilatura's 990 benchmark pages (make_warc.py), runs
`newsflow batch` on the archive and on the page files, scores both (extraction_score.py) and
fails when the figures differ. Exit 77 (skipped) without the shared data.

  eval/extraction_parity.py --newsflow build/cli/newsflow --data ../shared/data
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--newsflow", required=True)
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    benchmark = os.path.join(args.data, "extraction", "trafilatura-eval")
    if not os.path.exists(os.path.join(benchmark, "evaldata.json")):
        print("skipped: no %s" % benchmark)
        return 77
    with tempfile.TemporaryDirectory() as work:
        warc = os.path.join(work, "pages.warc.gz")
        pages = os.path.join(work, "html")
        subprocess.run([sys.executable, os.path.join(HERE, "make_warc.py"), "--eval", benchmark,
                        "--out", warc, "--html-dir", pages], check=True)
        scores = {}
        for name, source in (("web archive", warc), ("page files", pages)):
            output = os.path.join(work, name.replace(" ", "-") + ".jsonl")
            subprocess.run([args.newsflow, "batch", source, "-o", output], check=True,
                           stderr=subprocess.DEVNULL)
            scored = subprocess.run([sys.executable, os.path.join(HERE, "extraction_score.py"),
                                     "--eval", benchmark, output], check=True,
                                    capture_output=True, text=True).stdout
            print("== %s\n%s" % (name, scored))
            scores[name] = scored
    if scores["web archive"] != scores["page files"]:
        print("FAILED: extraction through the web archive differs from the page files")
        return 1
    print("same figures both ways")
    return 0


if __name__ == "__main__":
    sys.exit(main())
