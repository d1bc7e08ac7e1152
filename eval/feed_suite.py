#!/usr/bin/env python3
"""feedparser's own test suite, its expectations evaluated on what newsflow's feed parser reads.

Each file of ../shared/data/ingest/feeds/feedparser/tests states its expectation as a Python
condition on feedparser's result ("not bozo and entries[0]['title'] == 'Example'") and may
name HTTP headers to serve with it. This runs the parser's dump tool (build/ingest/feed_dump)
on every file and evaluates the condition on its output, shaped like feedparser's result.

Each case ends as one of:
  pass         the condition holds;
  fail         it does not;
  unsupported  it reads a field newsflow does not produce (feedparser's *_detail, links[],
               contributors, sanitized HTML, parsed dates, ...): not evaluated.

Usage: eval/feed_suite.py [--dump build/ingest/feed_dump] [--data ../shared/data]
                          [--parser libxml2|pugixml] [--list] [--baseline FILE]
With --baseline, exits 1 when a case listed there as passing no longer passes (CI).
"""
import argparse
import json
import os
import re
import subprocess
import sys

DESC = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*)\s*-->", re.S)
SKIP = re.compile(r"SkipUnless:\s*(.*?)\n")
HEADER = re.compile(r"^Header:\s+([^:]+):(.*)$", re.M)


class Unsupported(Exception):
    pass


# Charset labels name the same decoding in different ways: feedparser reports the label it
# was given ("us-ascii", "iso-8859-1"); newsflow reports what it decoded with, by the WHATWG
# Encoding Standard (ASCII is a subset of UTF-8; latin-1 means windows-1252).
SAME_CHARSET = [{"us-ascii", "utf-8", "ascii"},
                {"us-ascii", "ascii", "iso-8859-1", "windows-1252", "latin-1", "cp1252"}]


class Charset(str):
    def __eq__(self, other):
        a, b = self.lower(), str(other).lower()
        return a == b or any(a in group and b in group for group in SAME_CHARSET)

    __hash__ = str.__hash__


class FeedDict(dict):
    """A dict read the way feedparser's FeedParserDict is (keys or attributes)."""

    def __getitem__(self, key):
        if key not in self:
            raise Unsupported(key)
        return wrap(dict.__getitem__(self, key))

    def __getattr__(self, key):
        return self[key]

    def get(self, key, default=None):
        return wrap(dict.get(self, key, default))


def wrap(value):
    if isinstance(value, dict) and not isinstance(value, FeedDict):
        return FeedDict(value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


def expectation(text):
    match = DESC.search(text)
    if not match:
        return None, None, None
    skip = SKIP.search(text)
    headers = {k.strip().lower(): v.strip() for k, v in HEADER.findall(text)}
    return match.group(2).strip(), headers, (skip.group(1).strip() if skip else "1")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--dump", default=os.path.join(here, "..", "build", "ingest", "feed_dump"))
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    parser.add_argument("--parser", default="libxml2", choices=["libxml2", "pugixml"])
    parser.add_argument("--list", action="store_true", help="print every case's result")
    parser.add_argument("--baseline", help="file of cases that must pass (one path per line)")
    parser.add_argument("--write-baseline", help="write the passing cases to this file")
    args = parser.parse_args()

    root = os.path.join(args.data, "ingest", "feeds", "feedparser", "tests")
    if not os.path.isdir(root):
        print(f"feed_suite: no feedparser suite at {root}; skipped")
        return 0
    results = {}
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if not name.endswith((".xml", ".json", ".rdf")):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root)
            with open(path, "rb") as f:
                raw = f.read()
            text = raw.decode("utf-8", errors="ignore")
            condition, headers, skip = expectation(text)
            if condition is None:
                continue
            if skip != "1":
                results[relative] = "unsupported"
                continue
            output = subprocess.run([args.dump, path, headers.get("content-type", ""), args.parser],
                                    capture_output=True, check=True).stdout
            result = FeedDict(json.loads(output))
            names = {"bozo": result["bozo"], "feed": result["feed"], "entries": result["entries"],
                     "version": result["version"], "encoding": Charset(result["encoding"]), "len": len,
                     "ord": ord}
            try:
                ok = bool(eval(condition, {"__builtins__": {}}, names))  # noqa: S307 (the suite's own conditions)
                results[relative] = "pass" if ok else "fail"
            except (Unsupported, IndexError, AttributeError, TypeError, NameError):
                results[relative] = "unsupported"
    counts = {k: sum(1 for v in results.values() if v == k) for k in ("pass", "fail", "unsupported")}
    evaluated = counts["pass"] + counts["fail"]
    print(f"feed_suite ({args.parser}): {len(results)} cases: {counts['pass']} pass, "
          f"{counts['fail']} fail, {counts['unsupported']} unsupported "
          f"({100.0 * counts['pass'] / max(1, evaluated):.1f}% of the {evaluated} evaluated)")
    if args.list:
        for path, result in sorted(results.items()):
            print(f"{result:12s} {path}")
    if args.write_baseline:
        with open(args.write_baseline, "w") as f:
            f.write("# feedparser suite cases the feed parser passes (eval/feed_suite.py)\n")
            for path, result in sorted(results.items()):
                if result == "pass":
                    f.write(path + "\n")
    if args.baseline:
        with open(args.baseline) as f:
            expected = [line.strip() for line in f if line.strip() and not line.startswith("#")]
        lost = [p for p in expected if results.get(p) != "pass"]
        for p in lost:
            print(f"regression: {p}: {results.get(p, 'missing')}")
        return 1 if lost else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
