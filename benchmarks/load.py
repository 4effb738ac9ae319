"""Throughput and latency of `textladder serve` under a fixed load (`python -m benchmarks load`).

For each model, one server (`textladder serve MODEL`, one worker, its default limits and
batching) runs in its own process on loopback. For each (texts per request, concurrency), an
asyncio client in this process keeps `concurrency` requests in flight, each on its own kept-alive
connection, until `requests` have been answered: a fixed amount of work that stops by itself.
The client is a minimal HTTP/1.1 one (`_Connection`), so that it takes little of the CPU the
server shares with it. A warm-up of
`WARMUP` requests comes first and is not counted. Each request's latency is from sending to the
whole answer. Errors are non-200 answers and failed connections. The server's own counters
(`GET /health`) give the texts per model call, which shows how far requests were batched.

The models are trained on the bundled demo tweets unless given (`--model NAME=DIR`); the
requests cycle through the demo test texts. This module measures and returns records;
results.py stores them, report.py renders them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.results import PACKAGE_DIR, REPO_ROOT

DEMO = REPO_ROOT / "data" / "demo"
WARMUP = 50
REQUEST_TIMEOUT = 600  # seconds; a request unanswered by then counts as an error
SHAPES = ((1, 1), (1, 32), (32, 1), (32, 32))  # (texts per request, concurrency)
QUICK_SHAPES = ((1, 1), (1, 8), (8, 8))


def demo_model(family: str, folder: Path) -> Path:
    """A `family` model of the bundled demo tweets, trained once into `folder`."""
    from textladder.workflows.options import ReadOptions
    from textladder.workflows.train import TrainJob, train

    path = folder / f"load-{family}"
    if not (path / "config.json").is_file():
        train(TrainJob(data=str(DEMO / "train.csv"), valid=str(DEMO / "valid.csv"), test=None,
                       out=str(path), model=family), ReadOptions())
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`textladder serve MODEL` in a child process on a free loopback port."""

    def __init__(self, model: Path, *options: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(REPO_ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "textladder.cli.app", "serve", str(model), "--port",
             str(self.port), *options], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)

    def __enter__(self) -> "Server":
        import httpx

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.communicate()[0][-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("the server did not start within 300 s")

    def health(self) -> dict[str, Any]:
        import httpx

        return httpx.get(f"{self.url}/health", timeout=10).json()

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class _Connection:
    """A minimal HTTP/1.1 client on one kept-alive connection: POST a JSON body, read the status
    and the body (by Content-Length). Far lighter than a general client, so that a client on
    the same machine takes as little CPU from the server as it can."""

    def __init__(self, host: str, port: int):
        self.host, self.port, self.reader, self.writer = host, port, None, None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (path.encode(), self.host.encode(),
                                                           len(body), body))
        head = (await self.reader.readuntil(b"\r\n\r\n")).lower()
        status = int(head[9:12])
        length = int(head.split(b"content-length:")[1].split(b"\r\n")[0])
        data = await self.reader.readexactly(length)
        if b"connection: close" in head:
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _load(url: str, texts: list[str], batch: int, concurrency: int,
                requests: int) -> dict[str, Any]:
    """`requests` POST /predict of `batch` texts each, `concurrency` at a time, each of the
    `concurrency` clients on its own connection."""
    import json

    host, port = url.split("//")[1].split(":")
    starts = sorted({(i * batch) % len(texts) for i in range(min(requests, len(texts)))})
    bodies = {start: json.dumps({"texts": [texts[(start + j) % len(texts)]
                                           for j in range(batch)]}).encode()
              for start in starts}
    latencies, errors, issued = [], [], 0

    async def client() -> None:
        nonlocal issued
        connection = _Connection(host, int(port))
        while issued < requests:
            i, issued = issued, issued + 1
            began = time.perf_counter()
            try:
                status, data = await asyncio.wait_for(
                    connection.post("/predict", bodies[(i * batch) % len(texts)]),
                    REQUEST_TIMEOUT)
                if status != 200 or len(json.loads(data)["predictions"]) != batch:
                    errors.append(f"{status}: {data[:200]!r}")
            except (OSError, ValueError, KeyError, asyncio.IncompleteReadError,
                    TimeoutError) as error:
                errors.append(repr(error)[:200])
                connection.close()
            latencies.append(time.perf_counter() - began)
        connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    seconds = time.perf_counter() - began
    ms = np.array(latencies) * 1000
    return {"requests": requests, "errors": len(errors), "first_errors": errors[:3],
            "seconds": round(seconds, 3), "requests_per_s": round(requests / seconds, 1),
            "texts_per_s": round(requests * batch / seconds, 1),
            "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2)}


def measure_model(name: str, model: Path, texts: list[str], shapes, requests: int,
                  baseline_requests: int, log=print) -> list[dict[str, Any]]:
    """One record per (texts per request, concurrency) against one server of `model`."""
    records = []
    with Server(model) as server:
        for batch, concurrency in shapes:
            asyncio.run(_load(server.url, texts, batch, concurrency, WARMUP))
            before = server.health()
            count = requests if concurrency > 1 else baseline_requests
            result = asyncio.run(_load(server.url, texts, batch, concurrency, count))
            after = server.health()
            calls = after["model_calls"] - before["model_calls"]
            record = {"model": name, "family": _family(model), "texts_per_request": batch,
                      "concurrency": concurrency, **result,
                      "texts_per_model_call": round((after["texts_predicted"]
                                                     - before["texts_predicted"])
                                                    / max(calls, 1), 2)}
            records.append(record)
            log(f"{name} {batch} text(s) x {concurrency} at once: {record['requests_per_s']:,} "
                f"requests/s, p50 {record['p50_ms']} ms, p99 {record['p99_ms']} ms, "
                f"{record['errors']} errors, {record['texts_per_model_call']} texts per call")
    return records


def _family(model: Path) -> str:
    import json

    from textladder.model_dir import resolve_model_dir

    config = json.loads((resolve_model_dir(model) / "config.json").read_text(encoding="utf-8"))
    return config["family"]["name"]


def run_load(models: dict[str, Path | None], requests: int = 2000, baseline_requests: int = 500,
             quick: bool = False, log=print) -> list[dict[str, Any]]:
    """Records for every model ({name: model directory, or None to train `name` on the demo
    tweets}) and every shape of load."""
    scratch = PACKAGE_DIR / "out"
    scratch.mkdir(parents=True, exist_ok=True)
    texts = pd.read_csv(DEMO / "test.csv", dtype=str)["text"].dropna().tolist()
    records = []
    for name, model in models.items():
        model = Path(model) if model else demo_model(name, scratch)
        records += measure_model(name, model, texts, QUICK_SHAPES if quick else SHAPES,
                                 requests, baseline_requests, log)
    return records


def batching_gain(records: list[dict[str, Any]], model: str, batch: int = 1,
                  concurrency: int = 32) -> float | None:
    """Throughput at `concurrency` over throughput one request at a time."""
    def rate(c):
        return next((r["requests_per_s"] for r in records if r["model"] == model
                     and r["texts_per_request"] == batch and r["concurrency"] == c), None)

    high, low = rate(concurrency), rate(1)
    return round(high / low, 2) if high and low else None
