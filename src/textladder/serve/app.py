"""The FastAPI app: `POST /predict`, `GET /health`, `GET /model`, and docs at `/docs`.

`create_app(settings)` builds the app from the model's config.json (its feature columns shape
the request schema); its lifespan loads the model once (per worker process) and starts the
micro-batcher (`batcher.py`), and on shutdown answers what is queued before it stops.
`app_from_env()` is the factory uvicorn's workers import by name (`run.py`).

Every answer that is not a prediction is JSON `{"error": "one line", ...}`: 401 without the key
(but for `GET /health`, which says only "ok" without it, and the API's description at `/docs`
and `/openapi.json`, which names no model path when a key guards the server),
413 over the body limit (`guards.py`), 422 for a body that is not valid JSON or breaks the
schema (`schemas.py`, which declares the limits), 404 / 405 for other paths and methods, and
500 when the model fails, with a short message and no traceback (the traceback goes to the
server log).
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint's annotations, and the
# request model is local to `create_app`.
import asyncio
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPBearer
from starlette.exceptions import HTTPException

from textladder._version import __version__
from textladder.serve.batcher import MicroBatcher, ModelError
from textladder.serve.docs import add_docs
from textladder.serve.guards import ApiKeyGuard, BodyLimit
from textladder.serve.predictor import Predictor, feature_columns, feature_kinds, model_config
from textladder.serve.schemas import ErrorResponse, Health, PredictResponse, request_model
from textladder.serve.settings import ServeSettings

log = logging.getLogger("textladder.serve")

ERRORS = {status: {"model": ErrorResponse} for status in (401, 413, 422, 500)}
# What the description says of the key, so that /docs can send it ("Authorize"); ApiKeyGuard
# checks it (auto_error=False: these only describe)
KEY_SCHEMES = [Security(APIKeyHeader(name="X-API-Key", auto_error=False)),
               Security(HTTPBearer(auto_error=False))]


def create_app(settings: ServeSettings,
               load: Callable[[str], Predictor] = Predictor) -> FastAPI:
    """The app for `settings`; its lifespan calls `load(model)` for the predictor, once."""
    key = settings.api_key()  # before anything starts: a missing key is the user's to fix
    config = model_config(settings.model)  # a wrong path fails here, in one line
    limits = {"max_batch": settings.max_batch, "max_text_chars": settings.max_text_chars,
              "max_body_bytes": settings.max_body_bytes, "model_batch": settings.model_batch,
              "max_wait_ms": settings.max_wait_ms}
    loaded: dict[str, Any] = {}  # the predictor, its batcher and its description

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        predictor = await asyncio.to_thread(load, settings.model)
        batcher = MicroBatcher(predictor, settings.model_batch, settings.max_wait_ms / 1000)
        await batcher.start()
        loaded.update(predictor=predictor, batcher=batcher,
                      info={**predictor.describe(), "limits": limits})
        try:
            yield
        finally:
            await batcher.close()

    where = "" if key is not None else f" at {settings.model}"  # the description is open
    app = FastAPI(title="textladder", version=__version__, lifespan=lifespan, redoc_url=None,
                  description=f"Predictions of the textladder model{where} "
                              f"({config.get('task', {}).get('type')}).",
                  dependencies=[] if key is None else KEY_SCHEMES)
    PredictRequest = request_model(settings, feature_columns(config),
                                   (config.get("columns") or {}).get("text"),
                                   feature_kinds(config))

    @app.post("/predict", response_model=PredictResponse, responses=ERRORS)
    async def predict(request: PredictRequest) -> JSONResponse:  # type: ignore[valid-type]
        """Labels with probabilities (values for a regression), one per text, in order."""
        answers = await loaded["batcher"].predict(request.items_given())
        return JSONResponse({"predictions": answers})

    @app.get("/health", response_model=Health, response_model_exclude_none=True,
             responses=ERRORS)
    async def health(request: Request) -> dict[str, Any]:
        """200 while the model is loaded and the server answers. It needs no API key, and
        says which model and how many calls only to a request that sends the key."""
        if key is not None and not getattr(request.state, "key_given", False):
            return {"status": "ok"}
        batcher = loaded["batcher"]
        return {"status": "ok", "model": str(loaded["predictor"].path),
                "model_calls": batcher.calls, "texts_predicted": batcher.texts}

    @app.get("/model", responses=ERRORS)
    async def model() -> dict[str, Any]:
        """Task, labels, positive class, thresholds, validation metrics, versions and limits."""
        return loaded["info"]

    add_docs(app, "textladder")  # /docs without the internet
    _add_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(CountPredictions, loaded=loaded)
    if key is not None:  # added last: the outermost, so a request without the key is not read
        app.add_middleware(ApiKeyGuard, key=key)
    return app


class CountPredictions:
    """Tells the batcher of each `POST /predict` from its first byte to its answer, so that a
    batch waits for requests still being read (`MicroBatcher.expect`)."""

    def __init__(self, app, loaded: dict[str, Any]):
        self.app, self.loaded = app, loaded

    async def __call__(self, scope, receive, send) -> None:
        batcher = self.loaded.get("batcher")
        if scope["type"] != "http" or scope["path"] != "/predict" or batcher is None:
            return await self.app(scope, receive, send)
        batcher.expect()
        try:
            await self.app(scope, receive, send)
        finally:
            batcher.done_expecting()


def app_from_env() -> FastAPI:
    """The app for the settings in `SETTINGS_ENV`: what each uvicorn worker imports."""
    return create_app(ServeSettings.from_env())


UNPARSED = "There was an error parsing the body"  # FastAPI's detail for a body it cannot parse


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [_problem(e) for e in error.errors()]
        if not _is_json(request) and any(p["type"] == "model_attributes_type" and
                                         p["where"] == "body" for p in problems):
            problems = [{"where": "body", "type": "content_type",
                         "msg": "send the body as JSON, with 'Content-Type: application/json'"}]
        first = problems[0] if problems else {"where": "body", "msg": "invalid request"}
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return JSONResponse(status_code=422, content={
            "error": f"{first['where']}: {first['msg']}{more}", "detail": problems})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        message = str(error.detail)
        if error.status_code == 400 and message == UNPARSED:  # FastAPI's words: say what to do
            message = ("the body could not be read as JSON (not UTF-8, or nested too deep); "
                       "send a JSON object such as {\"texts\": [\"...\"]}")
        return JSONResponse(status_code=error.status_code, content={"error": message},
                            headers=getattr(error, "headers", None))

    @app.exception_handler(ModelError)
    async def model_error(request: Request, error: ModelError) -> JSONResponse:
        return JSONResponse(status_code=500, content={"error": str(error)})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unexpected error on %s", request.url.path, exc_info=error)
        return JSONResponse(status_code=500, content={
            "error": f"the server failed on this request ({type(error).__name__})"})


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _problem(error: dict[str, Any]) -> dict[str, Any]:
    """A validation error without the input it refused (which may be megabytes long)."""
    kind, msg = error.get("type"), str(error.get("msg", "invalid"))
    if kind == "json_invalid":  # loc is ("body", character position)
        reason = (error.get("ctx") or {}).get("error", "")
        where = error.get("loc", ("body", "?"))[-1]
        return {"where": "body", "type": kind,
                "msg": f"the body is not valid JSON ({reason or 'decode error'} at character "
                       f"{where})"}
    loc = [str(part) for part in error.get("loc", ()) if part != "body"]
    msg = msg.removeprefix("Value error, ")
    return {"where": ".".join(loc) or "body", "msg": msg, "type": kind}
