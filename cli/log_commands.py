"""Commands that create, write, list, check and export the log."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from cli.main import AppContext
from cli.output import echo_json, echo_table, progress

if TYPE_CHECKING:
    from core import InputError
    from events import RecordedEvent

__all__ = ["append", "export", "import_events", "init", "log", "verify"]

_FLAG_FOR_FIELD = {
    "id": "--id",
    "type": "TYPE",
    "stream": "--stream",
    "occurred": "--occurred",
    "occurred_text": "--occurred-text",
    "actor": "--actor",
    "note": "--note",
}

pass_app = click.make_pass_decorator(AppContext)


def _flag_error(error: InputError) -> InputError:
    """Rename an event field in an error to the flag of `dtl append` that supplied it."""
    from core import Location

    field = error.location.field or ""
    if field.startswith("data"):
        flag = "--data" + field.removeprefix("data")
    elif field.startswith("sources"):
        flag = "--quote" if field.endswith(".quote") else "--source"
    else:
        flag = _FLAG_FOR_FIELD.get(field, field)
    return type(error)(error.reason, Location(field=flag), hint=error.hint)


@click.command()
@pass_app
def init(app: AppContext) -> None:
    """Create the database, or bring its schema up to date (safe to run again)."""
    from core import mask_url

    before, after = app.store(create=True).initialise()
    if before == after:
        click.echo(f"{mask_url(app.url)} is up to date (schema {after})")
    else:
        click.echo(f"initialised {mask_url(app.url)} (schema {before or 'none'} -> {after})")


@click.command()
@click.argument("event_type", metavar="TYPE")
@click.option("--actor", help="Country (name, alpha-2 or alpha-3) or organisation code.")
@click.option("--occurred", required=True, help="When it happened: EDTF such as 2025-03-10 or 2025-03-03/2025-03-09.")
@click.option("--occurred-text", help='The phrase the source used, such as "last week".')
@click.option("--stream", help="Stream to append to (default: ukraine-coalition).")
@click.option(
    "--id", "event_id", help="Event id (default: a new UUID); re-appending the same id and content is a no-op."
)
@click.option("--data", default="{}", show_default=True, help="The event's data as a JSON object.")
@click.option("--source", "sources", multiple=True, metavar="ID", help="A registered source; repeat for several.")
@click.option("--quote", "quotes", multiple=True, help="The verbatim quote from the --source in the same position.")
@click.option("--note", help="An analyst's note.")
@click.option("--expected-version", type=click.IntRange(min=0), help="Append only if the stream is at this version.")
@click.option("--unverified", is_flag=True, help="Accept a quote that is not in its source's stored text.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def append(
    app: AppContext,
    event_type: str,
    actor: str | None,
    occurred: str,
    occurred_text: str | None,
    stream: str | None,
    event_id: str | None,
    data: str,
    sources: tuple[str, ...],
    quotes: tuple[str, ...],
    note: str | None,
    expected_version: int | None,
    unverified: bool,
    as_json: bool,
) -> None:
    """Append one event of TYPE (pledge.made, position.declined, count.reported, ...)."""
    from core import DEFAULT_STREAM, InputError, Location
    from core.interchange import event_from_object

    try:
        parsed_data = json.loads(data)
    except json.JSONDecodeError as error:
        raise InputError(f"malformed JSON: {error.msg} (column {error.colno})", Location(field="--data")) from None
    if quotes and len(quotes) != len(sources):
        raise InputError(
            f"{len(sources)} --source but {len(quotes)} --quote: give one --quote per --source",
            Location(field="--quote"),
        )
    raw: dict[str, Any] = {"type": event_type, "occurred": occurred, "data": parsed_data}
    optional = {"id": event_id, "stream": stream, "actor": actor, "occurred_text": occurred_text, "note": note}
    raw.update({key: value for key, value in optional.items() if value is not None})
    raw["sources"] = [
        {"source": source, "quote": quotes[index]} if quotes else {"source": source}
        for index, source in enumerate(sources)
    ]
    try:
        event = event_from_object(raw, Location(), DEFAULT_STREAM)
        result = app.store().append(event.event, expected_version=expected_version, unverified=unverified)
    except InputError as error:
        raise _flag_error(error) from None
    if as_json:
        echo_json({"appended": result.last.__dict__ if result.last else None, "unchanged": result.unchanged or None})
    elif result.last is not None:
        last = result.last
        click.echo(
            f"appended {last.id} at position {last.position} (stream {last.stream}, version {last.stream_version})"
        )
    else:
        click.echo(f"{result.unchanged[0]} is already in the log with the same content; nothing changed")


@click.command("import")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--unverified", is_flag=True, help="Accept quotes that are not in their sources' stored texts.")
@pass_app
def import_events(app: AppContext, file: str, unverified: bool) -> None:
    """Import events from a JSON Lines FILE ('-' for standard input) in one transaction."""
    from core import DEFAULT_STREAM, InputError, Location, read_jsonl

    name = "<stdin>" if file == "-" else file
    try:
        handle: IO[bytes] = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", Location(file=name)) from None
    size = 0 if file == "-" else os.fstat(handle.fileno()).st_size
    try:
        with progress(size, "importing", threshold=1_000_000) as advance:
            lines = _counting(handle, advance)
            result = app.store().append_many(read_jsonl(lines, name, DEFAULT_STREAM), unverified=unverified)
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    if result.count:
        assert result.first is not None
        assert result.last is not None
        span = f"positions {result.first.position}-{result.last.position}"
        click.echo(f"imported {result.count} events from {name} ({span})", nl=False)
    else:
        click.echo(f"imported no new events from {name}", nl=False)
    click.echo(f"; {len(result.unchanged)} already present" if result.unchanged else "")


def _counting(handle: IO[bytes], advance: Any) -> Iterator[bytes]:
    for line in handle:
        advance(len(line))
        yield line


@click.command()
@click.option("--stream", help="Only this stream.")
@click.option("--type", "event_type", help="Only this event type.")
@click.option("--actor", help="Only this actor (any accepted name or code).")
@click.option("--since", type=click.IntRange(min=0), help="Only events after this position.")
@click.option("--json", "as_json", is_flag=True, help="Print {'events': [...]} as JSON.")
@pass_app
def log(
    app: AppContext, stream: str | None, event_type: str | None, actor: str | None, since: int | None, as_json: bool
) -> None:
    """List the events in the log, in the order they were recorded."""
    from core import EventFilter
    from projections.verification import QuoteChecker

    store = app.store()
    criteria = EventFilter(stream=stream, type=event_type, actor=_actor_code(actor), since=since)
    checker = QuoteChecker(store.source_texts())
    if as_json:
        _stream_json_events(store.read(criteria), checker)
        return
    marks = {True: "yes", False: "no", None: "-"}
    rows = [
        (e.position, e.occurred, e.type, e.actor or "", e.stream, e.id, marks[checker.event_verified(e)])
        for e in store.read(criteria)
    ]
    echo_table(["POS", "OCCURRED", "TYPE", "ACTOR", "STREAM", "ID", "VERIFIED"], rows, empty="(no events)")


def _actor_code(actor: str | None) -> str | None:
    if actor is None:
        return None
    from core import InputError, Location
    from events import normalise_actor

    try:
        return normalise_actor(actor)
    except ValueError as error:
        raise InputError(str(error), Location(field="--actor")) from None


def _stream_json_events(events: Iterator[RecordedEvent], checker: Any) -> None:
    """Print {"events": [...]} one event at a time, so a large log is never held in memory."""
    write = sys.stdout.write
    write('{"events": [')
    for index, event in enumerate(events):
        record = event.envelope()
        record.update(
            position=event.position,
            stream_version=event.stream_version,
            recorded_at=event.recorded_at,
            hash=event.hash,
            verified=checker.event_verified(event),
        )
        write(("\n  " if index == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
    write("\n]}\n")


@click.command()
@click.option("--checkpoint", is_flag=True, help="Print the head position and hash, to publish and check later.")
@click.option("--expect", metavar="HASH", help="Also require that a head hash published earlier is still in the chain.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def verify(app: AppContext, checkpoint: bool, expect: str | None, as_json: bool) -> None:
    """Recompute the hash chain; exit 1 naming the first bad position if anything was changed."""
    store = app.store()
    total, _ = store.head()
    with progress(total, "verifying", threshold=50_000) as advance:
        report = store.verify(on_progress=advance, expect=expect)
    if as_json:
        echo_json(
            {"ok": True, "events": report.count, "head": {"position": report.head_position, "hash": report.head_hash}}
        )
    elif checkpoint:
        click.echo(f"position {report.head_position} hash {report.head_hash}")
    else:
        head = f"head position {report.head_position} hash {report.head_hash}"
        click.echo(f"ok: {report.count} events, hash chain intact; {head}")


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True, help="Output format."
)
@click.option("--stream", help="Only this stream.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to FILE instead of standard output.")
@pass_app
def export(app: AppContext, fmt: str, stream: str | None, out: str | None) -> None:
    """Export the log as JSON Lines that `dtl import` reads back into the same events."""
    from core import EventFilter

    store = app.store()
    lines = (
        json.dumps(event.envelope(), ensure_ascii=False) + "\n" for event in store.read(EventFilter(stream=stream))
    )
    if out is None:
        sys.stdout.writelines(lines)
        return
    # write beside the target and rename, so an interrupted export never leaves half a file
    partial = Path(out).with_name(Path(out).name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as target:
            target.writelines(lines)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
