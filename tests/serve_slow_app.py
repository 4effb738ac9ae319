"""A server app whose model is slow, for the SIGTERM test (imported by name by uvicorn).

The model sleeps `SLOW_SECONDS` per call, and the app counts, in the file `SLOW_COUNT`, the
requests that have reached it, so the test knows when they are all in flight.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from textladder.serve import ServeSettings, create_app
from textladder.serve.predictor import Predictor


class SlowPredictor(Predictor):
    def __call__(self, texts):
        time.sleep(float(os.environ["SLOW_SECONDS"]))
        return super().__call__(texts)


def factory():
    app = create_app(ServeSettings(model=os.environ["SLOW_MODEL"]), load=SlowPredictor)
    counter = Path(os.environ["SLOW_COUNT"])

    @app.middleware("http")
    async def count(request, call_next):
        if request.url.path == "/predict":
            seen = int(counter.read_text() or 0) if counter.exists() else 0
            counter.write_text(str(seen + 1))
        return await call_next(request)

    return app
