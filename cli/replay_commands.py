"""Commands that replay the log: state as of a date, reported size, timeline, diff, one actor's history."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

import click

from cli.arguments import actor_code
from cli.main import AppContext
from cli.output import echo_json, echo_table, safe_text

if TYPE_CHECKING:
    from projections.coalition import Claim, CoalitionState
    from projections.engine import Replayer

__all__ = ["DEFAULT_STREAM_NAME", "count", "diff", "history", "state", "timeline"]

pass_app = click.make_pass_decorator(AppContext)

_DATE_HELP = "EDTF date (2025-03-17, 2025-03, 2025); a coarse date means its last day."


def parse_day(value: str, flag: str, *, first: bool = False) -> date:
    """Return the last (or first) day an EDTF value means, or raise an input error naming the flag."""
    from core import InputError, Location
    from events import edtf_bounds

    try:
        earliest, latest = edtf_bounds(value)
    except ValueError as error:
        raise InputError(
            str(error), Location(field=flag), hint="such as 2025-03-17, 2025-03 or 2025; `dtl date` reads phrases"
        ) from None
    return earliest if first else latest


def parse_known_at(value: str | None) -> int | str | None:
    """Return a log position (an integer) or a recorded_at bound (a UTC timestamp) for --known-at."""
    if value is None:
        return None
    from core import InputError, Location, utc_timestamp

    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{value!r} is neither a log position nor an ISO date or timestamp",
            Location(field="--known-at"),
            hint="give a position such as 42, a date such as 2025-03-20 or a timestamp such as 2025-03-20T12:00Z",
        ) from None
    if len(value) == 10:  # a bare date: everything recorded by the end of that day (UTC)
        moment = datetime.combine(moment.date(), time.max, tzinfo=UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return utc_timestamp(moment)


def _today() -> date:
    return datetime.now(UTC).date()


def _replayer(app: AppContext) -> Replayer:
    from core.snapshots import SnapshotRecorder
    from projections.engine import Replayer, Snapshot

    store = app.store()
    return Replayer(store, SnapshotRecorder(store.database, Snapshot))


def _replay_state(app: AppContext, as_of: date, stream: str, known_at: int | str | None) -> tuple[CoalitionState, int]:
    replay = _replayer(app).state(as_of=as_of, stream=stream, known_at=known_at)
    return replay.state, replay.known_position


# core.config.DEFAULT_STREAM spelled out, as importing core here would load SQLAlchemy for `dtl --help`;
# tests/cli/test_cli_polish.py keeps the two equal
DEFAULT_STREAM_NAME = "ukraine-coalition"


def _stream_option(function: Any) -> Any:
    return click.option("--stream", default=DEFAULT_STREAM_NAME, show_default=True, help="The stream to replay.")(
        function
    )


def _claim_text(claim: Claim | None) -> str:
    if claim is None:
        return "no claim yet"
    who = f" ({claim.attributed_to})" if claim.attributed_to else ""
    return f"{claim.comparator} {claim.amount:,}{who}, {claim.occurred}, event {claim.event}"


@click.command()
@click.option("--as-of", "as_of", help=f"Valid time (default: today). {_DATE_HELP}")
@click.option("--known-at", help="Transaction time: a log position, or a date or timestamp (UTC).")
@_stream_option
@click.option("--json", "as_json", is_flag=True, help="Print the state as JSON (the contract in DESIGN.md).")
@pass_app
def state(app: AppContext, as_of: str | None, known_at: str | None, stream: str, as_json: bool) -> None:
    """Show the coalition as of a date: who is in, with what, under which conditions, how big it is said to be."""
    from events import actor_name
    from projections.coalition import state_document

    day = parse_day(as_of, "--as-of") if as_of else _today()
    bound = parse_known_at(known_at)
    result, position = _replay_state(app, day, stream, bound)
    if as_json:
        echo_json(state_document(result, stream=stream, as_of=day, known_at=bound, position=position))
        return
    known = f", known at {known_at}" if known_at else ""
    click.secho(safe_text(f"{stream} as of {day.isoformat()}{known} (log position {position})"), bold=True)
    rows = [
        (
            code,
            actor_name(code),
            member.stance,
            ", ".join(member.offers),
            ", ".join(member.ruled_out),
            ", ".join(member.conditions),
            member.since,
        )
        for code, member in sorted(result.members.items(), key=lambda item: (_stance_rank(item[1].stance), item[0]))
    ]
    echo_table(["ACTOR", "NAME", "STANCE", "OFFERS", "RULED OUT", "CONDITIONS", "SINCE"], rows, empty="(no members)")
    counts = ", ".join(f"{stance} {n}" for stance, n in result.stance_counts.items())
    click.echo(f"\nstances: {counts}")
    size = result.reported_size
    click.echo(safe_text(f"reported size: {_claim_text(size.latest)}; named floor {size.named_floor}"))
    if len(size.claims) > 1:
        click.echo(f"  ({len(size.claims)} claims so far: see `dtl count --series`)")
    for label, meetings in (("held", result.held), ("upcoming", result.upcoming)):
        for meeting in meetings:
            when = meeting.scheduled_for or meeting.occurred
            where = f" ({meeting.location})" if meeting.location else ""
            shown = f"meeting {label}: {meeting.meeting_id or meeting.event}, host {meeting.host}, {when}{where}"
            click.echo(safe_text(shown))


def _stance_rank(stance: str) -> int:
    from projections.coalition import STANCE_ORDER

    return STANCE_ORDER.index(stance)


@click.command()
@click.option(
    "--subject", type=click.Choice(["participants", "troops"]), default="participants", show_default=True,
    help="Which quantity.",
)  # fmt: skip
@click.option("--as-of", "as_of", help=f"Claims counted as of this date (default: today). {_DATE_HELP}")
@click.option("--series", is_flag=True, help="List every claim over time with the named floor beside it.")
@click.option("--known-at", help="Transaction time: a log position, or a date or timestamp (UTC).")
@_stream_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def count(
    app: AppContext, subject: str, as_of: str | None, series: bool, known_at: str | None, stream: str, as_json: bool
) -> None:
    """Show how large the coalition is said to be, and says who: every claim side by side."""
    from projections.counts import count_series

    if series and as_of:
        raise click.UsageError("give either --as-of or --series, not both")
    bound = parse_known_at(known_at)
    if series:
        points = count_series(_replayer(app).effective_events(stream=stream, known_at=bound), subject)
        if as_json:
            echo_json({"stream": stream, "subject": subject, "known_at": bound, "series": points})
            return
        rows = [
            (p["as_of"], f"{p['comparator']} {p['amount']:,}", p["attributed_to"] or "", p["raw"] or "",
             "" if p["named_floor"] is None else p["named_floor"], ", ".join(p["sources"]), p["event"])
            for p in points
        ]  # fmt: skip
        headers = ["AS OF", "CLAIM", "ATTRIBUTED TO", "AS WORDED", "NAMED FLOOR", "SOURCES", "EVENT"]
        echo_table(headers, rows, empty=f"(no {subject} claims)")
        return
    day = parse_day(as_of, "--as-of") if as_of else _today()
    result, position = _replay_state(app, day, stream, bound)
    size = result.reported_sizes[subject]
    if as_json:
        echo_json({"stream": stream, "subject": subject, "as_of": day.isoformat(), "known_at": bound,
                   "position": position, **size.to_json()})  # fmt: skip
        return
    click.secho(safe_text(f"{subject} as of {day.isoformat()}: {_claim_text(size.latest)}"), bold=True)
    if size.named_floor is not None:
        click.echo(f"named floor: {size.named_floor} actors named as supporting")
    claims: list[tuple[object, ...]] = [
        (c.occurred, f"{c.comparator} {c.amount:,}", c.attributed_to or "", c.raw or "", ", ".join(c.sources), c.event)
        for c in size.claims
    ]
    echo_table(["OCCURRED", "CLAIM", "ATTRIBUTED TO", "AS WORDED", "SOURCES", "EVENT"], claims, empty="(no claims)")


@click.command()
@click.option("--from", "start", help=f"Only events that may have happened on or after this date. {_DATE_HELP}")
@click.option("--to", "end", help=f"Only events that may have happened on or before this date. {_DATE_HELP}")
@click.option("--actor", help="Only events about this actor (as actor or meeting participant).")
@click.option("--known-at", help="Transaction time: a log position, or a date or timestamp (UTC).")
@_stream_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def timeline(
    app: AppContext,
    start: str | None,
    end: str | None,
    actor: str | None,
    known_at: str | None,
    stream: str,
    as_json: bool,
) -> None:
    """List events in the order they happened, with their sources and quotes."""
    from projections.changes import timeline as build_timeline

    first = parse_day(start, "--from", first=True) if start else None
    last = parse_day(end, "--to") if end else None
    events = _replayer(app).effective_events(stream=stream, known_at=parse_known_at(known_at))
    entries = build_timeline(events, start=first, end=last, actor=actor_code(actor, "--actor") if actor else None)
    if as_json:
        echo_json({"stream": stream, "from": start, "to": end, "events": entries})
        return
    if not entries:
        click.echo("(no events)")
    for entry in entries:
        who = f" {entry['actor']}" if entry["actor"] else ""
        phrase = f' ("{entry["occurred_text"]}")' if entry.get("occurred_text") else ""
        click.secho(safe_text(f"{entry['occurred']}{phrase}  {entry['type']}{who}  [{entry['id']}]"), bold=True)
        summary = _summary(entry["data"])
        if summary:
            click.echo(f"    {safe_text(summary)}")
        for source in entry["sources"]:
            quote = f': "{source["quote"]}"' if source.get("quote") else ""
            click.echo(f"    {safe_text(source['source'])}{safe_text(quote)}")


def _summary(data: dict[str, Any]) -> str:
    parts = []
    for key, value in data.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)


@click.command()
@click.argument("before", metavar="D1")
@click.argument("after", metavar="D2")
@click.option("--known-at", help="Transaction time: a log position, or a date or timestamp (UTC).")
@_stream_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def diff(app: AppContext, before: str, after: str, known_at: str | None, stream: str, as_json: bool) -> None:
    """Show what changed between two dates: who joined or left, changed stance or offers, which claims appeared."""
    from projections.changes import diff as state_diff

    bound = parse_known_at(known_at)
    old, _ = _replay_state(app, parse_day(before, "D1"), stream, bound)
    new, _ = _replay_state(app, parse_day(after, "D2"), stream, bound)
    changes = state_diff(old, new)
    if as_json:
        echo_json({"stream": stream, **changes})
        return
    click.secho(safe_text(f"{stream}: {changes['from']} -> {changes['to']}"), bold=True)
    lines = [f"joined: {code} ({new.members[code].stance})" for code in changes["joined"]]
    lines += [f"left: {code} (was {old.members[code].stance})" for code in changes["left"]]
    lines += [
        f"stance: {code} {change['from']} -> {change['to']}"
        for code, change in changes["stance_changes"].items()
        if change["from"] is not None and change["to"] is not None
    ]
    for code, facts in changes["facts"].items():
        for name, change in facts.items():
            if change["added"]:
                lines.append(f"{name}: {code} + {', '.join(change['added'])}")
            if change["removed"]:
                lines.append(f"{name}: {code} - {', '.join(change['removed'])}")
    for label in ("appeared", "disappeared"):
        for claim in changes["claims"][label]:
            lines.append(f"claim {label}: {_claim_document_text(claim)}")
    click.echo("\n".join(map(safe_text, lines)) if lines else "(no change)")


def _claim_document_text(claim: dict[str, Any]) -> str:
    who = f" ({claim['attributed_to']})" if claim.get("attributed_to") else ""
    subject = f"{claim['subject']} " if claim.get("subject") else ""
    return f"{subject}{claim['comparator']} {claim['amount']:,}{who}, {claim['occurred']}"


@click.command()
@click.argument("actor", metavar="ACTOR")
@click.option("--as-of", "as_of", help=f"Stop at this date (default: everything). {_DATE_HELP}")
@click.option("--known-at", help="Transaction time: a log position, or a date or timestamp (UTC).")
@_stream_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def history(app: AppContext, actor: str, as_of: str | None, known_at: str | None, stream: str, as_json: bool) -> None:
    """Show one actor's positions over time, event by event."""
    from projections.changes import history as actor_history

    code = actor_code(actor, "ACTOR")
    day = parse_day(as_of, "--as-of") if as_of else None
    events = _replayer(app).effective_events(stream=stream, known_at=parse_known_at(known_at), until_day=day)
    entries = actor_history(events, code)
    if as_json:
        echo_json({"stream": stream, "actor": code, "history": entries})
        return
    rows = [
        (e["event"]["occurred"], e["event"]["type"], e["stance"] or "-", ", ".join(e["offers"]),
         ", ".join(e["ruled_out"]), ", ".join(e["conditions"]), e["event"]["id"])
        for e in entries
    ]  # fmt: skip
    echo_table(
        ["OCCURRED", "EVENT", "STANCE AFTER", "OFFERS", "RULED OUT", "CONDITIONS", "ID"],
        rows,
        empty=f"(no events about {code})",
    )
