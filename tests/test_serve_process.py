"""The server as a real uvicorn process: the command line with workers and a key, and SIGTERM
draining the requests in flight before the process exits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from conftest import make_task_data  # noqa: E402
from textladder import TextClassifier  # noqa: E402

TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(TESTS), env.get("PYTHONPATH", "")])
    return env


def _wait_healthy(process, url: str, headers=None, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.communicate()[0]}")
        try:
            if httpx.get(f"{url}/health", headers=headers, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not start")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    texts, labels = make_task_data("multiclass", 12)
    path = tmp_path_factory.mktemp("served") / "model"
    TextClassifier(model="tfidf", model_params={"C": [10.0]}).fit(texts, labels).save(path)
    return path


def _collect(process) -> tuple[list[str], threading.Thread]:
    """The process's output lines, gathered by a thread as they come (until it exits)."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    return lines, reader


def test_the_command_serves_with_workers_and_a_key(model):
    port, key = _free_port(), "k-123"
    process = subprocess.Popen(
        [sys.executable, "-m", "textladder.cli.app", "serve", str(model), "--port", str(port),
         "--workers", "2", "--api-key-env", "TL_TEST_KEY"],
        env=_env(TL_TEST_KEY=key), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
    lines, reader = _collect(process)
    try:
        deadline = time.monotonic() + 300
        while sum("Application startup complete" in line for line in lines) < 2:
            assert process.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)  # both workers have loaded the model once they say so
        _wait_healthy(process, url, headers)
        assert httpx.get(f"{url}/health", timeout=10).json() == {"status": "ok"}
        assert httpx.get(f"{url}/model", timeout=10).status_code == 401
        clf = TextClassifier.load(model)
        texts = ["superb lovely film", "dreadful awful film", "kitchen window film"]
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            for _ in range(10):
                answer = client.post("/predict", json={"texts": texts})
                assert [p["label"] for p in answer.json()["predictions"]] == clf.predict(texts)
            assert client.get("/model").json()["task"] == "multiclass"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        reader.join(timeout=60)
    output = "".join(lines)
    assert process.returncode in (0, -signal.SIGTERM), output
    assert output.count("Application shutdown complete") == 2, output  # both drained


def test_sigterm_drains_the_requests_in_flight(model, tmp_path):
    port, count = _free_port(), tmp_path / "count"
    code = ("import uvicorn; uvicorn.run('serve_slow_app:factory', factory=True, "
            f"port={port}, timeout_graceful_shutdown=60, log_level='info')")
    process = subprocess.Popen(
        [sys.executable, "-c", code], env=_env(SLOW_MODEL=str(model), SLOW_SECONDS="1.0",
                                               SLOW_COUNT=str(count)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url, answers = f"http://127.0.0.1:{port}", {}
    try:
        _wait_healthy(process, url)

        def ask(i: int) -> None:
            try:
                response = httpx.post(f"{url}/predict", json={"text": f"great film {i}"},
                                      timeout=60)
                answers[i] = response.status_code, response.json()
            except Exception as error:  # noqa: BLE001 - recorded, asserted below
                answers[i] = None, repr(error)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while not (count.exists() and count.read_text() == "6"):
            assert time.monotonic() < deadline, "the requests did not reach the server"
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)  # all six are in flight, none answered yet
        for thread in threads:
            thread.join(timeout=90)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=90)[0]
    assert all(status == 200 and body["predictions"][0]["label"] == "positive"
               for status, body in answers.values()), answers
    assert len(answers) == 6
    # uvicorn raises SIGTERM again once it has shut down, so the exit may report it
    assert process.returncode in (0, -signal.SIGTERM) and "Shutting down" in output, output
