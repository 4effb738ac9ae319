"""Labels spelt two ways are said, never merged: inspect lists them, evaluate names the skipped
labels that match known ones apart from spelling."""

from __future__ import annotations

import pandas as pd

from cli_helpers import run, run_json
from textladder.data.spellings import known_spellings, variant_groups


def test_variants_are_case_punctuation_and_near_misspellings_only():
    groups = variant_groups(["positive", "Positive", " positive ", "positve", "POS", "negative",
                             "Negative", "neutral", "natural", "anger", "angry", "1", "2"])
    assert groups == [["Negative", "negative"], ["Positive", "positive", "positve"]]
    assert known_spellings(["NEGATIVE", "joy"], ["negative", "positive"]) == {
        "NEGATIVE": "negative"}
    for distinct in (["-1", "1", "+1"], ["<=50K", ">50K"], ["A", "A+", "A-"], ["c", "c++", "c#"],
                     [f"LABEL_{i}" for i in range(12)], [f"category_{i}" for i in range(5)],
                     ["madness", "sadness"], ["sad", "sadness"]):
        assert variant_groups(distinct) == [], distinct  # different classes, not spellings
    assert variant_groups(["category 1", "category_1"]) == [["category 1", "category_1"]]
    assert known_spellings(["LABEL_12", "category_5"],
                           [f"LABEL_{i}" for i in range(12)] + ["category_1"]) == {}


def test_inspect_and_evaluate_say_which_labels_are_spelt_otherwise(tmp_path):
    words = {"positive": "great lovely", "negative": "awful dreadful", "neutral": "plain table"}
    rows = [{"text": f"{words[k]} film {i}", "label": k} for i in range(20) for k in words]
    rows += [{"text": "great lovely film again", "label": "Positive"}]
    frame = pd.DataFrame(rows)
    frame.to_csv(tmp_path / "train.csv", index=False)
    problems = " ".join(run_json("inspect", tmp_path / "train.csv")["problems"])
    assert "labels that look like one label spelt otherwise (Positive / positive)" in problems
    clean = frame[frame["label"] != "Positive"]
    clean.to_csv(tmp_path / "clean.csv", index=False)
    assert run("train", tmp_path / "clean.csv", "--model", "tfidf", "--set", "C=[10]", "--out",
               tmp_path / "m", "--no-report").exit_code == 0
    shouted = clean.assign(label=[l.upper() if i % 2 else l for i, l in enumerate(clean["label"])])
    shouted.to_csv(tmp_path / "shouted.csv", index=False)
    said = " ".join(run("evaluate", tmp_path / "m", tmp_path / "shouted.csv").stdout.split())
    assert "some look like known labels spelt otherwise" in said and "NEGATIVE for negative" in said
