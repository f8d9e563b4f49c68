"""GET /docs: Swagger UI from swagger-ui-bundle's own files, served by this server, so it works offline.

The page loads nothing from other hosts: its stylesheet and scripts come from
/docs/assets/, its start-up script is a file too (the Content-Security-Policy
allows no inline script), it reads /openapi.json, and the online validator
badge is turned off (`validatorUrl: null`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from web.errors import DoorError

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# the bundle's files the page uses, and their media types: nothing else of the package is served
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "favicon-32x32.png": "image/png",
}

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Diplomatic Timeline API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
"""

START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout"
  });
});
"""


def _bundle() -> Path:
    from swagger_ui_bundle import swagger_ui_path

    return Path(swagger_ui_path)


@router.get("/docs")
def docs_page() -> HTMLResponse:
    """Return the docs page."""
    return HTMLResponse(PAGE)


@router.get("/docs/start.js")
def docs_start() -> Response:
    """Return the script that starts Swagger UI on /openapi.json."""
    return Response(START, media_type="text/javascript")


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> FileResponse:
    """Return one of the bundle's files the page uses."""
    media = ASSETS.get(name)
    if media is None:
        raise DoorError(404, f"no asset {name!r}")
    return FileResponse(_bundle() / name, media_type=media, headers={"Cache-Control": "public, max-age=86400"})
