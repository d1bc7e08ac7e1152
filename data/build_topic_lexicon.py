#!/usr/bin/env python3
"""Builds data/topic_lexicon.tsv, the IPTC Media Topics lexicon embedded into newsflow's tagger.

Inputs (see data/README.md for the rules and data/NOTICE.md for attribution):
  <shared>/iptc_mediatopic/mediatopic_en-US_2023-03-31.tsv   IPTC Media Topics (CC BY 4.0)
  <shared>/iptc_mediatopic/cptall-en-US.2022-02-03.json      only for labels missing in 2023
  data/topic_keywords.tsv                                    curated keywords (qcode, phrase, weight)

Usage: python3 data/build_topic_lexicon.py --shared ../shared/data --out data/topic_lexicon.tsv
Deterministic: the same inputs give a byte-identical output (rows are sorted).
"""
import argparse
import csv
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
LABEL_WEIGHT = 0.3        # a whole taxonomy label ("armed conflict") as a keyword
LABEL_PART_WEIGHT = 0.2   # one part of a compound label ("crime, law and justice" -> "law")
# Label parts too generic to be evidence on their own.
LABEL_STOP = {
    "series", "party", "game", "trend", "values", "men", "women", "adults", "children", "family",
    "water", "communities", "mankind", "gender", "culture", "language", "people", "information",
    "service", "services", "products", "media", "process", "market", "policy", "law", "other",
    "event", "condition", "development", "system", "name", "record", "report", "leisure",
    "communication", "emergency", "nature", "plant", "animal", "ceremony", "tradition", "customs",
    "relations", "regulations", "pool", "squash", "polo", "diving", "skeleton", "luge", "darts",
    "casting", "fencing", "bandy", "kiting", "boules", "government", "religion", "health",
}


def fold(s):
    s = unicodedata.normalize("NFD", s.replace("\u2019", "'"))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return " ".join(s.casefold().split())


def plural(phrase):
    words = phrase.split(" ")
    last = words[-1]
    if not last.isalpha() or last.endswith("s") or len(last) < 3:
        return None
    if last.endswith("y") and last[-2] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("x", "z", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return " ".join(words[:-1] + [last])


def label_keywords(label):
    """Whole label plus its parts: 'crime, law and justice' -> crime / law / justice."""
    label = re.sub(r"\s*\([^)]*\)", "", label).strip()
    out = [(label, LABEL_WEIGHT)]
    parts = [p.strip() for p in re.split(r",| and ", label) if p.strip()]
    if "," in label and len(parts) > 1:  # only list-like labels are split
        out += [(p, LABEL_PART_WEIGHT) for p in parts if p.lower() not in LABEL_STOP]
    return [(p, w) for p, w in out if p.lower() not in LABEL_STOP]


def main():
    ap = argparse.ArgumentParser(description="Build data/topic_lexicon.tsv")
    ap.add_argument("--shared", required=True, help="path of ../shared/data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--data-dir", default=HERE)
    args = ap.parse_args()

    iptc = os.path.join(args.shared, "iptc_mediatopic")
    old_labels = {}
    old_json = os.path.join(iptc, "cptall-en-US.2022-02-03.json")
    if os.path.exists(old_json):
        with open(old_json, encoding="utf-8") as f:
            for c in json.load(f)["conceptSet"]:
                label = c.get("prefLabel", {}).get("en-US")
                if label:
                    old_labels[c["qcode"]] = label

    topics = {}
    with open(os.path.join(iptc, "mediatopic_en-US_2023-03-31.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["retired"].strip():
                continue
            label = row["label"].strip() or old_labels.get(row["qcode"], row["qcode"])
            topics[row["qcode"]] = {
                "label": label, "parent": row["parent_qcode"] or "-",
                "top": row["top_qcode"], "depth": int(row["depth"]),
            }

    keywords = {}  # (folded phrase, qcode) -> (weight, display phrase)

    def put(phrase, qcode, weight, override):
        key = (fold(phrase), qcode)
        if not key[0]:
            return
        if override or key not in keywords or keywords[key][0] < weight:
            keywords[key] = (weight, key[0])

    for qcode, t in topics.items():
        for phrase, w in label_keywords(t["label"]):
            put(phrase, qcode, w, False)
            p = plural(fold(phrase))
            if p:
                put(p, qcode, w, False)

    errors = 0
    curated = []
    with open(os.path.join(args.data_dir, "topic_keywords.tsv"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 3 or cols[0] not in topics:
                print(f"topic_keywords.tsv:{n}: bad row {line!r}", file=sys.stderr)
                errors += 1
                continue
            curated.append((cols[0], cols[1], float(cols[2])))
    for qcode, phrase, w in curated:
        put(phrase, qcode, w, True)
    curated_keys = {(fold(phrase), qcode) for qcode, phrase, _ in curated}
    for qcode, phrase, w in curated:  # a generated plural never overrides a curated row
        p = plural(fold(phrase))
        if p and (p, qcode) not in curated_keys:
            put(p, qcode, w, False)
    if errors:
        sys.exit(1)

    lines = [
        "# newsflow topic lexicon v1 -- generated by data/build_topic_lexicon.py; do not edit by hand.",
        "# Sources: IPTC NewsCodes Media Topics 2023-03-31 (IPTC, CC BY 4.0, cv.iptc.org/newscodes/mediatopic);",
        "#   curated data/topic_keywords.tsv. See data/NOTICE.md.",
        "# Rows (tab-separated):",
        "#   T  qcode  label  parent_qcode('-' at top level)  top_qcode  depth",
        "#   K  phrase(case-folded)  qcode  weight",
    ]
    for qcode in sorted(topics):
        t = topics[qcode]
        lines.append(f"T\t{qcode}\t{t['label']}\t{t['parent']}\t{t['top']}\t{t['depth']}")
    for (phrase, qcode) in sorted(keywords):
        w, _ = keywords[(phrase, qcode)]
        lines.append(f"K\t{phrase}\t{qcode}\t{w:g}")
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}: {len(topics)} topics, {len(keywords)} keywords "
          f"({len(curated)} curated)", file=sys.stderr)


if __name__ == "__main__":
    main()
