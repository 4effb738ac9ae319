#!/usr/bin/env bash
# Set everything up in .venv and run the main job on the bundled demo data:
# train the tf-idf rung on a tweet-sentiment sample, evaluate it on validation and test, save it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/textladder train data/demo/train.csv --valid data/demo/valid.csv \
    --test data/demo/test.csv --out models/demo-tfidf
