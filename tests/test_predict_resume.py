"""`predict --input` in chunks: an interrupted run leaves no output, only staging files and a
progress file; `--resume` goes on from the last finished chunk and gives the same file as one
uninterrupted run; anything that changed since makes it refuse."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from cli_helpers import assert_clean_error, run, run_json
from conftest import make_task_data, write_table
from textladder import TextClassifier
from textladder.errors import TextladderError
from textladder.progress import Progress, Step
from textladder.workflows import predict as predict_module
from textladder.workflows.options import ReadOptions
from textladder.workflows.predict import predict_file
from textladder.workflows.staged_output import StagedOutput, unfinished_rows

CHUNK = 5


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    texts, labels = make_task_data("multiclass", 12)
    path = tmp_path_factory.mktemp("resume") / "model"
    TextClassifier(model="tfidf", model_params={"C": [10.0]}).fit(texts, labels).save(path)
    return path


def _input(folder, suffix="csv", rows=23):
    texts = [f"{['great lovely', 'awful dreadful', 'tuesday table'][i % 3]} film {i}"
             for i in range(rows)]
    texts[7] = ""  # a row without text keeps its place, without a prediction
    return write_table(folder / f"in.{suffix}", texts, ["?"] * rows)


class StopAfter(Progress):
    """Raises KeyboardInterrupt once `chunks` chunks have been written."""

    def __init__(self, chunks: int):
        self.chunks = chunks

    def step(self, description, total=None):
        progress = self

        class Stopping(Step):
            def advance(self, amount=1):
                if amount and amount == CHUNK:  # a chunk was written (not the resumed rows)
                    progress.chunks -= 1
                    if progress.chunks == 0:
                        raise KeyboardInterrupt

        from contextlib import nullcontext
        return nullcontext(Stopping())


def _count_predicted(monkeypatch) -> list[int]:
    seen: list[int] = []
    original = predict_module.with_predictions

    def counting(clf, chunk, *args):
        seen.append(len(chunk))
        return original(clf, chunk, *args)

    monkeypatch.setattr(predict_module, "with_predictions", counting)
    return seen


def _read(path):
    if path.name.endswith(".parquet"):
        return pd.read_parquet(path)
    if path.name.endswith(".jsonl"):
        return pd.read_json(path, lines=True)
    return pd.read_csv(path)


@pytest.mark.parametrize("suffix", ["csv", "csv.gz", "jsonl", "parquet"])
def test_an_interrupted_run_resumes_to_the_same_file(model, tmp_path, monkeypatch, suffix):
    source = _input(tmp_path)
    fresh, target = tmp_path / f"fresh.{suffix}", tmp_path / f"out.{suffix}"
    predict_file(str(model), str(source), str(fresh), ReadOptions(), CHUNK)
    with pytest.raises(KeyboardInterrupt):
        predict_file(str(model), str(source), str(target), ReadOptions(), CHUNK, StopAfter(3))
    assert not target.exists()  # only complete once renamed into place
    assert unfinished_rows(target) == 3 * CHUNK
    staged = StagedOutput(target, "csv", {})
    if suffix != "parquet":  # a chunk half written when the process died: cut back on resume
        with open(staged.staging, "ab") as handle:
            handle.write(b"half a chunk,")
    seen = _count_predicted(monkeypatch)
    report = predict_file(str(model), str(source), str(target), ReadOptions(), CHUNK,
                          resume=True)
    assert seen == [5, 3]  # rows 15-22 only
    assert report["resumed_from_row"] == 15 and report["rows"] == 23
    assert report["rows_without_text"] == 1 and report["predicted"] == 22
    pd.testing.assert_frame_equal(_read(target), _read(fresh))
    if suffix == "csv.gz":
        assert gzip.decompress(target.read_bytes()) == gzip.decompress(fresh.read_bytes())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["in.csv", f"fresh.{suffix}", f"out.{suffix}"])  # no staging files left behind


def test_a_run_without_resume_starts_over(model, tmp_path, monkeypatch):
    source, target = _input(tmp_path), tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        predict_file(str(model), str(source), str(target), ReadOptions(), CHUNK, StopAfter(2))
    seen = _count_predicted(monkeypatch)
    report = predict_file(str(model), str(source), str(target), ReadOptions(), CHUNK)
    assert seen == [5, 5, 5, 5, 3] and report["resumed_from_row"] == 0
    assert len(pd.read_csv(target)) == 23


def test_resume_refuses_a_changed_input_or_options(model, tmp_path):
    source, target = _input(tmp_path), tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        predict_file(str(model), str(source), str(target), ReadOptions(), CHUNK, StopAfter(2))
    with pytest.raises(TextladderError, match=r"another input file, model or options .*"
                                              r"\(what differs: chunksize\)"):
        predict_file(str(model), str(source), str(target), ReadOptions(), CHUNK + 1,
                     resume=True)
    _input(tmp_path, rows=24)  # the input changed since
    with pytest.raises(TextladderError, match="what differs: .*size"):
        predict_file(str(model), str(source), str(target), ReadOptions(), CHUNK, resume=True)
    assert unfinished_rows(target) == 2 * CHUNK  # refusing kept what was done


def test_resume_with_nothing_to_resume_runs_from_the_start(model, tmp_path):
    report = run_json("predict", model, "--input", _input(tmp_path), "--output",
                      tmp_path / "out.jsonl", "--chunksize", CHUNK, "--resume")
    assert report["resumed_from_row"] == 0 and report["rows"] == 23
    assert report["rows_per_second"] > 0


def test_one_writer_per_output(model, tmp_path):
    source, target = _input(tmp_path), tmp_path / "out.csv"
    with StagedOutput(target, "csv", {"other": "run"}):
        assert_clean_error(run("predict", model, "--input", source, "--output", target),
                           "another run is writing")
    assert run("predict", model, "--input", source, "--output", target).exit_code == 0


def test_an_error_before_any_chunk_leaves_nothing(model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text\n", encoding="utf-8")  # a header, no rows
    assert_clean_error(run("predict", model, "--input", source, "--output", tmp_path / "o.csv"),
                       "no rows")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_a_parquet_output_whose_first_chunks_have_no_text_takes_the_later_types(model, tmp_path):
    texts = [""] * 7 + ["great lovely film", "awful dreadful film", "tuesday table"] * 3
    source = write_table(tmp_path / "blank_first.csv", texts, ["?"] * len(texts))
    target = tmp_path / "out.parquet"
    with pytest.raises(KeyboardInterrupt):  # stopped after the two chunks with a text
        predict_file(str(model), str(source), str(target), ReadOptions(), CHUNK, StopAfter(3))
    report = predict_file(str(model), str(source), str(target), ReadOptions(), CHUNK,
                          resume=True)
    assert report["rows"] == 16 and report["predicted"] == 9
    read = pd.read_parquet(target)
    assert read["prediction"].isna().sum() == 7 and read["text"].tolist()[7:] == texts[7:]
    assert read["prediction"].tolist()[7:10] == ["positive", "negative", "neutral"]


def test_a_parquet_output_of_whole_numbers_with_a_gap_in_one_chunk_is_written(model, tmp_path):
    rows = [{"id": i, "text": f"great lovely film {i}", "rating": None if i == 7 else i}
            for i in range(12)]
    source = tmp_path / "rated.jsonl"
    pd.DataFrame(rows).to_json(source, orient="records", lines=True)
    target = tmp_path / "out.parquet"
    report = predict_file(str(model), str(source), str(target), ReadOptions(), CHUNK)
    read = pd.read_parquet(target)
    assert report["rows"] == 12 and read["id"].tolist() == list(range(12))
    assert read["rating"].isna().tolist() == [i == 7 for i in range(12)]
    assert read["rating"].dropna().tolist() == [i for i in range(12) if i != 7]
