"""Commands that create, write, list, check and export the log."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

import click

from cli.arguments import actor_code
from cli.main import AppContext
from cli.output import echo_json, echo_table, json_text, progress, safe_text

if TYPE_CHECKING:
    from cli.relative_dates import Resolution
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
        click.echo(safe_text(f"{mask_url(app.url)} is up to date (schema {after})"))
    else:
        click.echo(safe_text(f"initialised {mask_url(app.url)} (schema {before or 'none'} -> {after})"))


@click.command()
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
@click.option("--note", help="An analyst's note.")
@click.option("--expected-version", type=click.IntRange(min=0), help="Append only if the stream is at this version.")
@click.option("--unverified", is_flag=True, help="Accept a quote that is not in its source's stored text.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
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
    from core import DEFAULT_STREAM, InputError, Location
    from core.interchange import check_values, event_from_object, parse_json

    if quotes and len(quotes) != len(sources):
        raise InputError(
            f"{len(sources)} --source but {len(quotes)} --quote: give one --quote per --source",
            Location(field="--quote"),
            hint="repeat --source and --quote in pairs, or leave out --quote entirely",
        )
    resolution = None
    if occurred is None:
        resolution = _resolve_occurred(app, occurred_text, published, sources)
        occurred = resolution.edtf
    try:
        raw: dict[str, Any] = {
            "type": event_type,
            "occurred": occurred,
            "data": parse_json(data, Location(field="data")),
        }
        optional = {"id": event_id, "stream": stream, "actor": actor, "occurred_text": occurred_text, "note": note}
        raw.update({key: value for key, value in optional.items() if value is not None})
        raw["sources"] = [
            {"source": source, "quote": quotes[index]} if quotes else {"source": source}
            for index, source in enumerate(sources)
        ]
        check_values(raw, Location())
        event = event_from_object(raw, Location(), DEFAULT_STREAM)
        result = app.store().append(event.event, expected_version=expected_version, unverified=unverified)
    except InputError as error:
        raise _flag_error(error) from None
    if as_json:
        document = {"appended": result.last.__dict__ if result.last else None, "unchanged": result.unchanged or None}
        echo_json(document if resolution is None else {**document, "resolved": resolution.to_json()})
        return
    if resolution is not None:
        anchor = resolution.anchor.isoformat()
        click.echo(safe_text(f"{occurred_text!r} written on {anchor} is {occurred} ({resolution.rule})"))
    if result.last is not None:
        last = result.last
        click.echo(
            safe_text(
                f"appended {last.id} at position {last.position} (stream {last.stream}, version {last.stream_version})"
            )
        )
    else:
        click.echo(safe_text(f"{result.unchanged[0]} is already in the log with the same content; nothing changed"))


def _resolve_occurred(
    app: AppContext, phrase: str | None, published: str | None, sources: tuple[str, ...]
) -> Resolution:
    """Resolve --occurred-text against --published, else the first --source's publication date."""
    from cli.date_commands import parse_anchor, unresolved_hint
    from cli.relative_dates import UnresolvedPhrase, resolve
    from core import InputError, Location

    explicit = "give --occurred with an explicit EDTF date (2025-03-08, or 2025-03-03/2025-03-09 for a span)"
    if phrase is None:
        raise InputError(
            "no date given",
            Location(field="--occurred"),
            hint=f'{explicit}, or the words of the source with --occurred-text, such as "last week"',
        )
    if published is not None:
        anchor = parse_anchor(published, "--published")
    elif sources:
        known = {source.id: source for source in app.store().sources()}
        if sources[0] not in known:
            raise InputError(
                f"unknown source {sources[0]!r}",
                Location(field="--source"),
                hint="register it with `dtl source add` (see `dtl source list`), or give --published YYYY-MM-DD",
            )
        anchor = parse_anchor(known[sources[0]].published, "--source")
    else:
        raise InputError(
            "no day to read the phrase from",
            Location(field="--occurred-text"),
            hint=f"give --published YYYY-MM-DD (when the source wrote it) or --source ID, or {explicit}",
        )
    try:
        return resolve(phrase, anchor)
    except UnresolvedPhrase as error:
        hint = unresolved_hint(error.advice, f"{explicit}; --occurred-text is still kept beside it")
        raise InputError(str(error), Location(field="--occurred-text"), hint=hint) from None


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
        raise InputError(
            f"cannot read the file: {error.strerror}",
            Location(file=name),
            hint="check the path (`-` reads standard input); `dtl export` writes files this reads",
        ) from None
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
        click.echo(safe_text(f"imported {result.count} events from {name} ({span})"), nl=False)
    else:
        click.echo(safe_text(f"imported no new events from {name}"), nl=False)
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
    criteria = EventFilter(
        stream=stream, type=event_type, actor=None if actor is None else actor_code(actor, "--actor"), since=since
    )
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
        write(("\n  " if index == 0 else ",\n  ") + json_text(record))
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
    occurred, earliest, latest, occurred_text, actor, actor_name, headline,
    data (JSON), note, source, publisher, published, title, url, quote,
    quote_status (verified, not_found, text_absent, no_quote), recorded_at,
    hash. A cell a spreadsheet would run as a formula gets a leading
    apostrophe.

    timelinejs: what happened, corrections applied and retractions left out,
    for the TimelineJS3 viewer: one slide per event with its start and end
    dates, a headline, the quotes and their sources, grouped by actor.
    """
    writers = {"jsonl": _jsonl_writer, "csv": _csv_writer, "timelinejs": _timelinejs_writer}
    write = writers[fmt](app, stream)
    if out is None:
        write(sys.stdout)
        return
    from cli.report_commands import write_atomically

    write_atomically(out, write)


_Writer = Callable[[IO[str]], object]


def _jsonl_writer(app: AppContext, stream: str | None) -> _Writer:
    from core import EventFilter

    events = app.store().read(EventFilter(stream=stream))
    return lambda target: target.writelines(json_text(event.envelope()) + "\n" for event in events)


def _csv_writer(app: AppContext, stream: str | None) -> _Writer:
    from cli.exports import write_csv
    from cli.provenance_commands import source_infos
    from core import EventFilter
    from projections.verification import QuoteChecker

    store = app.store()
    sources, checker = source_infos(store), QuoteChecker(store.source_texts())
    return lambda target: write_csv(store.read(EventFilter(stream=stream)), sources, checker, target)


def _timelinejs_writer(app: AppContext, stream: str | None) -> _Writer:
    from cli.exports import timelinejs_document
    from cli.provenance_commands import source_infos
    from projections.engine import Replayer

    store = app.store()
    events = list(Replayer(store).effective_events(stream=stream))
    position, _ = store.head()
    title = f"{stream or 'All streams'}: Diplomatic Timeline"
    description = (
        f"Exported from the log at position {position}. Dates are EDTF: a span means it happened some time within "
        "it; each slide quotes its sources."
    )
    document = timelinejs_document(events, source_infos(store), title=title, description=description)
    return lambda target: target.write(json_text(document, indent=2) + "\n")
