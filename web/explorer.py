"""The web explorer: the page at /, its files under /static/, and the reads it needs beyond /api/'s documents.

The page is three plain files shipped in web/static (HTML, CSS, a JavaScript module: no build step, nothing
from another host, no web font). It asks the JSON API the questions the URL holds
(`/?stream=S&as_of=D&known_at=K&actor=A`) and follows /api/subscribe. Three reads are added here for it:
the streams (its picker), readable names for actor codes, and the two charts of the report as SVG.

The page's Content-Security-Policy is the server's, plus images from `blob:`: the charts are fetched with the
reader's token (an <img> cannot send one) and shown from a blob of our own server's answer. No script or style
is inline; the charts' SVG is drawn as an image, where it can run nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response

from service import DEFAULT_STREAM
from web.auth import Caller, require
from web.errors import DoorError
from web.models import ErrorDocument
from web.routes import AnswerCache, answer_tag, shared_timeline, tag_matches

if TYPE_CHECKING:
    from service.timeline import Timeline

__all__ = ["router"]

STATIC = Path(__file__).with_name("static")
# the files the page is made of, and their media types: nothing else of the folder is served
ASSETS = {
    "explorer.css": "text/css; charset=utf-8",
    "explorer.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
# the server's policy (web.middleware) with blob: images: the charts, fetched with the token, shown from a blob
PAGE_CSP = (
    "default-src 'self'; img-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
_SVG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}, "description": "the chart as SVG"}
}

router = APIRouter()
api = APIRouter(prefix="/api", responses={status: {"model": ErrorDocument} for status in (400, 401, 403, 404, 503)})

Reader = Annotated[Caller, Depends(require("reader", read=True))]


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    """Return the explorer's page; what it shows is read from its address by its script."""
    return FileResponse(
        STATIC / "explorer.html",
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"},
    )


@router.get("/static/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    """Return one of the page's files."""
    media = ASSETS.get(name)
    if media is None:
        raise DoorError(404, f"no file {name!r}")
    return FileResponse(STATIC / name, media_type=media, headers={"Cache-Control": "no-cache"})


@api.get("/streams", summary="The streams that hold events (the explorer's picker)")
def streams(request: Request, _: Reader) -> dict[str, Any]:
    """Return the name of every stream that holds events, sorted, and the stream asked about when none is named."""
    return {"streams": shared_timeline(request).run(lambda timeline: timeline.streams()), "default": DEFAULT_STREAM}


@api.get("/names", summary="Readable names of actor codes")
def names(
    _: Reader,
    code: Annotated[list[str] | None, Query(max_length=400, description="An actor code; repeat for several.")] = None,
) -> dict[str, dict[str, str]]:
    """Return a readable name for each code given (the code itself when it names nothing known)."""
    from service.words import actor_name

    return {"names": {given: actor_name(given) for given in (code or [])[:400]}}


@api.get("/chart/{kind}.svg", response_class=Response, responses=_SVG, summary="The size or stance chart (dtl chart)")
def chart(
    request: Request,
    _: Reader,
    kind: Literal["size", "stances"],
    stream: Annotated[str, Query(description="The stream asked about.")] = DEFAULT_STREAM,
    subject: Literal["participants", "troops"] = "participants",
    start: Annotated[str | None, Query(alias="from", description="The first day drawn (EDTF).")] = None,
    end: Annotated[str | None, Query(alias="to", description="The last day drawn (EDTF).")] = None,
    known_at: Annotated[
        str | None, Query(description="Transaction time: a log position, a date or a timestamp (UTC).")
    ] = None,
) -> Response:
    """Return one chart of the report as SVG; asked again while the log has not moved, 304 or the same bytes."""
    cache: AnswerCache = request.app.state.answers

    def _draw(timeline: Timeline) -> tuple[str, str, bytes | None]:
        version = timeline.version()
        etag = answer_tag(request, version)
        if tag_matches(request, etag):
            return version, etag, None
        found = cache.get(etag)
        if found is not None:
            return version, etag, found
        drawn = timeline.chart(kind, "svg", stream, subject=subject, start=start, end=end, known_at=known_at)
        cache.put(etag, drawn)
        return version, etag, drawn

    version, etag, svg = shared_timeline(request).run(_draw)
    headers = {"ETag": etag, "X-Log-Position": version.split(".")[0], "Cache-Control": "no-cache"}
    if svg is None:
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)


router.include_router(api)
