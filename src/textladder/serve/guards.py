"""The checks a request passes before the app sees it: its key, then the size of its body.

Both are plain ASGI middleware, so that they run before anything reads or parses the body:
- `ApiKeyGuard`: every HTTP request must carry the key, as `Authorization: Bearer KEY` or
  `X-API-Key: KEY`, else 401. Compared with `hmac.compare_digest` (time independent of where
  the first difference lies). `GET /health` is let through without it, so that a load
  balancer that cannot send headers can probe the server; it is told whether the key came
  (`scope["state"]["key_given"]`), and says no more than "ok" without it. The API's own
  description is let through too (`/docs`, its static files, `/openapi.json`): a browser cannot
  send the key for the page, and the page's "Authorize" button sends it with each call it
  makes. The description names the routes and the request's fields, not the model's path.
- `BodyLimit`: a body over `max_bytes` gets 413 without being parsed: refused at once when its
  `Content-Length` says so, else as soon as the bytes received pass the limit (chunked uploads).
  The body is read here and handed on whole, which the app would do anyway.
Answers are JSON `{"error": "..."}` like every other error of the server.
"""

from __future__ import annotations

import hmac
import json

Scope = dict
Message = dict


async def send_error(send, status: int, message: str, headers: list | None = None) -> None:
    body = json.dumps({"error": message}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value
    return None


OPEN = {("GET", "/health"),  # answered without the key, saying only "ok"
        ("GET", "/docs"), ("GET", "/openapi.json")}  # the API's description
OPEN_PREFIXES = ("/docs-static/",)  # the description page's script and style


def _open(scope: Scope) -> bool:
    method, path = scope.get("method"), scope.get("path") or ""
    return (method, path) in OPEN or (method == "GET" and path.startswith(OPEN_PREFIXES)
                                      and ".." not in path)


class ApiKeyGuard:
    """401 for every HTTP request without the right key, but a probe of `/health`."""

    def __init__(self, app, key: bytes):
        self.app, self.key = app, key

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":  # the server has no websockets; refuse them all the same
            return await send({"type": "websocket.close", "code": 1008})
        given = _header(scope, b"x-api-key")
        if given is None:
            authorization = _header(scope, b"authorization") or b""
            scheme, _, token = authorization.partition(b" ")
            given = token.strip() if scheme.lower() == b"bearer" else b""
        key_given = hmac.compare_digest(given.strip(), self.key)
        scope.setdefault("state", {})["key_given"] = key_given
        if not key_given and not _open(scope):
            return await send_error(send, 401, "a valid API key is required: send it as "
                                    "'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
                                    [(b"www-authenticate", b"Bearer")])
        return await self.app(scope, receive, send)


class BodyLimit:
    """413 for a request body over `max_bytes`."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                return await send_error(send, 400, "the Content-Length header is not a number")
            if int(declared) > self.max_bytes:
                return await send_error(send, 413, self._message(int(declared)))
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return await send_error(send, 413, self._message(None))
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    def _message(self, size: int | None) -> str:
        given = f"({size:,} bytes) is" if size is not None else "goes"
        return (f"the request body {given} over this server's limit of {self.max_bytes:,} "
                f"bytes; send fewer or shorter texts per request (the limit is --max-body-bytes)")
