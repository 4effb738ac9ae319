"""The HTTP server in-process (FastAPI's TestClient): answers, limits, keys, errors, batching.

The catalogue of malformed requests each gets a 4xx with a one-line message, and the server
answers a good request right after each. A real uvicorn process (SIGTERM drain, workers) is
tested in test_serve_process.py.
"""

from __future__ import annotations

import asyncio
import json
import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from conftest import make_task_data  # noqa: E402
from feature_data import signal_table  # noqa: E402
from textladder import TextClassifier  # noqa: E402
from textladder.errors import TextladderError  # noqa: E402
from textladder.serve import ServeSettings, create_app  # noqa: E402
from textladder.serve.batcher import MicroBatcher  # noqa: E402
from textladder.serve.predictor import Predictor  # noqa: E402

KEY = "s3cret-key"
HELD_OUT = ["superb lovely film", "dreadful awful film", "kitchen window film", "great boring"]


def _train(task: str, path, extra=None):
    texts, labels = make_task_data(task, 12)
    TextClassifier(model="tfidf", task=task, model_params={"C": [10.0]}).fit(
        texts, labels).save(path, extra)
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve-models")
    made = {task: _train(task, root / task, {"columns": {"text": "text"}})
            for task in ("multiclass", "binary", "multilabel", "regression")}
    # a model that reads a side column, `hours`: requests must then carry it, by name
    table = signal_table(90).rename(columns={"group": "hours", "text": "review"})
    made["features"] = root / "features"
    TextClassifier(model="tfidf", features=["hours"], text_column="review").fit(
        table[["review", "hours"]], table["label"]).save(made["features"])
    return made


@pytest.fixture(scope="module")
def client(models):
    settings = ServeSettings(model=str(models["multiclass"]), max_batch=8, max_text_chars=1000,
                             max_body_bytes=64 * 1024)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _good(client, **headers):
    response = client.post("/predict", json={"texts": HELD_OUT}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["predictions"]


def test_predictions_are_the_models_in_order(client, models):
    clf = TextClassifier.load(models["multiclass"])
    predictions = _good(client)
    assert [p["label"] for p in predictions] == list(clf.predict(HELD_OUT))
    proba = [[p["probabilities"][label] for label in clf.labels_] for p in predictions]
    np.testing.assert_allclose(proba, clf.predict_proba(HELD_OUT), rtol=1e-6)
    one = client.post("/predict", json={"text": HELD_OUT[1]}).json()["predictions"]
    assert one == [predictions[1]]
    rows = client.post("/predict", json={"rows": [{"text": t} for t in HELD_OUT]})
    assert rows.json()["predictions"] == predictions


def _chunks(size: int):
    yield b'{"texts": ["'
    for _ in range(size // 4096):
        yield b"a" * 4096
    yield b'"]}'


# (name, request keyword arguments, status, fragment of the error message)
CATALOGUE = [
    ("bad JSON", dict(content=b'{"texts": ["a",', headers={"content-type": "application/json"}),
     422, "not valid JSON"),
    ("not JSON at all", dict(content=b"texts=a", headers={"content-type": "text/plain"}),
     422, "Content-Type: application/json"),
    ("a body that is not UTF-8", dict(content=b'{"texts": ["\xff\xfe"]}',
                                      headers={"content-type": "application/json"}),
     400, "could not be read as JSON"),
    ("texts of the wrong type", dict(json={"texts": [1, 2]}), 422, "valid string"),
    ("a text of the wrong type", dict(json={"text": 5}), 422, "valid string"),
    ("texts not a list", dict(json={"texts": "great"}), 422, "valid list"),
    ("a body that is a list", dict(json=["great"]), 422, "dictionary"),
    ("an empty batch", dict(json={"texts": []}), 422, "at least 1"),
    ("an empty object", dict(json={}), 422, "exactly one of"),
    ("two forms at once", dict(json={"text": "a", "texts": ["b"]}), 422, "exactly one of"),
    ("a 10 MB text", dict(json={"text": "a" * 10_000_000}), 413, "over this server's limit"),
    ("a 10 MB chunked body", dict(content=_chunks(10_000_000),
                                  headers={"content-type": "application/json"}),
     413, "the request body goes over this server's limit"),
    ("a null text", dict(json={"text": None}), 422, "'text' is null"),
    ("a text over the length limit", dict(json={"text": "a" * 1001}), 422, "at most 1000"),
    ("too many texts", dict(json={"texts": ["a"] * 9}), 422, "at most 8"),
    ("an unknown field", dict(json={"texts": ["a"], "lang": "en"}), 422, "Extra inputs"),
    ("an unknown column in a row", dict(json={"rows": [{"text": "a", "hours": 3}]}), 422,
     "rows.0.hours"),
    ("a row without text", dict(json={"rows": [{"words": "a"}]}), 422, "rows.0.text"),
]


@pytest.mark.parametrize("name,request_args,status,fragment", CATALOGUE,
                         ids=[c[0] for c in CATALOGUE])
def test_malformed_requests_get_a_4xx_with_a_message(client, name, request_args, status,
                                                     fragment):
    response = client.post("/predict", **request_args)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert fragment in error and "\n" not in error and "Traceback" not in response.text
    assert len(response.content) < 4096  # the refused input is not echoed back
    assert len(_good(client)) == len(HELD_OUT)  # and the server keeps answering


def test_other_paths_and_methods_get_json_errors(client):
    assert client.get("/predict").status_code == 405
    missing = client.get("/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]


def test_missing_feature_columns_are_refused(models):
    settings = ServeSettings(model=str(models["features"]))
    with TestClient(create_app(settings)) as client:
        texts_only = client.post("/predict", json={"texts": ["great"]})
        assert texts_only.status_code == 422 and "hours" in texts_only.json()["error"]
        no_column = client.post("/predict", json={"rows": [{"text": "great"}]})
        assert no_column.status_code == 422, no_column.text
        assert no_column.json()["error"].startswith("rows.0.hours: Field required")
        unknown = client.post("/predict", json={"rows": [{"text": "great", "hours": 2,
                                                          "mood": "x"}]})
        assert unknown.status_code == 422 and "rows.0.mood" in unknown.json()["error"]
        good = client.post("/predict", json={"rows": [{"text": "great", "hours": 2}]})
        assert good.status_code == 200
        rows = [{"text": "table lamp", "hours": group} for group in ("north", "south", "east")]
        answers = client.post("/predict", json={"rows": rows}).json()["predictions"]
        clf = TextClassifier.load(models["features"])
        table = pd.DataFrame(rows).rename(columns={"text": "review"})
        expected = clf.predict(table)  # the column decides: the text is neutral
        assert [a["label"] for a in answers] == list(expected) == ["red", "green", "blue"]
        assert client.get("/model").json()["columns"]["feature_kinds"] == {"hours": "category"}
        # a row of the training table, its text under the table's own column name, is taken
        own = client.post("/predict", json={"rows": table.to_dict("records")})
        assert [a["label"] for a in own.json()["predictions"]] == list(expected)
        schema = client.get("/openapi.json").json()["components"]["schemas"]["Row"]
        assert schema["required"] == ["text", "hours"]


def test_every_request_needs_the_key(models, monkeypatch):
    monkeypatch.setenv("TEXTLADDER_TEST_KEY", KEY)
    settings = ServeSettings(model=str(models["multiclass"]), api_key_env="TEXTLADDER_TEST_KEY")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": f"Bearer {KEY}x"},
                        {"Authorization": f"Basic {KEY}"}, {"X-API-Key": KEY[:-1]}):
            for method, path in (("post", "/predict"), ("get", "/model"), ("post", "/docs"),
                                 ("post", "/health"), ("get", "/docs-static/../model")):
                response = client.request(method, path, json={"texts": ["a"]}, headers=headers)
                assert response.status_code == 401, (headers, path)
                assert "API key" in response.json()["error"]
            # a load balancer's probe needs no key, and learns nothing but that the server is up
            assert client.get("/health", headers=headers).json() == {"status": "ok"}
            # the API's description is open, so that a browser can show it, and names no path
            assert client.get("/docs", headers=headers).status_code == 200
            assert client.get("/docs-static/swagger-ui.css", headers=headers).status_code == 200
            described = client.get("/openapi.json", headers=headers).json()
            assert str(models["multiclass"]) not in json.dumps(described)
            assert {"APIKeyHeader", "HTTPBearer"} <= set(described["components"][
                "securitySchemes"])  # what /docs's "Authorize" sends
        told = client.get("/health", headers={"X-API-Key": KEY}).json()
        assert told["status"] == "ok" and told["model"].endswith(models["multiclass"].name)
        assert _good(client, **{"X-API-Key": KEY})
        assert _good(client, Authorization=f"Bearer {KEY}")
        # an unauthenticated body is not read: no 413 for its size, a 401
        huge = client.post("/predict", json={"text": "a" * 10_000_000})
        assert huge.status_code == 401


def test_a_missing_key_variable_is_one_line(models, monkeypatch):
    monkeypatch.delenv("TEXTLADDER_NO_SUCH_KEY", raising=False)
    settings = ServeSettings(model=str(models["multiclass"]), api_key_env="TEXTLADDER_NO_SUCH_KEY")
    with pytest.raises(TextladderError, match="TEXTLADDER_NO_SUCH_KEY.*not set"):
        create_app(settings)


class Failing(Predictor):
    """Fails on any batch holding the text 'boom'."""

    def __call__(self, texts):
        if "boom" in texts:
            raise ValueError("a secret internal detail")
        return super().__call__(texts)


def test_a_model_error_is_a_short_500_and_spares_the_other_requests(models):
    settings = ServeSettings(model=str(models["multiclass"]))
    with TestClient(create_app(settings, load=Failing), raise_server_exceptions=False) as client:
        response = client.post("/predict", json={"texts": ["great", "boom"]})
        assert response.status_code == 500
        body = response.json()
        assert body == {"error": "the model failed on this request (ValueError)"}
        assert _good(client)


def test_blank_texts_get_a_null_answer_in_their_place(client, models):
    answers = client.post("/predict", json={"texts": ["", HELD_OUT[0], "   "]}).json()
    clf = TextClassifier.load(models["multiclass"])
    assert answers["predictions"][0] == answers["predictions"][2] == {"label": None}
    assert answers["predictions"][1]["label"] == clf.predict([HELD_OUT[0]])[0]
    with TestClient(create_app(ServeSettings(model=str(models["regression"])))) as regression:
        values = regression.post("/predict", json={"texts": [" ", "great"]}).json()
        assert values["predictions"][0] == {"value": None}
        assert isinstance(values["predictions"][1]["value"], float)


def test_model_describes_itself(models):
    for task in ("binary", "multilabel", "regression"):
        clf = TextClassifier.load(models[task])
        with TestClient(create_app(ServeSettings(model=str(models[task])))) as client:
            info = client.get("/model").json()
            assert info["task"] == task and info["labels"] == list(clf.labels_)
            assert info["metric"] == clf.task_.primary_metric is not None
            assert info["metrics"]["valid"] == json.loads(json.dumps(clf.valid_metrics_))
            assert info["versions"]["saved_by_textladder"] and info["limits"]["max_batch"]
            predictions = _good(client)
            if task == "binary":
                assert info["positive_class"] == clf.labels_[1]
                assert info["thresholds"] == {clf.labels_[1]: clf.task_.threshold_}
            if task == "multilabel":
                assert set(info["thresholds"]) == set(clf.labels_)
                assert [tuple(p["label"]) for p in predictions] == list(clf.predict(HELD_OUT))
            if task == "regression":
                assert info["range"] == [0.0, 1.0] and info["thresholds"] is None
                np.testing.assert_allclose([p["value"] for p in predictions],
                                           clf.predict(HELD_OUT))
            assert client.get("/health").json()["status"] == "ok"
            page = client.get("/docs")  # offline: Swagger UI from this server, not a CDN
            assert page.status_code == 200 and "cdn." not in page.text
            assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
            assert client.get("/docs-static/swagger-ui.css").status_code == 200


def test_requests_that_arrive_together_share_model_calls():
    seen = []

    def slow_model(texts):
        seen.append(len(texts))
        time.sleep(0.02)
        return [f"answer to {t}" for t in texts]

    async def scenario():
        batcher = MicroBatcher(slow_model, max_texts=64, max_wait_s=0.005)
        await batcher.start()
        requests = [[f"r{i}-{j}" for j in range(i % 3 + 1)] for i in range(40)]
        answers = await asyncio.gather(*(batcher.predict(r) for r in requests))
        await batcher.close()
        return requests, answers

    requests, answers = asyncio.run(scenario())
    assert answers == [[f"answer to {t}" for t in r] for r in requests]
    assert len(seen) < 10 and max(seen) <= 64 and sum(seen) == sum(map(len, requests))


def test_a_request_over_the_model_batch_runs_alone_and_whole():
    seen = []

    def model(texts):
        seen.append(len(texts))
        return list(texts)

    async def scenario():
        batcher = MicroBatcher(model, max_texts=4)
        await batcher.start()
        answers = await asyncio.gather(batcher.predict(list("abcdefg")), batcher.predict(["h"]))
        await batcher.close()
        return answers

    assert asyncio.run(scenario()) == [list("abcdefg"), ["h"]]
    assert seen == [7, 1]


def test_a_batch_waits_only_for_requests_in_flight():
    seen = []

    def model(texts):
        seen.append(list(texts))
        return list(texts)

    async def scenario(in_flight: int):
        batcher = MicroBatcher(model, max_texts=64, max_wait_s=2.0)
        await batcher.start()
        for _ in range(in_flight):
            batcher.expect()
        first = asyncio.ensure_future(batcher.predict(["a"]))
        await asyncio.sleep(0.05)  # the others are still being read
        rest = await asyncio.gather(batcher.predict(["b"]), batcher.predict(["c"]))
        await batcher.close()
        return [await first, *rest]

    assert asyncio.run(scenario(3)) == [["a"], ["b"], ["c"]]
    assert seen == [["a", "b", "c"]]  # three in flight: the first waited for the other two
    seen.clear()
    asyncio.run(scenario(1))
    assert seen[0] == ["a"]  # alone in flight: it did not wait


def test_the_command_says_what_is_wrong_in_one_line(models, tmp_path, monkeypatch):
    from cli_helpers import assert_clean_error, run

    assert_clean_error(run("serve", tmp_path / "missing"), "missing")
    monkeypatch.delenv("TL_UNSET_KEY", raising=False)
    assert_clean_error(run("serve", models["multiclass"], "--api-key-env", "TL_UNSET_KEY"),
                       "TL_UNSET_KEY")
    assert_clean_error(run("serve", models["multiclass"], "--max-batch", "0"), "--max-batch")
    assert_clean_error(run("serve", models["multiclass"], "--workers", "0"), "--workers")


def test_a_missing_extra_names_the_install_command():
    from textladder.cli.app import _extra

    with pytest.raises(TextladderError, match=r"pip install 'textladder\[serve\]'"):
        _extra("textladder_no_such_module", "serve", "textladder serve")


def test_the_core_imports_neither_the_server_nor_ray():
    import subprocess
    import sys

    code = ("import sys, textladder, textladder.cli.app, textladder.workflows.predict; "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'ray', "
            "'textladder.serve', 'textladder.scale') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_served_texts_are_not_cached_on_disk():
    from types import SimpleNamespace

    from textladder.encoders.cache import stop_caching

    encoder = SimpleNamespace(cache=object())
    clf = SimpleNamespace(family_=SimpleNamespace(settings_={"cache": True}, encoder_=encoder))
    assert stop_caching(clf) and clf.family_.settings_["cache"] is False
    assert encoder.cache is None
    assert not stop_caching(clf)  # nothing left to stop
    assert not stop_caching(SimpleNamespace(family_=SimpleNamespace(settings={"C": [1]})))


def test_a_numeric_feature_takes_numbers_not_words(tmp_path):
    table = signal_table(60)
    TextClassifier(model="tfidf", features=["height"], text_column="text").fit(
        table[["text", "height"]], table["label"]).save(tmp_path / "m")
    with TestClient(create_app(ServeSettings(model=str(tmp_path / "m")))) as client:
        good = client.post("/predict", json={"rows": [{"text": "a", "height": 171.5},
                                                      {"text": "b", "height": "168"},
                                                      {"text": "c", "height": ""}]})
        assert good.status_code == 200 and len(good.json()["predictions"]) == 3
        for wrong in ("abc", True):
            bad = client.post("/predict", json={"rows": [{"text": "a", "height": wrong}]})
            assert bad.status_code == 422 and "rows.0.height" in bad.json()["error"], bad.text
        assert client.get("/model").json()["columns"]["feature_kinds"] == {"height": "numeric"}



def test_only_the_description_and_health_pass_the_key_guard_without_a_key():
    from textladder.serve.guards import _open

    def opened(method, path):
        return _open({"method": method, "path": path})

    assert opened("GET", "/health") and opened("GET", "/docs") and opened("GET", "/openapi.json")
    assert opened("GET", "/docs-static/swagger-ui.css")
    assert not opened("GET", "/docs-static/../model")  # as a raw path might arrive
    assert not opened("POST", "/docs") and not opened("HEAD", "/health")
    assert not opened("GET", "/model") and not opened("POST", "/predict")
