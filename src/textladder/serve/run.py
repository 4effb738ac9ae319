"""Run the server under uvicorn: one process, or `workers` processes sharing the port.

The app is given to uvicorn by import string (`app_from_env`, a factory) and its settings
through the environment (`settings.SETTINGS_ENV`), so that each worker builds its own app and
loads the model once. On SIGTERM (or Ctrl-C) uvicorn stops accepting connections, lets the
requests in flight finish (at most `drain_seconds`), then runs the app's shutdown, which answers
what is still queued for the model.
"""

from __future__ import annotations

import os

from textladder.errors import TextladderError
from textladder.serve.predictor import model_config
from textladder.serve.settings import SETTINGS_ENV, ServeSettings

LOOPBACK = "127.0.0.1"


def serve(settings: ServeSettings, host: str = LOOPBACK, port: int = 8000, workers: int = 1,
          access_log: bool = False, drain_seconds: float = 30.0) -> None:
    """Serve `settings.model` until stopped (blocks)."""
    import uvicorn

    if workers < 1:
        raise TextladderError(f"--workers must be 1 or more; got {workers}.")
    if not 0 <= port <= 65535:
        raise TextladderError(f"--port must be between 0 and 65535; got {port}.")
    settings.api_key()  # say now, in one line, when the key's variable is missing
    model_config(settings.model)  # and when the model is not there
    os.environ[SETTINGS_ENV] = settings.to_env()
    uvicorn.run("textladder.serve.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, access_log=access_log,
                timeout_graceful_shutdown=drain_seconds, log_level="info")
