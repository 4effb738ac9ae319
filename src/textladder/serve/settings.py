"""What a server is told when it starts: the model, the request limits, batching and the key.

`ServeSettings` travels from the command line to every uvicorn worker through one environment
variable (`SETTINGS_ENV`, JSON), because workers import the app by name and take no arguments.
The API key itself never travels: the settings name the environment variable that holds it, and
each worker reads it there. This module validates the values; it starts nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields

from textladder.errors import TextladderError

SETTINGS_ENV = "TEXTLADDER_SERVE_SETTINGS"


@dataclass(frozen=True)
class ServeSettings:
    """The model to serve and the limits every request is held to.

    - `max_batch`: texts (or rows) in one request;
    - `max_text_chars`: characters in one text;
    - `max_body_bytes`: bytes in one request body, checked before it is parsed;
    - `model_batch`: texts in one model call, over all the requests batched into it (a request
      larger than this runs alone, never split);
    - `max_wait_ms`: how long a model call waits for more requests to join it, once requests
      have been arriving together (a lone request never waits);
    - `api_key_env`: the environment variable holding the key every request must carry.
    """

    model: str
    max_batch: int = 256
    max_text_chars: int = 20_000
    max_body_bytes: int = 4 * 2**20
    model_batch: int = 256
    max_wait_ms: float = 5.0
    api_key_env: str | None = None

    def __post_init__(self) -> None:
        for name in ("max_batch", "max_text_chars", "max_body_bytes", "model_batch"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise TextladderError(f"{name} (--{name.replace('_', '-')}) must be a whole "
                                      f"number, 1 or more; got {value!r}.")
        if not 0 <= self.max_wait_ms <= 1000:
            raise TextladderError(f"--max-wait-ms must be between 0 and 1000 milliseconds; got "
                                  f"{self.max_wait_ms!r}.")

    def api_key(self) -> bytes | None:
        """The key requests must carry, read from `api_key_env`; None when no key is asked."""
        if self.api_key_env is None:
            return None
        key = os.environ.get(self.api_key_env, "")
        if not key.strip():
            raise TextladderError(f"--api-key-env names the environment variable "
                                  f"{self.api_key_env}, which is not set or empty; export the "
                                  f"key in it before starting the server.")
        return key.strip().encode("utf-8")

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> "ServeSettings":
        text = os.environ.get(SETTINGS_ENV)
        if not text:
            raise TextladderError(f"{SETTINGS_ENV} is not set; start the server with "
                                  f"`textladder serve MODEL`.")
        values = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
