#!/usr/bin/env python3
"""Prints N distinct 3-5 KB benchmark articles as JSON Lines, made from the bundled samples:
paragraphs recombined with a quarter of their words replaced (distinct stories); every third
is a trimmed copy of a recent article (a near duplicate). Deterministic (seed 7).
Usage: bench/make_articles.py SAMPLES.jsonl N > articles.jsonl   (used by e2e.sh, latency.sh)"""
import json
import random
import sys

random.seed(7)
paragraphs, vocabulary = [], set()
for line in open(sys.argv[1]):
    for p in json.loads(line)["body"].split("\n\n"):
        if p.strip():
            paragraphs.append(p.split())
            vocabulary.update(p.split())
vocabulary = sorted(vocabulary)
recent = []
for i in range(int(sys.argv[2])):
    if i % 3 == 2 and recent:  # a third are republished copies of a recent article, trimmed
        base = random.choice(recent)
        body = base[: max(3, len(base) * 3 // 4)]
    else:  # sample paragraphs with a quarter of their words replaced: distinct stories
        body = [" ".join(w if random.random() > 0.25 else random.choice(vocabulary) for w in p)
                for p in random.choices(paragraphs, k=20)]
        recent = (recent + [body])[-50:]
    print(json.dumps({"id": f"bench-{i}", "title": f"Benchmark article {i}",
                      "published_at": "2026-01-10T12:00:00Z", "body": "\n\n".join(body)}))
