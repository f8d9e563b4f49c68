"""The `dtl serve` command: the HTTP API on the log, run by uvicorn.

The command line never imports the web door (DESIGN.md: the doors do not import
each other): uvicorn loads it by its import string, "web.app:create_app", in
each worker process, and the door reads its settings from the environment
this command sets.
"""

from __future__ import annotations

import os

import click

from cli.context import AppContext, command, pass_app

__all__ = ["serve"]

# the application factory uvicorn imports in each worker
APP_FACTORY = "web.app:create_app"
# seconds SIGTERM waits for in-flight requests (an import finishing its transaction) before it closes them
GRACEFUL_SECONDS = 30


@command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1), help="Server processes.")
@click.option("--public-read", is_flag=True, help="Let anyone read without a token (writes still need one).")
@click.option(
    "--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
    help="Let pages from this origin call the API (repeat for several); closed by default.",
)  # fmt: skip
@pass_app
def serve(
    app: AppContext, host: str, port: int, workers: int, public_read: bool, cors_origins: tuple[str, ...]
) -> None:
    """Serve the log over HTTP: the JSON API under /api/, health at /healthz and /readyz, docs at /docs.

    Requests send `Authorization: Bearer TOKEN` (see `dtl token create`).
    SIGTERM or Ctrl-C lets in-flight requests finish, then stops.
    """
    import gc

    import uvicorn

    gc.enable()  # a server runs for days: its requests' reference cycles must be collected (dtl turned it off)
    timeline = app.timeline
    position = timeline.head_position()  # refuse now, not on the first request, a log that is away or behind
    os.environ["DTL_DATABASE_URL"] = timeline.url
    os.environ["DTL_PUBLIC_READ"] = "1" if public_read else ""
    os.environ["DTL_CORS_ORIGINS"] = "\n".join(cors_origins)
    click.echo(f"serving {timeline.masked_url} (head at position {position}) on http://{host}:{port}", err=True)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
        proxy_headers=False,
        log_level="info",
    )
