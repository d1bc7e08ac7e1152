#!/usr/bin/env python3
"""Word vectors from WordLlama's token embeddings, in the GloVe text format that
`newsflow train --word-vectors` reads: the experiment of docs/QUALITY.md ("Earlier choices")
that compared them with the shipped GloVe vectors for the IPTC model. Not used by the build.

WordLlama (PyPI `wordllama`, MIT) ships a 32,000-token table of 256-dimensional embeddings
distilled from Llama 2's, with its tokenizer, inside the wheel. A word's vector is the mean of
its tokens' rows; the words are GloVe's (the cached vectors of data/iptc_training.py), in
their frequency order, so that the vocabulary cut of `--vocabulary` means the same.

  python3 eval/wordllama_vectors.py OUT.txt [--words 200000] [--dims 256]
  NEWSFLOW_IPTC_TRAIN_FLAGS="--word-vectors OUT.txt --vocabulary 80000 --epochs 30 \
      --lr 0.01 --seed 1 --max-words 120" \
      python3 eval/topic_eval.py --protocols cross-corpus --blends linear:0.5,calibrated

The first run installs wordllama 0.4.0.post1 from PyPI into ~/.cache/newsflow/venv-wordllama.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "data"))
import iptc_training  # noqa: E402  (the GloVe vocabulary, downloaded and checked there)

PACKAGE = "wordllama==0.4.0.post1"
VENV = os.path.join(os.path.dirname(iptc_training.VECTORS_CACHE), "venv-wordllama")


def in_venv(argv):
    """Re-runs this script with the venv's Python, creating the venv on first use."""
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", PACKAGE], check=True)
    os.execv(python, [python, os.path.abspath(__file__), "--in-venv", *argv])


def convert(out, words_wanted, dims):
    import numpy as np
    import wordllama
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    base = os.path.dirname(wordllama.__file__)
    with open(os.path.join(base, "tokenizers", "l2_supercat_tokenizer_config.json")) as f:
        tokenizer = Tokenizer.from_str(f.read())
    table = load_file(os.path.join(base, "weights", "l2_supercat_256.safetensors"))
    table = table["embedding.weight"].astype(np.float32)[:, :dims]
    words = []
    with open(iptc_training.word_vectors(), encoding="utf-8") as f:
        for line in f:
            words.append(line.split(" ", 1)[0])
            if len(words) >= words_wanted:
                break
    written = 0
    with open(out, "w", encoding="utf-8") as f:
        for word, encoding in zip(words, tokenizer.encode_batch(words, add_special_tokens=False)):
            if not encoding.ids:
                continue
            vector = table[encoding.ids].mean(axis=0)
            f.write(word + " " + " ".join("%.5f" % x for x in vector) + "\n")
            written += 1
    print("%s: %d words, %d dimensions" % (out, written, dims), file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output")
    parser.add_argument("--words", type=int, default=200000)
    parser.add_argument("--dims", type=int, default=256, help="first N of the 256 (Matryoshka)")
    parser.add_argument("--in-venv", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.in_venv:
        in_venv(sys.argv[1:])
    convert(args.output, args.words, args.dims)


if __name__ == "__main__":
    main()
