#!/usr/bin/env python3
"""The Python stack a user would pick instead of `newsflow batch` for normalisation and
near-duplicate detection: NFKC normalisation, word 3-shingles, datasketch MinHash (128
permutations) and MinHashLSH (Jaccard threshold 0.5), each article queried against the
earlier ones and then inserted. No tagging, no language identification, no extraction: it
does less than newsflow. Reads JSON Lines (title, body or text), writes one JSON line per
article: id and the id of an earlier near duplicate, if any.

  python_dedup.py ARTICLES.jsonl > verdicts.jsonl   (run by bench/batch_compare.py)
"""
import json
import re
import sys
import unicodedata

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+")


def main():
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    out = sys.stdout
    with open(sys.argv[1], encoding="utf-8") as f:
        for n, line in enumerate(f):
            item = json.loads(line)
            text = unicodedata.normalize(
                "NFKC", (item.get("title") or "") + "\n" + (item.get("body") or item.get("text") or ""))
            words = WORD.findall(text.lower())
            m = MinHash(num_perm=128)
            m.update_batch(" ".join(words[i:i + 3]).encode() for i in range(max(1, len(words) - 2)))
            key = item.get("id") or str(n)
            matches = lsh.query(m)
            lsh.insert("%s#%d" % (key, n), m)
            out.write(json.dumps({"id": key, "duplicateOf": matches[0] if matches else ""}) + "\n")


if __name__ == "__main__":
    main()
