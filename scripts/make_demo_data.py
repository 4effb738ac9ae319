"""Rebuild data/demo/ from ../shared/data/tweeteval-sentiment: a seeded, stratified sample.

    python scripts/make_demo_data.py

Train: 6,000 of the training rows; valid: 1,000 of the official validation rows; test: 2,000 of the
official test rows; each sampled with the class shares of its source. See data/demo/README.md.
"""

from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

SOURCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tweeteval-sentiment"
TARGET = Path(__file__).resolve().parents[1] / "data" / "demo"
SIZES = {"train": 6000, "valid": 1000, "test": 2000}

for split, size in SIZES.items():
    frame = pd.read_csv(SOURCE / f"{split}.csv", dtype=str, keep_default_na=False)
    sample, _ = train_test_split(frame, train_size=size, stratify=frame["label"], random_state=0)
    sample.to_csv(TARGET / f"{split}.csv", index=False)
    print(split, len(sample), sample["label"].value_counts().to_dict())
