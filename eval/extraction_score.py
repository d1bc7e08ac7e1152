#!/usr/bin/env python3
"""Scores `newsflow batch` output on trafilatura's extraction benchmark, with the rules of
`normalize_eval extraction` (docs/QUALITY.md): each "with" snippet found in title + body is
a true positive, each "without" snippet found a false positive, whitespace collapsed, counts
pooled over the pages. Output lines are matched to benchmark pages by URL (web archive
input) or by id (page files named after the benchmark's `file`; the id wins: two pages may
declare the same canonical URL).

  eval/extraction_score.py --eval DIR BATCH_OUTPUT.jsonl
"""
import argparse
import json
import os
import re


def squash(text):
    return " ".join(re.split(r"[ \n\t\r]+", text)).strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", required=True)
    parser.add_argument("output")
    args = parser.parse_args()
    with open(os.path.join(args.eval, "evaldata.json")) as f:
        pages = json.load(f)
    by_url, by_file = {}, {}
    for key, entry in pages.items():
        key = key.strip()
        by_url[key if key.startswith("http") else "http://extraction.invalid/" + entry["file"]] = entry
        by_file[entry["file"]] = entry
        by_file[entry["file"].rsplit(".", 1)[0]] = entry
    counts = {"title+body": [0, 0, 0, 0], "body": [0, 0, 0, 0]}
    matched = set()
    with open(args.output) as f:
        for line in f:
            article = json.loads(line)
            entry = by_file.get(article.get("id")) or by_url.get(article.get("url"))
            if entry is None or entry["file"] in matched:
                continue
            matched.add(entry["file"])
            views = {"title+body": squash(article.get("title", "") + "\n" + article.get("body", "")),
                     "body": squash(article.get("body", ""))}
            for view, text in views.items():
                c = counts[view]
                for s in entry.get("with", []):
                    if isinstance(s, str):
                        c[0 if squash(s) in text else 1] += 1
                for s in entry.get("without", []):
                    if isinstance(s, str):
                        c[2 if squash(s) in text else 3] += 1
    # Pages without output (rejected) score their "with" snippets as missed.
    for entry in pages.values():
        if entry["file"] in matched:
            continue
        for c in counts.values():
            c[1] += sum(1 for s in entry.get("with", []) if isinstance(s, str))
            c[3] += sum(1 for s in entry.get("without", []) if isinstance(s, str))
    print("pages %d, scored %d" % (len(pages), len(matched)))
    for view, (tp, fn, fp, tn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 0
        recall = tp / (tp + fn) if tp + fn else 0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0
        print("%-12s precision %.3f recall %.3f F1 %.3f (tp %d fn %d fp %d tn %d)"
              % (view, precision, recall, f1, tp, fn, fp, tn))


if __name__ == "__main__":
    main()
