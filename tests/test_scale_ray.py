"""Batch prediction with Ray Data on a local Ray instance: the same predictions as `predict
--input`, row for row, through the command line (`--engine ray`) and the Python function on a
Ray Dataset read from Parquet. (JSONL goes through the same reader and writer calls; `python -m
benchmarks ray-check --formats jsonl` compares it.)

The CSV file has 100,000 rows (TEXTLADDER_RAY_ROWS sets another number); `python -m benchmarks
ray-check --rows N --formats csv,parquet,jsonl` runs the same comparison with the demo model.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

ray = pytest.importorskip("ray")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` lives at the repository root, beside src/

from benchmarks.ray_check import compare, differences, read_output, write_rows  # noqa: E402
from cli_helpers import assert_clean_error, run  # noqa: E402
from conftest import make_task_data  # noqa: E402
from textladder import TextClassifier  # noqa: E402

ROWS = int(os.environ.get("TEXTLADDER_RAY_ROWS", "100000"))


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    texts, labels = make_task_data("multiclass", 12)
    path = tmp_path_factory.mktemp("ray") / "model"
    TextClassifier(model="tfidf", model_params={"C": [10.0]}).fit(texts, labels).save(path)
    return path


def test_the_command_predicts_a_csv_file_as_local_prediction_does(local_ray, model, tmp_path):
    source = write_rows(tmp_path / "in.csv", ROWS)
    run("predict", model, "--input", source, "--output", tmp_path / "local.csv")
    result = run("predict", model, "--input", source, "--output", tmp_path / "ray.csv",
                 "--engine", "ray")
    assert result.exit_code == 0, result.output
    assert differences(read_output(tmp_path / "local.csv"), read_output(tmp_path / "ray.csv")) == []
    assert not list(tmp_path.glob(".ray*"))  # the output folder was renamed into place
    assert_clean_error(run("predict", model, "--input", source, "--output", tmp_path / "o.csv",
                           "--engine", "ray", "--resume"), "--resume")


def test_a_ray_dataset_read_from_parquet(local_ray, model, tmp_path):
    from textladder.scale import predict_dataset
    from textladder.workflows.predict import predict_file

    source = write_rows(tmp_path / "in.parquet", 2000)
    predict_file(str(model), str(source), str(tmp_path / "local.parquet"))
    predicted = predict_dataset(ray.data.read_parquet(str(source)), model).to_pandas()
    assert differences(read_output(tmp_path / "local.parquet"), predicted) == []


def test_a_csv_separated_by_semicolons_is_read_by_its_columns_with_ray(local_ray, model,
                                                                        tmp_path):
    source = tmp_path / "semi.csv"
    source.write_text("text;note\ngreat lovely film;a, b\nawful dreadful film;c\n",
                      encoding="utf-8")
    run("predict", model, "--input", source, "--output", tmp_path / "local.csv")
    result = run("predict", model, "--input", source, "--output", tmp_path / "ray.csv",
                 "--engine", "ray")
    assert result.exit_code == 0, result.output
    assert differences(read_output(tmp_path / "local.csv"), read_output(tmp_path / "ray.csv")) == []
    assert read_output(tmp_path / "ray.csv")["note"].tolist() == ["a, b", "c"]


def test_a_quoted_tsv_is_read_as_the_local_engine_reads_it(local_ray, model, tmp_path):
    source = tmp_path / "quoted.tsv"
    pd.DataFrame({"text": ['she said "great" lovely film', "awful dreadful film"],
                  "note": ["x", "y"]}).to_csv(source, sep="\t", index=False)
    assert '"she said ""great"" lovely film"' in source.read_text()  # quoted as pandas writes
    run("predict", model, "--input", source, "--output", tmp_path / "local.csv")
    result = run("predict", model, "--input", source, "--output", tmp_path / "ray.csv",
                 "--engine", "ray")
    assert result.exit_code == 0, result.output
    ray_rows = read_output(tmp_path / "ray.csv")
    assert ray_rows["text"].tolist()[0] == 'she said "great" lovely film'
    assert differences(read_output(tmp_path / "local.csv"), ray_rows) == []


def test_what_ray_did_not_write_is_never_replaced(local_ray, model, tmp_path):
    source = write_rows(tmp_path / "in.parquet", 50)
    kept = tmp_path / "mine.parquet"
    kept.mkdir()
    (kept / "notes.txt").write_text("precious")
    for output, said in ((kept, "did not write"), (source, "the input itself")):
        assert_clean_error(run("predict", model, "--input", source, "--output", output,
                               "--engine", "ray"), said)
    assert (kept / "notes.txt").read_text() == "precious"
    ours = tmp_path / "ours.parquet"
    for _ in range(2):  # a rerun replaces the folder a run wrote
        result = run("predict", model, "--input", source, "--output", ours, "--engine", "ray")
        assert result.exit_code == 0, result.output
    assert len(read_output(ours)) == 50
    from textladder.errors import TextladderError
    from textladder.scale import predict_with_ray

    predicted = tmp_path / "predicted.csv"  # an input holding predictions already: refused
    run("predict", model, "--input", source, "--output", predicted)  # before any actor starts
    with pytest.raises(TextladderError, match="column 'prediction'"):
        predict_with_ray(str(model), str(predicted), str(tmp_path / "again.csv"))
