"""The `dtl serve` door: the HTTP API over the same service the command line uses.

`web.app.create_app` builds the FastAPI application (one `service.Timeline` per
process, kept warm); the routes parse, call one service method and respond.
Importing the package loads nothing: FastAPI is loaded by `web.app` alone.
"""

from __future__ import annotations

__all__: list[str] = []
