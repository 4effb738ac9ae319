"""The OpenAPI page at `/docs`, served offline.

FastAPI's own `/docs` page loads Swagger UI's script and style from a CDN, so it is blank on a
machine without the internet, where textladder is often run. Here the page loads them from the
server itself, from the files the `swagger-ui-bundle` package ships (a dependency of the serve
extra); without that package, FastAPI's page is kept. ReDoc's page (CDN only) is not offered.
This module only adds routes; it knows nothing about models.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

STATIC = "/docs-static"


def add_docs(app: FastAPI, title: str) -> bool:
    """Serve `/docs` with Swagger UI's files from this server; False (and FastAPI's CDN page
    left in place) when they are not installed."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return False
    from starlette.staticfiles import StaticFiles

    app.router.routes = [r for r in app.router.routes if getattr(r, "path", None) != "/docs"]
    app.mount(STATIC, StaticFiles(directory=str(swagger_ui_path)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json",
                                   title=f"{title}: API", swagger_favicon_url="",
                                   swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{STATIC}/swagger-ui.css")

    return True
