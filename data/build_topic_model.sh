#!/usr/bin/env bash
# Builds the shipped topic model data/models/reuters21578-topics-v3.bin from Reuters-21578
# (../shared/data/reuters21578/train.jsonl, LEWISSPLIT=TRAIN) with `newsflow train`.
# Reproducible: one training thread and a fixed seed give the same bytes on the same build.
# Usage: data/build_topic_model.sh [path/to/newsflow] [shared data dir]
set -euo pipefail
cd "$(dirname "$0")/.."
newsflow="${1:-build/cli/newsflow}"
shared="${2:-../shared/data}"
version=v3
out="data/models/reuters21578-topics-${version}.bin"
mkdir -p data/models
# Options are spelled out (not left to defaults) so that the file is rebuilt the same way
# when defaults change; a change here is a new version.
"$newsflow" train \
  --input "$shared/reuters21578/train.jsonl" \
  --labels-field topics --label-prefix reuters: \
  --epochs 50 --lr 0.5 --dim 16 --word-ngrams 1 --min-count 2 --buckets 30000 \
  --quantize false --seed 1 \
  --output "$out"
sha256sum "$out"
