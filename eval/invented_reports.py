#!/usr/bin/env python3
"""Top-level IPTC topic of short invented news reports, through `newsflow batch`.

The reports (eval/invented_reports.jsonl) were written for this project, two to a dozen per
IPTC top level, to find vocabulary the lexicon lacks. They are a development set: the lexicon's
fifth pass was written while reading their results, so the figure says what the lexicon covers,
not how it does on unseen news (docs/QUALITY.md has the held-out measures).

Usage: python3 eval/invented_reports.py [--newsflow build/cli/newsflow] [--misses]
Prints the share whose best-scoring top-level topic is the expected one; with --misses, each
miss with its five best topics.
"""
import argparse
import json
import os
import re
import subprocess
import sys

TOP_LEVEL = re.compile(r"^medtop:(0[1-9]|1[0-7])000000$")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--newsflow", default=os.path.join(here, "..", "build", "cli", "newsflow"),
                        help="the newsflow binary (default: build/cli/newsflow)")
    parser.add_argument("--reports", default=os.path.join(here, "invented_reports.jsonl"))
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("batch_args", nargs="*",
                        help="extra arguments for newsflow batch, after --")
    args = parser.parse_args()

    with open(args.reports, encoding="utf-8") as f:
        reports = [json.loads(line) for line in f if line.strip()]
    run = subprocess.run([args.newsflow, "batch", "-i", args.reports] + args.batch_args,
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"newsflow batch failed ({run.returncode}): {run.stderr.strip()}")
    tagged = {}
    for line in run.stdout.splitlines():
        article = json.loads(line)
        tagged[article["id"]] = article.get("topics", [])

    correct = 0
    per_top = {}
    for report in reports:
        topics = tagged.get(report["id"], [])
        tops = [t["code"] for t in topics if TOP_LEVEL.match(t["code"])]
        predicted = tops[0] if tops else "none"
        hit = predicted == report["expected"]
        correct += hit
        done, total = per_top.get(report["expected"], (0, 0))
        per_top[report["expected"]] = (done + hit, total + 1)
        if args.misses and not hit:
            best = "; ".join(f"{t['label']} {t['score']:.2f}" for t in topics[:5])
            print(f"- {report['id']} expected {report['expected']} got {predicted}: "
                  f"{report['title']} | {best}")
    for code, (done, total) in sorted(per_top.items()):
        print(f"{code}  {done}/{total}")
    print(f"expected top level first: {correct} of {len(reports)} = {correct / len(reports):.3f}")


if __name__ == "__main__":
    main()
