#!/usr/bin/env python3
"""IPTC top-level topics on labelled news the model did not train on (docs/QUALITY.md).

  eval/topic_eval.py [--newsflow build/cli/newsflow] [--shared ../shared/data]
                     [--blends lexicon,linear:0.5,calibrated] [--model-flags "..."]
                     [--guard] [--confusion]

Two protocols, each training its own models with data/iptc_training.py:
  folds         one model per fold k (5), trained without fold k of every corpus; each
                corpus's fold k is tested on it (never train and test on one article);
  cross-corpus  one model per corpus X, trained without X at all; tested on X.
Each test runs the whole pipeline (`newsflow batch`: normalize, tag) with each blend: the
lexicon alone, the linear blend at a model weight (linear:W), and the calibrated blend, whose
two weights are fitted (data/iptc_training.py calibrate) on the fold models' held-out
predictions without the tested fold, or without the tested corpus. Full articles are also
tested as their title alone and as title + first paragraph.

Measures per corpus: top-1 (the first-ranked topic's top level is the corpus's), label
recall (the corpus's top level is among those reported), no-topic rate, macro-F1 over the
top levels present (of the top-1 decision), and ECE (expected calibration error of the
reported top-level scores, 10 bins: a score should be the chance that the topic is right).
"""
import argparse
import collections
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
import iptc_training as T  # noqa: E402

LABELS = {
    "medtop:01000000": "arts", "medtop:02000000": "crime", "medtop:03000000": "disaster",
    "medtop:04000000": "economy", "medtop:05000000": "education", "medtop:06000000": "environment",
    "medtop:07000000": "health", "medtop:08000000": "human interest", "medtop:09000000": "labour",
    "medtop:10000000": "lifestyle", "medtop:11000000": "politics", "medtop:12000000": "religion",
    "medtop:13000000": "science", "medtop:14000000": "society", "medtop:15000000": "sport",
    "medtop:16000000": "conflict", "medtop:17000000": "weather",
}


test_views = T.test_views
CORPORA_VIEW = {name: kind for name, (_, kind) in T.CORPORA.items()}


def blend_flags(blend, model, calibration=None):
    """`newsflow batch` flags for a blend name: lexicon, linear:W or calibrated."""
    if blend == "lexicon":
        return ["--topic-model", "none"]
    if blend.startswith("linear:"):
        return ["--topic-model", model, "--topic-blend", "linear",
                "--topic-model-weight", blend.split(":", 1)[1]]
    if blend == "calibrated":
        flags = ["--topic-model", model, "--topic-blend", "calibrated"]
        if calibration:
            flags += ["--topic-calibration-lexicon", str(calibration[0]),
                      "--topic-calibration-model", str(calibration[1])]
        return flags
    sys.exit("unknown blend %r (lexicon, linear:W, calibrated)" % blend)


def measure(items, predicted, tops):
    n = len(items)
    top1 = recall = none = 0
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    confusion = collections.defaultdict(collections.Counter)
    calibration = []  # (score, correct)
    for item in items:
        gold = item["iptc"]
        ranked = predicted.get(item["id"], [])
        levels = []
        best = {}
        for code, score in ranked:
            top = tops.get(code, code)
            if top not in best:
                levels.append(top)
            best[top] = max(best.get(top, 0), score)
        first = levels[0] if levels else "none"
        confusion[gold][first] += 1
        if not levels:
            none += 1
        if first == gold:
            top1 += 1
            tp[gold] += 1
        else:
            fn[gold] += 1
            if first != "none":
                fp[first] += 1
        if gold in best:
            recall += 1
        for top, score in best.items():
            calibration.append((score, top == gold))
    f1s = []
    for label in set(tp) | set(fn):
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    ece = 0.0
    bins = collections.defaultdict(list)
    for score, correct in calibration:
        bins[min(9, int(score * 10))].append((score, correct))
    for members in bins.values():
        confidence = sum(s for s, _ in members) / len(members)
        accuracy = sum(1 for _, c in members if c) / len(members)
        ece += abs(confidence - accuracy) * len(members) / max(1, len(calibration))
    return {"n": n, "top1": top1 / n, "recall": recall / n, "none": none / n,
            "macro_f1": sum(f1s) / len(f1s) if f1s else 0.0, "ece": ece, "confusion": confusion,
            "tp": tp, "fp": fp, "fn": fn, "calibration": calibration}


def per_topic_and_reliability(by_corpus, title):
    """Per corpus ({name: [measures]}): F1 of the first topic per top level, and the
    reliability of the reported top-level scores (10 bins: the share right against the mean
    score)."""
    names = list(by_corpus)
    pooled = {}
    for name, ms in by_corpus.items():
        tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
        calibration = []
        for m in ms:
            tp.update(m["tp"])
            fp.update(m["fp"])
            fn.update(m["fn"])
            calibration.extend(m["calibration"])
        pooled[name] = (tp, fp, fn, calibration)
    print("F1 per top level, %s (first topic; articles in brackets):\n" % title)
    print("| top level | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    labels = sorted({c for tp, _, fn, _ in pooled.values() for c in set(tp) | set(fn)},
                    key=lambda c: LABELS.get(c, c))
    for label in labels:
        cells = []
        for name in names:
            tp, fp, fn, _ = pooled[name]
            n = tp[label] + fn[label]
            if not n:
                cells.append("")
                continue
            p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
            r = tp[label] / n
            cells.append("%.3f (%d)" % (2 * p * r / (p + r) if p + r else 0.0, n))
        print("| %s | %s |" % (LABELS.get(label, label), " | ".join(cells)))
    print("\nReliability, %s: of the top levels reported with a score in the bin, the share that "
          "is the corpus's label (reported in brackets)\n" % title)
    print("| score | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    binned = {}
    for name in names:
        bins = collections.defaultdict(list)
        for score, correct in pooled[name][3]:
            bins[min(9, int(score * 10))].append(correct)
        binned[name] = bins
    for b in range(10):
        if not any(binned[n][b] for n in names):
            continue
        cells = ["%.2f (%d)" % (sum(binned[n][b]) / len(binned[n][b]), len(binned[n][b]))
                 if binned[n][b] else "" for n in names]
        print("| %.1f–%.1f | %s |" % (b / 10, (b + 1) / 10, " | ".join(cells)))
    print()


def guard(args, tops, blends):
    """The four top levels without a corpus, on the invented reports (eval/invented_reports.jsonl,
    the lexicon's development set, so a guard against the model drowning them, not a measure
    of the lexicon): per top level, the share whose first topic is right, lexicon alone and
    with the shipped model."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "invented_reports.jsonl")
    import json
    items = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            items.append({"id": d["id"], "title": d["title"], "body": d["body"],
                          "iptc": d["expected"]})
    print("## Guard: top levels without a corpus (invented reports, shipped model)\n")
    print("| top level | reports | " + " | ".join(blends) + " |")
    print("|---|---|" + "---|" * len(blends))
    columns = []
    for blend in blends:
        predicted = T.run_batch(args.newsflow, items, blend_flags(blend, args.model))
        right = collections.Counter()
        for item in items:
            ranked = predicted.get(item["id"], [])
            if ranked and tops.get(ranked[0][0], ranked[0][0]) == item["iptc"]:
                right[item["iptc"]] += 1
        columns.append(right)
    totals = collections.Counter(i["iptc"] for i in items)
    for code in sorted(T.WITHOUT_CORPUS) + ["all"]:
        n = sum(totals.values()) if code == "all" else totals[code]
        cells = []
        for right in columns:
            k = sum(right.values()) if code == "all" else right[code]
            cells.append("%d (%.2f)" % (k, k / n if n else 0))
        print("| %s | %d | %s |" % ("all 17" if code == "all" else LABELS[code], n, " | ".join(cells)))
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--newsflow", default="build/cli/newsflow")
    parser.add_argument("--shared", default=os.environ.get("NEWSFLOW_SHARED_DATA", "../shared/data"))
    parser.add_argument("--blends", default="lexicon,linear:0.5,calibrated",
                        help="blends to test: lexicon (alone), linear:W (model weight W), "
                             "calibrated")
    parser.add_argument("--protocols", default="folds,cross-corpus")
    parser.add_argument("--model-flags", default="",
                        help="more `newsflow batch` flags with the model, e.g. "
                             "'--topic-model-threshold 0.3'")
    parser.add_argument("--confusion", action="store_true", help="print confusion matrices")
    parser.add_argument("--guard", action="store_true",
                        help="also the invented reports per top level without a corpus")
    parser.add_argument("--model", default="builtin:iptc-topics-v2",
                        help="the shipped model, for --guard (with newsflow's calibration)")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tops = T.lexicon_top_levels(root)
    corpora = {name: T.load_corpus(args.shared, name) for name in T.CORPORA}
    blends = args.blends.split(",")
    folds = 5
    distant = T.distant_examples(args.newsflow, args.shared, root)
    print("# IPTC top level on held-out news\n")
    filed = sorted({LABELS[item["iptc"]] for item in distant})
    print("Distant supervision: %d unlabelled articles filed by the lexicon under %s.\n" % (
        len(distant), ", ".join(filed)))
    results = []  # (protocol, corpus, view, blend, measures)
    fits = []  # (protocol, calibration)
    with tempfile.TemporaryDirectory() as tmp:
        def evaluate(protocol, name, items, model, calibration):
            for view, view_items in test_views(name, items):
                for blend in blends:
                    flags = blend_flags(blend, model, calibration)
                    if blend != "lexicon":
                        flags += args.model_flags.split()
                    predicted = T.run_batch(args.newsflow, view_items, flags)
                    results.append((protocol, name, view, blend,
                                    measure(view_items, predicted, tops)))

        # The fold models serve the folds protocol and the calibration's held-out inputs.
        models = T.fold_models(args.newsflow, args.shared, tmp, distant, folds) \
            if "folds" in args.protocols or "calibrated" in blends else []
        inputs = T.calibration_inputs(args.newsflow, args.shared, root, models) \
            if "calibrated" in blends else {}
        if "folds" in args.protocols:
            for k, model in enumerate(models):
                calibration = T.calibrate(inputs, exclude_fold=k) if inputs else None
                fits.append(("without fold %d" % k, calibration))
                for name in T.CORPORA:
                    held = [i for i in corpora[name] if T.fold_of(i["id"], folds) == k]
                    evaluate("folds-%d" % k, name, held, model, calibration)
                print("fold %d of %d done" % (k + 1, folds), file=sys.stderr)
        if "cross-corpus" in args.protocols:
            for name in T.CORPORA:
                model = os.path.join(tmp, "without-%s.bin" % name)
                T.train(args.newsflow, T.training_set(args.shared, root, args.newsflow,
                                                      exclude_corpus=name, distant=distant), model)
                calibration = T.calibrate(inputs, exclude_corpus=name) if inputs else None
                fits.append(("without %s" % name, calibration))
                evaluate("cross-corpus", name, corpora[name], model, calibration)
                print("without %s done" % name, file=sys.stderr)
    if fits and fits[0][1]:
        print("Calibrated blend fitted (lexicon weight, model weight): " + "; ".join(
            "%s %.2f, %.2f" % (what, c[0], c[1]) for what, c in fits) + ".\n")

    def table(protocol_prefix, title):
        print("## %s\n" % title)
        print("| corpus | text | blend | articles | top-1 | label recall | no topic | macro-F1 | ECE |")
        print("|---|---|---|---|---|---|---|---|---|")
        grouped = collections.OrderedDict()
        for protocol, name, view, blend, m in results:
            if protocol.startswith(protocol_prefix):
                grouped.setdefault((name, view, blend), []).append(m)
        for (name, view, blend), ms in grouped.items():
            n = sum(m["n"] for m in ms)
            avg = lambda key: sum(m[key] * m["n"] for m in ms) / n  # noqa: E731
            print("| %s | %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f |" % (
                name, view, blend, n, avg("top1"),
                avg("recall"), avg("none"), avg("macro_f1"), avg("ece")))
        print()
        if protocol_prefix == "cross-corpus":
            # Each corpus's own text (not the title and title + lead views), the last blend.
            per_topic_and_reliability(
                {name: ms for (name, view, blend), ms in grouped.items()
                 if blend == blends[-1] and view == CORPORA_VIEW[name]},
                "across corpora, %s" % blends[-1])
        if args.confusion:
            for (name, view, blend), ms in grouped.items():
                if blend != blends[-1]:
                    continue
                confusion = collections.defaultdict(collections.Counter)
                for m in ms:
                    for gold, row in m["confusion"].items():
                        confusion[gold].update(row)
                cols = sorted({c for row in confusion.values() for c in row})
                print("Confusion, %s (%s), %s: rows = corpus label, columns = first topic\n" % (
                    name, view, blend))
                print("| | " + " | ".join(LABELS.get(c, c) for c in cols) + " |")
                print("|---|" + "---|" * len(cols))
                for gold in sorted(confusion):
                    print("| %s | " % LABELS.get(gold, gold) +
                          " | ".join(str(confusion[gold][c] or "") for c in cols) + " |")
                print()

    if args.guard:
        guard(args, tops, blends)
    if "folds" in args.protocols:
        table("folds", "Held-out folds (%d folds; the model never saw the article)" % folds)
    if "cross-corpus" in args.protocols:
        table("cross-corpus", "Across corpora (the model never saw the corpus)")


if __name__ == "__main__":
    main()
