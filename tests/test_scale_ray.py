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
