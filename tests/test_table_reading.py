"""Reading the user's table right with no column flags: the text, the labels and their scale.

Each shape is a small table made here, read by `inspect` and trained on by `train` with no
--text or --label (except where the table cannot say: claff's `agency` among its label columns).
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from cli_helpers import assert_clean_error, run, run_json
from textladder.data.columns import choose_columns
from textladder.data.scales import match_order, scale_order
from textladder.errors import TextladderError

WORDS = {"Drama": ["tears", "family", "loss", "grief"], "Crime": ["heist", "detective", "gang",
         "murder"], "Comedy": ["jokes", "laughs", "prank", "silly"]}
FILLER = ["the", "a", "story", "of", "with", "and", "in", "town", "who", "finds", "their", "life"]


def _sentence(rng: random.Random, topic_words: list[str], n: int) -> str:
    words = [rng.choice(FILLER) for _ in range(n)] + rng.sample(topic_words, 2)
    rng.shuffle(words)
    return " ".join(words)


def _movies(n: int = 60) -> pd.DataFrame:
    rng = random.Random(0)
    rows = []
    for i in range(n):
        genres = [["Drama"], ["Crime"], ["Comedy"], ["Drama", "Crime"]][i % 4]
        topic = [w for g in genres for w in WORDS[g]]
        rows.append({"title": f"{rng.choice(['The', 'A'])} {rng.choice(FILLER).title()} {i}",
                     "overview": _sentence(rng, topic, 30) + f" number {i}",
                     "genre_ids": str(genres), "popularity": round(rng.uniform(1, 90), 2)})
    return pd.DataFrame(rows)


def _check_picks(tmp_path, frame: pd.DataFrame, text: str, labels: list[str], task: str,
                 *flags: str) -> dict:
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    seen = run_json("inspect", path, *flags)
    assert seen["columns"] == {"text": text, "labels": labels}
    assert seen["task"] == task
    trained = run_json("train", path, *flags, "--model", "tfidf", "--out", tmp_path / "m",
                       "--set", "C=[10]")  # one rung: what is read, not the climb, is tested
    assert trained["data"]["columns"] == {"text": text, "labels": labels}
    assert trained["task"] == task and trained["plan"]["task"] == task
    assert trained["plan"]["head"] == {"binary": "sigmoid", "multilabel": "multi_sigmoid",
                                       "ordinal": "cumulative"}[task]
    return trained


def test_title_overview_and_list_literal_genres(tmp_path):
    trained = _check_picks(tmp_path, _movies(), "overview", ["genre_ids"], "multilabel")
    reasons = " ".join(trained["plan"]["column_reasons"])
    assert "'overview': median 34 words" in reasons and "'title' (median 3 words" in reasons
    assert "lists of labels" in reasons
    assert trained["labels"] == ["Comedy", "Crime", "Drama"]
    assert trained["metrics"]["test"]["macro_f1"] > 0.5  # read from the overview, it learns


def test_one_text_and_eleven_zero_one_emotion_columns(tmp_path):
    emotions = ["anger", "anticipation", "disgust", "fear", "joy", "love", "optimism",
                "pessimism", "sadness", "surprise", "trust"]
    rng = random.Random(1)
    rows = []
    for i in range(66):
        on = {emotions[i % 11], emotions[(i * 7) % 11]}
        row = {"ID": f"2018-En-{i:05d}",
               "Tweet": _sentence(rng, [e + "ful" for e in on] + ["today"], 8)}
        row.update({e: int(e in on) for e in emotions})
        rows.append(row)
    trained = _check_picks(tmp_path, pd.DataFrame(rows), "Tweet", emotions, "multilabel")
    assert any("11 0/1 columns" in r for r in trained["plan"]["column_reasons"])
    assert "each row carries a set of labels" in trained["plan"]["task_reason"]
    assert "lists" not in trained["plan"]["task_reason"]  # they are columns in this table


def test_a_zero_one_column_named_like_a_label_offers_the_group_with_it():
    rng = random.Random(3)
    frame = pd.DataFrame({"text": [_sentence(rng, ["fine", "day"], 8) for _ in range(40)],
                          "x": [i % 2 for i in range(40)], "y": [i // 2 % 2 for i in range(40)],
                          "z": [i // 3 % 2 for i in range(40)]})
    picked = choose_columns(frame)
    assert picked.labels == ("y",)  # its name keeps it a label of its own ...
    # ... and the way to the other reading names every 0/1 column, itself included
    assert "--label x --label y --label z" in picked.reasons[1]


def test_moment_and_agency_among_ten_other_columns(tmp_path):
    rng = random.Random(2)
    rows = []
    for i in range(60):
        agency = "yes" if i % 2 else "no"
        rows.append({
            "hmid": 27673 + i, "moment": _sentence(rng, ["I", "finished", "my", "project"]
                                                   if agency == "yes" else
                                                   ["my", "friend", "surprised", "me"], 10),
            "reflection": rng.choice(["24h", "3m"]), "age": rng.randint(18, 70),
            "country": rng.choice(["USA", "IND", "VEN"]), "gender": rng.choice(["m", "f"]),
            "duration": rng.choice(["half_a_day", "at_least_one_hour", "a_few_moment"]),
            "married": rng.choice(["single", "married"]), "parenthood": rng.choice(["y", "n"]),
            "concepts": rng.choice(["family|food", "career", "education|family"]),
            "agency": agency, "social": rng.choice(["yes", "no"]),
        })
    trained = _check_picks(tmp_path, pd.DataFrame(rows), "moment", ["agency"], "binary",
                           "--label", "agency")
    assert trained["plan"]["positive"]["label"] == "yes"


def test_a_named_five_level_scale_is_ordinal_in_its_order(tmp_path):
    levels = ["Very Negative", "Negative", "Neutral", "Positive", "Very Positive"]
    rng = random.Random(3)
    rows = [{"review": _sentence(rng, [f"grade{k}", f"mark{k}"], 6) + f" {i}",
             "sentiment": levels[k]} for i in range(60) for k in [i % 5]]
    trained = _check_picks(tmp_path, pd.DataFrame(rows), "review", ["sentiment"], "ordinal")
    assert trained["labels"] == levels
    assert "known sentiment scale" in trained["task_reason"]


def test_semeval_levels_with_leading_numbers_are_ordered_by_them(tmp_path):
    levels = [f"{k}: {'very ' if abs(k) == 3 else ''}"
              f"{'negative' if k < 0 else 'positive' if k > 0 else 'neutral'} emotional state "
              f"can be inferred" for k in range(-3, 4)]
    rng = random.Random(4)
    rows = [{"ID": i, "Tweet": _sentence(rng, [f"mood{k}", f"feel{k}"], 6),
             "Affect Dimension": "valence", "Intensity Class": levels[k]}
            for i in range(70) for k in [i % 7]]
    trained = _check_picks(tmp_path, pd.DataFrame(rows), "Tweet", ["Intensity Class"],
                           "ordinal")
    assert trained["labels"] == levels  # -3 first, not "-1" as sorted strings would put it
    path = tmp_path / "table.csv"
    numbered = run_json("train", path, "--order", "-3,-2,-1,0,1,2,3", "--model", "tfidf",
                        "--out", tmp_path / "n", "--set", "C=[10]")
    assert numbered["labels"] == levels


def test_scales_and_orders():
    assert scale_order(["1 star", "3 stars", "2 stars", "5 stars", "4 stars"])[0][0] == "1 star"
    assert scale_order(["5 - great", "1 - awful", "3 - ok"])[0] == ["1 - awful", "3 - ok",
                                                                    "5 - great"]
    assert scale_order(["HIGH", "low", "Medium"])[0] == ["low", "Medium", "HIGH"]
    assert scale_order(["good", "bad", "ok"])[0] == ["bad", "ok", "good"]
    assert scale_order(["strongly_agree", "agree", "disagree", "strongly-disagree"])[0] == [
        "strongly-disagree", "disagree", "agree", "strongly_agree"]
    assert scale_order(["negative", "neutral", "positive"]) is None  # three classes, as usual
    assert scale_order(["red", "green", "blue"]) is None
    assert scale_order(["1.5 stars", "2 stars", "3 stars"]) is None  # not one level per number
    levels = ["Very Negative", "Negative", "Neutral", "Positive", "Very Positive"]
    assert match_order(["very neg", "neg", "neu", "pos", "very pos"], levels) == levels
    with pytest.raises(TextladderError, match="could be any of"):
        match_order(["very", "neg"], levels)
    assert match_order(["-1", "0", "1"], ["-1: bad", "0: so so", "1: good"]) == [
        "-1: bad", "0: so so", "1: good"]


def test_close_and_tied_columns_are_said_or_refused():
    frame = pd.DataFrame({"a": [f"some words here {i}" for i in range(10)],
                          "b": [f"other words there {i}" for i in range(10)],
                          "label": ["x", "y"] * 5})
    with pytest.raises(TextladderError, match="cannot tell which column holds the text.*'a'"):
        choose_columns(frame)
    frame["b"] = [f"other words {i}" for i in range(10)]  # a bit shorter: close, not tied
    choice = choose_columns(frame)
    assert choice.text == "a" and "close: 'b'" in choice.reasons[0]
    assert "--text b" in choice.reasons[0]
    assert {c["columns"][0] for c in choice.candidates["text"]} == {"a", "b", "label"}
    frame["text"] = frame.pop("b")  # a usual text name breaks the tie between close candidates
    assert choose_columns(frame).text == "text"


def test_unrelated_label_candidates_are_refused_not_guessed(tmp_path):
    frame = pd.DataFrame({"post": [f"a long enough post number {i}" for i in range(12)],
                          "gender": ["m", "f"] * 6, "country": ["us", "in", "ve"] * 4})
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    assert_clean_error(run("inspect", path), "cannot tell which column holds the labels",
                       "'gender'", "--label COLUMN")


def test_text_and_label_given_swapped_are_refused_saying_so(tmp_path):
    rng = random.Random(4)
    frame = pd.DataFrame({"review": [_sentence(rng, ["good", "film"], 9) + f" {i}"
                                     for i in range(200)],
                          "stars": [rng.choice(["pos", "neg", "neu"]) for _ in range(200)]})
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    assert_clean_error(run("train", path, "--text", "stars", "--label", "review", "--model",
                           "tfidf"), "label column 'review'", "free text", "swapped",
                       "--text review --label stars")
    with pytest.raises(TextladderError):  # the same refusal from the Python side
        choose_columns(frame, "stars", ["review"])
    assert choose_columns(frame, "review", ["stars"]).labels == ("stars",)


def test_a_column_with_the_same_list_on_every_row_is_not_the_label(tmp_path):
    frame = _movies()
    frame["genres"] = frame["genre_ids"]
    frame["genre_ids"] = "['x', 'y']"  # the same label set on every row: says nothing
    choice = choose_columns(frame)
    assert choice.text == "overview" and choice.labels == ("genres",)
    path = tmp_path / "same.csv"
    frame[["overview", "genre_ids"]].to_csv(path, index=False)
    assert_clean_error(run("train", path, "--label", "genre_ids", "--model", "tfidf", "--out",
                           tmp_path / "run", "--no-report"),
                       "every training row carries the same labels (x, y)")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert_clean_error(run("inspect", empty), "one JSON object per line")


def test_nested_json_objects_are_neither_text_nor_labels(tmp_path):
    import json

    from cli_helpers import assert_clean_error, run

    words = ["bad awful thing here", "fine okay stuff there", "great lovely film now"]
    labels = ["negative", "neutral", "positive"]
    nested_text = tmp_path / "doc.jsonl"
    nested_text.write_text("".join(json.dumps({"doc": {"body": f"{words[i % 3]} {i}"},
                                               "label": labels[i % 3]}) + "\n"
                                   for i in range(60)))
    assert_clean_error(run("inspect", nested_text), "column 'doc' holds JSON objects",
                       "pandas.json_normalize")
    odd_label = tmp_path / "odd.jsonl"  # one label in 23 is an object, not a class
    odd_label.write_text("".join(json.dumps({"text": f"{words[i % 3]} {i}", "label": (
        labels[i % 3] if i % 23 else {"value": labels[i % 3], "conf": 0.9})}) + "\n"
        for i in range(60)))
    for args in ([], ["--label", "label"]):
        assert_clean_error(run("inspect", odd_label, *args),
                           "column 'label'", "holds a JSON object on 3 rows (the first: row 1)")
    odd_text = tmp_path / "odd_text.jsonl"  # one text is an object: said, no other column taken
    odd_text.write_text("".join(json.dumps({"title": f"t {i}", "text": (
        f"{words[i % 3]} {i}" if i != 5 else {"body": "x"}), "label": labels[i % 3]}) + "\n"
        for i in range(60)))
    assert_clean_error(run("inspect", odd_text), "column 'text'",
                       "holds a JSON object on 1 row (the first: row 6), where a text is a string")


def test_a_header_repeated_inside_the_file_is_refused_naming_the_row(tmp_path):
    from cli_helpers import assert_clean_error, run

    path = tmp_path / "joined.csv"
    path.write_text("text,label\nlovely film,positive\nawful film,negative\n"
                    "text,label\nfine film,neutral\n")
    assert_clean_error(run("inspect", path), "data row 3 of", "repeats the header (text, label)",
                       "remove the repeated header rows")
    # pandas' default export (an unnamed index column), joined; and files with a BOM, joined
    frame = pd.DataFrame({"text": ["lovely film", "awful film"], "label": ["pos", "neg"]})
    indexed = tmp_path / "indexed.csv"
    indexed.write_text(frame.to_csv() + frame.to_csv())
    assert_clean_error(run("inspect", indexed), "data row 3 of", "repeats the header")
    marked = tmp_path / "marked.csv"
    marked.write_bytes(2 * frame.to_csv(index=False).encode("utf-8-sig"))
    assert_clean_error(run("inspect", marked), "data row 3 of", "repeats the header")


def test_a_column_named_label_beside_the_list_column_picked_is_said_to_be_close(tmp_path):
    import numpy as np

    from cli_helpers import run_json

    rng = np.random.default_rng(0)
    words, labels = ["bad awful", "fine okay", "great lovely"], ["neg", "neu", "pos"]
    pd.DataFrame({"text": [f"{words[i % 3]} thing number {i}" for i in range(90)],
                  "label": [labels[i % 3] for i in range(90)],
                  "tags": [list(rng.choice(list("abcd"), size=rng.integers(1, 3),
                                           replace=False)) for i in range(90)]}).to_parquet(
        tmp_path / "t.parquet")
    reason = run_json("inspect", tmp_path / "t.parquet")["column_reasons"][1]
    assert reason.startswith("label column 'tags': lists of labels")
    assert "close: 'label' (3 classes): check it, or pass --label label" in reason
