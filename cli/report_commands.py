"""Commands that show the timeline: the offline HTML report and its two charts alone."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.main import AppContext
from cli.output import progress, safe_text
from cli.replay_commands import DEFAULT_STREAM_NAME

if TYPE_CHECKING:
    from events import RecordedEvent

__all__ = ["chart", "report", "write_atomically"]

pass_app = click.make_pass_decorator(AppContext)

_DATE_HELP = "EDTF date (2025-03-17, 2025-03, 2025)"


def write_atomically(out: str, write: Callable[[Any], object], *, binary: bool = False) -> None:
    """Write a file beside its target and rename it into place, so an interruption never leaves half a file."""
    from core import InputError, Location

    partial = Path(out).with_name(Path(out).name + ".partial")
    try:
        with partial.open("wb") if binary else partial.open("w", encoding="utf-8", newline="") as target:
            write(target)
        partial.replace(out)
    except OSError as error:
        raise InputError(
            f"cannot write the file: {error.strerror}",
            Location(file=out),
            hint="check that the folder exists and is writable, or choose another --out",
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def _window(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    from cli.replay_commands import parse_day
    from core import InputError, Location

    first = parse_day(start, "--from", first=True) if start else None
    last = parse_day(end, "--to") if end else None
    if first is not None and last is not None and last < first:
        raise InputError(
            f"--to {end} ends before --from {start} begins", Location(field="--to"), hint="swap the two dates"
        )
    return first, last


def _effective_events(app: AppContext, stream: str, known_at: str | None) -> tuple[list[RecordedEvent], int]:
    """Return a stream's effective events in fold order, and the log position they are known at."""
    from cli.replay_commands import parse_known_at
    from core import InputError, Location
    from projections.engine import Replayer

    store = app.store()
    if store.stream_version(stream) == 0:
        raise InputError(
            f"stream {stream!r} has no events",
            Location(field="--stream"),
            hint="see the STREAM column of `dtl log` for the streams in the log",
        )
    bound = parse_known_at(known_at)
    return list(Replayer(store).effective_events(stream=stream, known_at=bound)), store.known_position(bound)


def _window_options(function: Any) -> Any:
    options = [
        click.option("--stream", default=DEFAULT_STREAM_NAME, show_default=True, help="The stream to show."),
        click.option("--from", "start", help=f"Start the charts and the timeline on this day. {_DATE_HELP}."),
        click.option("--to", "end", help=f"Show the log as of this day (default: its last event). {_DATE_HELP}."),
        click.option("--known-at", help="Transaction time: a log position, or a date or timestamp (UTC)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.command()
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@_window_options
@pass_app
def report(app: AppContext, out: str, stream: str, start: str | None, end: str | None, known_at: str | None) -> None:
    """Write an offline HTML report: size and stance charts, the timeline with quotes, the audit.

    One self-contained file: the charts are inline SVG, nothing is fetched
    from the network, so it can be mailed or archived as it is.
    """
    from cli.provenance_commands import _chain_break, source_infos
    from cli.report import ReportContent, render_report, render_size_chart, render_stance_chart
    from projections.audit import audit
    from projections.changes import timeline
    from projections.charts import size_chart, stance_lanes
    from projections.coalition import coalition_state
    from projections.verification import QuoteChecker

    first, last = _window(start, end)
    with progress(3, "drawing the charts") as advance:
        events, position = _effective_events(app, stream, known_at)
        advance(1)
        size = size_chart(events, start=first, end=last)
        lanes = stance_lanes(events, start=first, end=last)
        advance(1)
        size_svg, stances_svg = render_size_chart(size), render_stance_chart(lanes)
        advance(1)
    store = app.store()
    sources, texts = source_infos(store), store.source_texts()
    findings = audit(store.read(), sources, texts, stream=stream, chain=_chain_break(store))  # verify shows its own bar
    as_of = last or lanes.last_day or size.last_day or datetime.now(UTC).date()
    by_id = {event.id: event for event in events}
    head_position, head_hash = store.head()
    content = ReportContent(
        stream=stream,
        first_day=first or lanes.first_day,
        last_day=as_of,
        known_position=position,
        head_position=head_position,
        head_hash=head_hash,
        state=coalition_state(events, as_of),
        size_svg=size_svg,
        stances_svg=stances_svg,
        size=size,
        events=[by_id[entry["id"]] for entry in timeline(events, start=first, end=last, actor=None)],
        sources=sources,
        checker=QuoteChecker(texts),
        findings=findings,
    )
    write_atomically(out, lambda target: target.write(render_report(content)))
    errors = sum(finding.severity == "error" for finding in findings)
    tally = f"{len(content.events)} events, {errors} audit errors, {len(findings) - errors} warnings"
    click.echo(safe_text(f"wrote {out} ({tally}); open it in any browser, it needs no network"))


@click.command()
@click.argument("kind", type=click.Choice(["size", "stances"]))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="FILE.png or FILE.svg.")
@click.option(
    "--subject",
    type=click.Choice(["participants", "troops"]),
    default="participants",
    show_default=True,
    help="With size: which quantity.",
)
@_window_options
@pass_app
def chart(
    app: AppContext,
    kind: str,
    out: str,
    subject: str,
    stream: str,
    start: str | None,
    end: str | None,
    known_at: str | None,
) -> None:
    """Draw one chart of the report alone: the reported size, or the stances, as PNG or SVG.

    size: every claim over time ("about" a band, "more than" an arrow up) with
    the named floor as a step line. stances: one row per actor, each stance a
    coloured segment.
    """
    from cli.report import render_size_chart, render_stance_chart
    from core import InputError, Location
    from projections.charts import size_chart, stance_lanes

    fmt = os.path.splitext(out)[1].lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise InputError(f"no image format in {out!r}", Location(field="--out"), hint="end the name in .png or .svg")
    first, last = _window(start, end)
    events, _ = _effective_events(app, stream, known_at)
    if kind == "size":
        image = render_size_chart(size_chart(events, subject, start=first, end=last), fmt)
    else:
        image = render_stance_chart(stance_lanes(events, start=first, end=last), fmt)
    write_atomically(out, lambda target: target.write(image), binary=True)
    click.echo(safe_text(f"wrote {out} ({kind} chart, {fmt.upper()}, {len(image):,} bytes)"))
