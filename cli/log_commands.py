"""Commands that create, write, list, check and export the log."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

import click

from cli.context import AppContext, command, pass_app
from cli.files import write_atomically
from cli.options import json_option
from cli.output import echo_json, echo_table, progress, safe_text

if TYPE_CHECKING:
    from service.answers import LoggedEvent

__all__ = ["append", "export", "import_events", "init", "log", "verify"]


def _source_flag(field: str) -> str:
    return "--quote" if field.endswith(".quote") else "--source"


@command()
@pass_app
def init(app: AppContext) -> None:
    """Create the database, or bring its schema up to date (safe to run again)."""
    answer = app.timeline.init()
    if answer.before == answer.after:
        click.echo(safe_text(f"{answer.url} is up to date (schema {answer.after})"))
    else:
        click.echo(safe_text(f"initialised {answer.url} (schema {answer.before or 'none'} -> {answer.after})"))


@command(field_words={"type": "TYPE", "sources": _source_flag})
@click.argument("event_type", metavar="TYPE")
@click.option("--actor", help="Country (name, alpha-2 or alpha-3) or organisation code.")
@click.option(
    "--occurred", help="When it happened: EDTF such as 2025-03-10 or 2025-03-03/2025-03-09 (or give --occurred-text)."
)
@click.option(
    "--occurred-text",
    help='The phrase the source used, such as "last week"; without --occurred it is resolved (see `dtl date`).',
)
@click.option(
    "--published",
    metavar="YYYY-MM-DD",
    help="The day --occurred-text was written (default: the first --source's publication date).",
)
@click.option("--stream", help="Stream to append to (default: ukraine-coalition).")
@click.option(
    "--id", "event_id", help="Event id (default: a new UUID); re-appending the same id and content is a no-op."
)
@click.option("--data", default="{}", show_default=True, help="The event's data as a JSON object.")
@click.option("--source", "sources", multiple=True, metavar="ID", help="A registered source; repeat for several.")
@click.option("--quote", "quotes", multiple=True, help="The verbatim quote from the --source in the same position.")
@click.option("--speaker", help='Who said it, a person or an office: "David Lammy, UK foreign secretary".')
@click.option("--note", help="An analyst's note.")
@click.option("--expected-version", type=click.IntRange(min=0), help="Append only if the stream is at this version.")
@click.option("--unverified", is_flag=True, help="Accept a quote that is not in its source's stored text.")
@json_option("Print the result as JSON.")
@pass_app
def append(
    app: AppContext,
    event_type: str,
    actor: str | None,
    occurred: str | None,
    occurred_text: str | None,
    published: str | None,
    stream: str | None,
    event_id: str | None,
    data: str,
    sources: tuple[str, ...],
    quotes: tuple[str, ...],
    speaker: str | None,
    note: str | None,
    expected_version: int | None,
    unverified: bool,
    as_json: bool,
) -> None:
    """Append one event of TYPE (pledge.made, position.declined, count.reported, ...).

    Date it with --occurred (EDTF), or with the source's own words in
    --occurred-text alone: "last week" written on --published (or the first
    --source's publication date) is stored as 2025-03-03/2025-03-09 beside the
    phrase. A phrase that may mean more than one day is refused (exit 2).
    """
    from errors import InputError, Location
    from service.queries import parse_json_object

    if quotes and len(quotes) != len(sources):
        raise InputError(
            f"{len(sources)} --source but {len(quotes)} --quote: give one --quote per --source",
            Location(field="--quote"),
            hint="repeat --source and --quote in pairs, or leave out --quote entirely",
        )
    event: dict[str, Any] = {"type": event_type, "occurred": occurred, "data": parse_json_object(data, "data")}
    optional = {
        "id": event_id,
        "stream": stream,
        "actor": actor,
        "speaker": speaker,
        "occurred_text": occurred_text,
        "note": note,
    }
    event.update({key: value for key, value in optional.items() if value is not None})
    event["sources"] = [
        {"source": source, "quote": quotes[index]} if quotes else {"source": source}
        for index, source in enumerate(sources)
    ]
    answer = app.timeline.append(event, published=published, expected_version=expected_version, unverified=unverified)
    if as_json:
        echo_json(answer.to_json())
        return
    resolution = answer.resolution
    if resolution is not None:
        anchor = resolution.anchor.isoformat()
        click.echo(safe_text(f"{occurred_text!r} written on {anchor} is {resolution.edtf} ({resolution.rule})"))
    last = answer.result.last
    if last is not None:
        click.echo(
            safe_text(
                f"appended {last.id} at position {last.position} (stream {last.stream}, version {last.stream_version})"
            )
        )
    else:
        click.echo(
            safe_text(f"{answer.result.unchanged[0]} is already in the log with the same content; nothing changed")
        )


@command("import")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--unverified", is_flag=True, help="Accept quotes that are not in their sources' stored texts.")
@pass_app
def import_events(app: AppContext, file: str, unverified: bool) -> None:
    """Import events from a JSON Lines FILE ('-' for standard input) in one transaction."""
    from errors import InputError, Location

    name = "<stdin>" if file == "-" else file
    try:
        handle: IO[bytes] = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    except OSError as error:
        raise InputError(
            f"cannot read the file: {error.strerror}",
            Location(file=name),
            hint="check the path (`-` reads standard input); `dtl export` writes files this reads",
        ) from None
    size = 0 if file == "-" else os.fstat(handle.fileno()).st_size
    try:
        with progress(size, "importing", threshold=1_000_000) as advance:
            result = app.timeline.import_lines(_counting(handle, advance), name, unverified=unverified, alone=True)
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    if result.count:
        assert result.first is not None
        assert result.last is not None
        span = f"positions {result.first.position}-{result.last.position}"
        click.echo(safe_text(f"imported {result.count} events from {name} ({span})"), nl=False)
    else:
        click.echo(safe_text(f"imported no new events from {name}"), nl=False)
    click.echo(f"; {len(result.unchanged)} already present" if result.unchanged else "")


# Bytes read at a time: the file goes below in blocks, never whole lines (a line may not end).
_BLOCK = 256 * 1024


def _counting(handle: IO[bytes], advance: Any) -> Iterator[bytes]:
    """Yield the file in blocks of at most _BLOCK bytes, counting them into the progress bar."""
    for block in iter(lambda: handle.read(_BLOCK), b""):
        advance(len(block))
        yield block


@command()
@click.option("--stream", help="Only this stream.")
@click.option("--type", "event_type", help="Only this event type.")
@click.option("--actor", help="Only this actor (any accepted name or code).")
@click.option("--since", type=click.IntRange(min=0), help="Only events after this position.")
@json_option("Print {'events': [...]} as JSON.")
@pass_app
def log(
    app: AppContext, stream: str | None, event_type: str | None, actor: str | None, since: int | None, as_json: bool
) -> None:
    """List the events in the log, in the order they were recorded."""
    logged = app.timeline.log(stream=stream, type=event_type, actor=actor, since=since)
    if as_json:
        _stream_json_events(logged)
        return
    marks = {True: "yes", False: "no", None: "-"}
    rows = [
        (e.position, e.occurred, e.type, e.actor or "", e.stream, e.id, marks[item.verified], e.recorded_by or "-")
        for item in logged
        for e in (item.event,)
    ]
    echo_table(["POS", "OCCURRED", "TYPE", "ACTOR", "STREAM", "ID", "VERIFIED", "BY"], rows, empty="(no events)")


def _stream_json_events(logged: Iterator[LoggedEvent]) -> None:
    """Print {"events": [...]} one event at a time, so a large log is never held in memory."""
    from service.words import json_text

    write = sys.stdout.write
    write('{"events": [')
    for index, item in enumerate(logged):
        write(("\n  " if index == 0 else ",\n  ") + json_text(item.to_json()))
    write("\n]}\n")


@command()
@click.option("--checkpoint", is_flag=True, help="Print the head position and hash, to publish and check later.")
@click.option("--expect", metavar="HASH", help="Also require that a head hash published earlier is still in the chain.")
@json_option("Print the result as JSON.")
@pass_app
def verify(app: AppContext, checkpoint: bool, expect: str | None, as_json: bool) -> None:
    """Recompute the hash chain; exit 1 naming the first bad position if anything was changed."""
    timeline = app.timeline
    with progress(timeline.head_position(), "verifying", threshold=50_000) as advance:
        answer = timeline.verify(on_progress=advance, expect=expect)
    report = answer.report
    if as_json:
        echo_json(answer.to_json())
    elif checkpoint:
        click.echo(f"position {report.head_position} hash {report.head_hash}")
    else:
        head = f"head position {report.head_position} hash {report.head_hash}"
        click.echo(f"ok: {report.count} events, hash chain intact; {head}")


@command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "timelinejs"]),
    default="jsonl",
    show_default=True,
    help="jsonl: the log, for `dtl import`; csv: a spreadsheet; timelinejs: a TimelineJS3 viewer's JSON.",
)
@click.option("--stream", help="Only this stream.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to FILE instead of standard output.")
@pass_app
def export(app: AppContext, fmt: str, stream: str | None, out: str | None) -> None:
    """Export the log as JSON Lines, CSV or TimelineJS3 JSON.

    jsonl: every event as recorded, one per line; `dtl import` reads it back
    into the same events.

    csv: every event as recorded, one row per event and cited source (an
    event citing none gets one row). Columns: position, id, type, stream,
    occurred, earliest, latest, occurred_text, actor, actor_name, speaker
    (who said it), headline, data (JSON), note, source, publisher,
    published, title, url, quote, quote_status (verified, not_found,
    text_absent, no_quote), recorded_at, hash. A cell a spreadsheet would
    run as a formula gets a leading apostrophe.

    timelinejs: what happened, corrections applied and retractions left out,
    for the TimelineJS3 viewer: one slide per event with its start and end
    dates, a headline, the quotes and their sources, grouped by actor.
    """
    write = app.timeline.export(fmt, stream)
    if out is None:
        write(sys.stdout)
    else:
        write_atomically(out, write)
