"""textladder's HTTP server (the `serve` extra: FastAPI, uvicorn): `textladder serve MODEL`.

    settings.py   what a server starts with: the model, request limits, batching, the key's variable
    predictor.py  the loaded model: texts in, JSON-ready predictions out; `GET /model`'s answer
    schemas.py    request and response bodies, with the limits declared on their fields
    guards.py     ASGI checks before the app: API key (401), body size (413)
    batcher.py    micro-batching: requests arriving together share one model call
    app.py        the FastAPI app factory and its error answers
    run.py        uvicorn: workers, graceful shutdown

The core never imports this package; the command line imports it when `serve` runs.
"""

from textladder.serve.app import create_app
from textladder.serve.settings import ServeSettings

__all__ = ["ServeSettings", "create_app"]
