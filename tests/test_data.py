"""Reading tables: formats, encodings, column choice, label cells."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from textladder.data.columns import choose_columns
from textladder.data.dataset import load_labelled
from textladder.data.formats import iter_table, read_table
from textladder.errors import TextladderError


def test_na_text_stays_text_and_bom_is_dropped(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufefftext,label\nNA,neg\nnull,pos\n".encode("utf-8"))
    frame = read_table(path)
    assert list(frame.columns) == ["text", "label"]
    assert frame.text.tolist() == ["NA", "null"]


def test_quoted_newlines_and_commas(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('text,label\n"line one\nline two, still",pos\n')
    assert read_table(path).text.tolist() == ["line one\nline two, still"]


def test_jsonl_native_lists_and_parquet_lists(tmp_path):
    rows = [{"review": "a b", "tags": ["x", "y"]}, {"review": "c", "tags": ["y"]}]
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in rows))
    table = load_labelled(jsonl)
    assert table.columns.text == "review" and table.columns.labels == ("tags",)
    assert list(table.labels[0]) == ["x", "y"]
    parquet = tmp_path / "t.parquet"
    pd.DataFrame(rows).to_parquet(parquet)
    assert list(load_labelled(parquet).labels[1]) == ["y"]


def test_chunks_bound_memory(tmp_path):
    path = tmp_path / "big.csv"
    pd.DataFrame({"text": [f"t{i}" for i in range(25)]}).to_csv(path, index=False)
    assert [len(c) for c in iter_table(path, chunksize=10)] == [10, 10, 5]


@pytest.mark.parametrize(
    "columns, text, label",
    [(["id", "tweet", "sentiment"], "tweet", "sentiment"),
     (["Sentence", "Class"], "Sentence", "Class"),
     (["body", "stars", "date"], "body", "stars")],
)
def test_columns_are_picked_by_name(columns, text, label):
    frame = pd.DataFrame([["1"] * len(columns)], columns=columns)
    choice = choose_columns(frame)
    assert (choice.text, choice.labels) == (text, (label,))
    assert any("its name" in reason for reason in choice.reasons)


def test_two_unnamed_columns_take_the_longer_as_text():
    frame = pd.DataFrame({"a": ["pos", "neg"], "b": ["a long sentence here", "another one"]})
    choice = choose_columns(frame)
    assert choice.text == "b" and choice.labels == ("a",)


def test_label_columns_must_be_zero_one(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"text": ["a", "b"], "x": [0, 1], "y": ["low", "high"]}).to_csv(path, index=False)
    with pytest.raises(TextladderError, match="column 'y' holds other values"):
        load_labelled(path, labels=("x", "y"))


def test_a_csv_separated_by_semicolons_is_read_by_its_columns(tmp_path):
    from textladder.data.formats import read_table

    path = tmp_path / "excel.csv"
    path.write_text("text;label;score\ngreat, lovely film;pos;3,5\nawful film;neg;1\n",
                    encoding="utf-8")
    frame = read_table(path)
    assert list(frame.columns) == ["text", "label", "score"]
    assert frame["text"].tolist() == ["great, lovely film", "awful film"]
    assert frame["score"].tolist() == ["3.5", "1"]  # the decimal comma read as a number's
    commas = tmp_path / "plain.csv"
    commas.write_text("text,label\n\"a; b\",pos\n", encoding="utf-8")
    assert read_table(commas)["text"].tolist() == ["a; b"]


def test_a_broken_json_line_is_named_by_its_line_number(tmp_path):
    from textladder.data.formats import read_table

    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n\n{"text": "b", label: "y"}\n', encoding="utf-8")
    with pytest.raises(TextladderError, match="line 3 is not a JSON object"):
        read_table(path)


def test_yes_no_label_columns_are_label_sets_and_a_column_named_twice_is_refused():
    import pandas as pd

    from textladder.data.dataset import label_sets

    frame = pd.DataFrame({"agency": ["yes", "no", "Yes"], "social": [True, False, "true"]})
    assert label_sets(frame, ("agency", "social")) == [("agency", "social"), (), ("agency",
                                                                                  "social")]
    with pytest.raises(TextladderError, match="'agency' is named twice"):
        label_sets(frame, ("agency", "agency"))


@pytest.mark.parametrize("line", ["5", "null", "[1, 2]"])
def test_a_json_line_that_is_no_object_is_named(tmp_path, line):
    from textladder.data.formats import read_table

    path = tmp_path / "odd.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(TextladderError, match="line 2 is not a JSON object"):
        read_table(path)
