#!/usr/bin/env bash
# Set everything up in .venv and climb the ladder on the bundled demo data (a tweet-sentiment
# sample): a baseline, the rungs that fit a 4-minute budget, then ensembles of the best, each
# scored on validation and test; prints the leaderboard and the best model's metrics.
# The run is saved in runs/demo (its best model in runs/demo/best); running this again reuses it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/textladder train data/demo/train.csv --valid data/demo/valid.csv \
    --test data/demo/test.csv --budget 4 --out runs/demo
