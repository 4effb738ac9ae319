"""Micro-batching: requests that arrive together share one model call.

Each request hands its texts to `MicroBatcher.predict` and awaits its own answers. One worker
task takes what has queued up, up to `max_texts` texts, and runs the model on all of it in one
thread (so the event loop keeps accepting requests while the model works, and the model only
ever runs one call at a time). While a call runs, the next requests queue up and form the next
batch: under concurrency the batches grow by themselves.

A short wait (`max_wait_s`) lets a batch gather requests that are on their way: the server
counts the requests it is reading (`expect` / `done_expecting`), and a batch waits, at most
`max_wait_s`, only while more are in flight than it holds, so a lone client never waits. A
request is never split across calls. When a batched call fails, each of its requests is run
alone, so one request cannot fail the others. This module knows nothing of HTTP or of models.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("textladder.serve")

PredictFn = Callable[[Sequence[str]], list[Any]]


class ModelError(Exception):
    """The model raised while predicting a request; the message is safe to show a client."""


class MicroBatcher:
    """Queue requests' texts, run them in shared model calls, hand each request its answers."""

    def __init__(self, predict: PredictFn, max_texts: int = 256, max_wait_s: float = 0.005):
        self.predict_fn, self.max_texts, self.max_wait_s = predict, max_texts, max_wait_s
        self.calls = self.texts = 0  # model calls made and texts predicted (GET /health)
        self.in_flight = 0  # requests the server has begun reading and not yet answered
        self._queue: deque[tuple[list[str], asyncio.Future]] = deque()
        self._arrived = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="textladder-model")
        self._worker: asyncio.Task | None = None

    async def start(self) -> None:
        self._worker = asyncio.create_task(self._run(), name="textladder-batcher")

    async def predict(self, texts: list[str]) -> list[Any]:
        """The model's answers for `texts`, in order, computed together with other requests."""
        if self._worker is None or self._worker.done():
            raise ModelError("the server is shutting down")
        future = asyncio.get_running_loop().create_future()
        self._queue.append((texts, future))
        self._arrived.set()
        return await future

    def expect(self) -> None:
        """A request has arrived that will probably ask for predictions soon."""
        self.in_flight += 1

    def done_expecting(self) -> None:
        """That request has been answered (or refused)."""
        self.in_flight -= 1

    async def close(self) -> None:
        """Answer every queued request, then stop the worker and its thread."""
        while self._queue and self._worker is not None and not self._worker.done():
            await asyncio.sleep(0.001)
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        for _, future in self._queue:
            if not future.done():
                future.set_exception(ModelError("the server is shutting down"))
        self._executor.shutdown(wait=True)

    # ----- the worker ---------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            await self._wait_for_requests(None)
            batch = await self._gather(asyncio.get_running_loop().time() + self.max_wait_s)
            try:
                await self._answer(batch)
            except Exception as error:  # noqa: BLE001 - a bug here must not hang the requests
                log.error("the batcher failed", exc_info=error)
                for _, future in batch:
                    _settle(future, error=ModelError("the server failed on this request"))

    async def _wait_for_requests(self, timeout: float | None) -> bool:
        """True once a request is queued; False if `timeout` seconds pass first."""
        while not self._queue:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout)
            except TimeoutError:
                return bool(self._queue)
        return True

    async def _gather(self, deadline: float) -> list[tuple[list[str], asyncio.Future]]:
        """The requests of the next call: the first queued, then the ones queued behind it
        until `max_texts` would be exceeded; when none is queued but more requests are in
        flight than the batch holds, those that arrive before `deadline` (event-loop time)."""
        loop = asyncio.get_running_loop()
        batch = [self._queue.popleft()]
        size = len(batch[0][0])
        while size < self.max_texts:
            if not self._queue:
                left = deadline - loop.time()
                coming = self.in_flight > len(batch)
                if not coming or left <= 0 or not await self._wait_for_requests(left):
                    break
            if size + len(self._queue[0][0]) > self.max_texts:
                break
            texts, future = self._queue.popleft()
            batch.append((texts, future))
            size += len(texts)
        return batch

    async def _answer(self, batch: list[tuple[list[str], asyncio.Future]]) -> None:
        live = [(texts, future) for texts, future in batch if not future.done()]
        if not live:
            return
        texts = [text for request, _ in live for text in request]
        try:
            answers = await self._call(texts)
        except Exception as error:  # noqa: BLE001 - handed to the requests, not swallowed
            if len(live) > 1:  # find the request that fails; answer the others
                for request in live:
                    await self._answer([request])
                return
            log.error("the model failed on a request of %d texts", len(texts), exc_info=error)
            _settle(live[0][1], error=ModelError(f"the model failed on this request "
                                                 f"({type(error).__name__})"))
            return
        start = 0
        for request, future in live:
            _settle(future, answers[start:start + len(request)])
            start += len(request)

    async def _call(self, texts: list[str]) -> list[Any]:
        self.calls += 1
        self.texts += len(texts)
        loop = asyncio.get_running_loop()
        answers = await loop.run_in_executor(self._executor, self.predict_fn, texts)
        if len(answers) != len(texts):
            raise RuntimeError(f"the model answered {len(answers)} of {len(texts)} texts")
        return answers


def _settle(future: asyncio.Future, result: Any = None, error: Exception | None = None) -> None:
    if future.done():  # the client went away and its request was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
