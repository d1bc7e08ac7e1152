#!/usr/bin/env python3
"""The XML parser choice for feeds, measured (docs/QUALITY.md, "Feeds and sitemaps"): every
file under ../shared/data/ingest/feeds read with libxml2 (recover mode) and with pugixml
through build/ingest/feed_dump; counts the documents each reads as a feed or sitemap and the
entries it recovers, and lists the files where they differ. Then the 20 real publishers'
feeds broken the ways feeds break in transit and by hand: cut at 50% and 80% of their bytes,
an unescaped "&" in a title, a mangled tag in the middle; counts the entries each parser
still recovers, against the intact feed's.

  eval/feed_parsers.py [--dump build/ingest/feed_dump] [--data ../shared/data]
"""
import argparse
import json
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def read(dump, path, parser):
    result = subprocess.run([dump, path, "", parser], capture_output=True, text=True)
    try:
        doc = json.loads(result.stdout)
    except json.JSONDecodeError:
        return None
    return doc


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dump", default=os.path.join(HERE, "..", "build", "ingest", "feed_dump"))
    parser.add_argument("--data", default=os.environ.get(
        "NEWSFLOW_SHARED_DATA", os.path.join(HERE, "..", "..", "shared", "data")))
    args = parser.parse_args()
    root = os.path.join(args.data, "ingest", "feeds")
    files = []
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith((".txt", ".md", ".py", ".json.license")) or name.startswith("."):
                continue
            files.append(os.path.join(folder, name))
    totals = {p: {"feeds": 0, "entries": 0, "recovered": 0} for p in ("libxml2", "pugixml")}
    differ = []
    for path in sorted(files):
        got = {}
        for p in totals:
            doc = read(args.dump, path, p)
            version = (doc or {}).get("version", "")
            entries = len((doc or {}).get("entries", [])) + len((doc or {}).get("urls", []))
            got[p] = (version, entries)
            if version:
                totals[p]["feeds"] += 1
                totals[p]["entries"] += entries
                if (doc or {}).get("bozo"):
                    totals[p]["recovered"] += 1
        if got["libxml2"] != got["pugixml"]:
            differ.append((os.path.relpath(path, root), got))
    print("%d files under %s" % (len(files), root))
    for p, t in totals.items():
        print("%-8s read as feed/sitemap %4d, entries %5d, of which broken and recovered %d"
              % (p, t["feeds"], t["entries"], t["recovered"]))
    print("files read differently (%d):" % len(differ))
    for name, got in differ:
        print("  %-70s libxml2 %-12s pugixml %s" % (name, got["libxml2"], got["pugixml"]))

    breakages = {
        "cut at 50%": lambda b: b[: len(b) // 2],
        "cut at 80%": lambda b: b[: len(b) * 4 // 5],
        "unescaped & in a title": lambda b: re.sub(rb"<title>", b"<title>AT&T ", b, count=3),
        "mangled tag mid-feed": lambda b: b[: len(b) // 2] + b"<tit le>x</ti tle>" + b[len(b) // 2:],
    }
    real = sorted(os.path.join(root, "real", n) for n in os.listdir(os.path.join(root, "real"))
                  if n.endswith(".xml"))
    intact = sum(len((read(args.dump, f, "libxml2") or {}).get("entries", [])) +
                 len((read(args.dump, f, "libxml2") or {}).get("urls", [])) for f in real)
    print("\nreal feeds broken on purpose (%d feeds, %d entries intact): entries recovered"
          % (len(real), intact))
    with tempfile.TemporaryDirectory() as work:
        for name, breaking in breakages.items():
            counts = {}
            for p in totals:
                n = 0
                for f in real:
                    broken = os.path.join(work, os.path.basename(f))
                    with open(f, "rb") as src, open(broken, "wb") as dst:
                        dst.write(breaking(src.read()))
                    doc = read(args.dump, broken, p) or {}
                    n += len(doc.get("entries", [])) + len(doc.get("urls", []))
                counts[p] = n
            print("  %-24s libxml2 %5d   pugixml %5d" % (name, counts["libxml2"], counts["pugixml"]))


if __name__ == "__main__":
    main()
