"""Commands that replay the log: state as of a date, reported size, timeline, diff, one actor's history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from cli.context import AppContext, command, pass_app
from cli.options import as_of_option, json_option, known_at_option, stream_option
from cli.output import echo_json, echo_notes, echo_table, safe_text

if TYPE_CHECKING:
    from service.answers import Claim

__all__ = ["count", "diff", "history", "state", "timeline"]

# How the diff words the member facts whose JSON names are not plain words.
_FACT_NAMES = {"tentative_offers": "tentative offers", "offered_earlier": "offered earlier, not standing"}

_DATE_HELP = "EDTF date (2025-03-17, 2025-03, 2025); a coarse date means its last day."


def _claim_text(claim: Claim | None) -> str:
    if claim is None:
        return "no claim yet"
    who = f" ({claim.attributed_to})" if claim.attributed_to else ""
    return f"{claim.comparator} {claim.amount:,}{who}, {claim.occurred}, event {claim.event}"


@command()
@as_of_option()
@known_at_option
@stream_option()
@json_option("Print the state as JSON (the contract in DESIGN.md).")
@pass_app
def state(app: AppContext, as_of: str | None, known_at: str | None, stream: str, as_json: bool) -> None:
    """Show the coalition as of a date: who is in, with what, under which conditions, how big it is said to be."""
    from service import Query
    from service.words import STANCE_ORDER, actor_name

    answer = app.timeline.state(Query.parse(stream, as_of, known_at))
    echo_notes(answer.notes)
    if as_json:
        echo_json(answer.view())
        return
    result, position, day = answer.state, answer.position, answer.query.as_of
    known = f", known at {known_at}" if known_at else ""
    click.secho(safe_text(f"{stream} as of {day.isoformat()}{known} (log position {position})"), bold=True)
    rows = [
        (
            code,
            actor_name(code),
            member.stance,
            _offers_text(member.offers, member.tentative_offers, member.offered_earlier),
            ", ".join(member.ruled_out),
            ", ".join(member.conditions),
            member.since,
        )
        for code, member in sorted(
            result.members.items(), key=lambda item: (STANCE_ORDER.index(item[1].stance), item[0])
        )
    ]
    echo_table(["ACTOR", "NAME", "STANCE", "OFFERS", "RULED OUT", "CONDITIONS", "SINCE"], rows, empty="(no members)")
    counts = ", ".join(f"{stance} {n}" for stance, n in result.stance_counts.items())
    click.echo(f"\nstances: {counts}")
    size = result.reported_size
    click.echo(safe_text(f"reported size: {_claim_text(size.latest)}; named floor {size.named_floor}"))
    if len(size.claims) > 1:
        click.echo(f"  ({len(size.claims)} claims so far: see `dtl count --series`)")
    for label, meetings in (("held", result.held), ("upcoming", result.upcoming), ("unconfirmed", result.unconfirmed)):
        for meeting in meetings:
            when = meeting.scheduled_for or meeting.occurred
            where = f" ({meeting.location})" if meeting.location else ""
            shown = f"meeting {label}: {meeting.meeting_id or meeting.event}, host {meeting.host}, {when}{where}"
            if label == "unconfirmed":
                shown += ": scheduled, no report that it was held"
            click.echo(safe_text(shown))


def _offers_text(offers: Sequence[str], tentative: Sequence[str], earlier: Sequence[str]) -> str:
    """Return the standing offers, tentative ones marked, then the offers set aside as no longer standing."""
    text = ", ".join(f"{offer} (tentative)" if offer in tentative else offer for offer in offers)
    if earlier:
        set_aside = f"offered earlier, not standing: {', '.join(earlier)}"
        text = f"{text}; {set_aside}" if text else set_aside
    return text


@command()
@click.option(
    "--subject", type=click.Choice(["participants", "troops"]), default="participants", show_default=True,
    help="Which quantity.",
)  # fmt: skip
@as_of_option(f"Claims counted as of this date (default: today). {_DATE_HELP}")
@click.option("--series", is_flag=True, help="List every claim over time with the named floor beside it.")
@known_at_option
@stream_option()
@json_option()
@pass_app
def count(
    app: AppContext, subject: str, as_of: str | None, series: bool, known_at: str | None, stream: str, as_json: bool
) -> None:
    """Show how large the coalition is said to be, and says who: every claim side by side."""
    from service import Query

    if series and as_of:
        raise click.UsageError("give either --as-of or --series, not both")
    if series:
        answer = app.timeline.count_series(stream, subject, known_at)
        echo_notes(answer.notes)
        if as_json:
            echo_json(answer.to_json())
            return
        points = answer.points
        rows = [
            (p["as_of"], f"{p['comparator']} {p['amount']:,}", p["attributed_to"] or "", p["raw"] or "",
             "" if p["named_floor"] is None else p["named_floor"], ", ".join(p["sources"]), p["event"])
            for p in points
        ]  # fmt: skip
        headers = ["AS OF", "CLAIM", "ATTRIBUTED TO", "AS WORDED", "NAMED FLOOR", "SOURCES", "EVENT"]
        echo_table(headers, rows, empty=f"(no {subject} claims)")
        return
    counted = app.timeline.count(Query.parse(stream, as_of, known_at), subject)
    echo_notes(counted.notes)
    if as_json:
        echo_json(counted.to_json())
        return
    size, day = counted.size, counted.query.as_of
    click.secho(safe_text(f"{subject} as of {day.isoformat()}: {_claim_text(size.latest)}"), bold=True)
    if size.named_floor is not None:
        click.echo(f"named floor: {size.named_floor} actors named as supporting")
    claims: list[tuple[object, ...]] = [
        (c.occurred, f"{c.comparator} {c.amount:,}", c.attributed_to or "", c.raw or "", ", ".join(c.sources), c.event)
        for c in size.claims
    ]
    echo_table(["OCCURRED", "CLAIM", "ATTRIBUTED TO", "AS WORDED", "SOURCES", "EVENT"], claims, empty="(no claims)")


@command()
@click.option("--from", "start", help=f"Only events that may have happened on or after this date. {_DATE_HELP}")
@click.option("--to", "end", help=f"Only events that may have happened on or before this date. {_DATE_HELP}")
@click.option("--actor", help="Only events about this actor (as actor or meeting participant).")
@known_at_option
@stream_option()
@json_option()
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
    answer = app.timeline.timeline(stream, start=start, end=end, actor=actor, known_at=known_at)
    echo_notes(answer.notes)
    if as_json:
        echo_json(answer.to_json())
        return
    entries = answer.entries
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


@command()
@click.argument("before", metavar="D1")
@click.argument("after", metavar="D2")
@known_at_option
@stream_option()
@json_option()
@pass_app
def diff(app: AppContext, before: str, after: str, known_at: str | None, stream: str, as_json: bool) -> None:
    """Show what changed between two dates: who joined or left, changed stance or offers, which claims appeared."""
    answer = app.timeline.diff(stream, before, after, known_at)
    echo_notes(answer.notes)
    if as_json:
        echo_json(answer.to_json())
        return
    changes, old, new = answer.changes, answer.before, answer.after
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
                lines.append(f"{_FACT_NAMES.get(name, name)}: {code} + {', '.join(change['added'])}")
            if change["removed"]:
                lines.append(f"{_FACT_NAMES.get(name, name)}: {code} - {', '.join(change['removed'])}")
    for label in ("appeared", "disappeared"):
        for claim in changes["claims"][label]:
            lines.append(f"claim {label}: {_claim_document_text(claim)}")
    click.echo("\n".join(map(safe_text, lines)) if lines else "(no change)")


def _claim_document_text(claim: dict[str, Any]) -> str:
    who = f" ({claim['attributed_to']})" if claim.get("attributed_to") else ""
    subject = f"{claim['subject']} " if claim.get("subject") else ""
    return f"{subject}{claim['comparator']} {claim['amount']:,}{who}, {claim['occurred']}"


@command()
@click.argument("actor", metavar="ACTOR")
@as_of_option(f"Stop at this date (default: everything). {_DATE_HELP}")
@known_at_option
@stream_option()
@json_option()
@pass_app
def history(app: AppContext, actor: str, as_of: str | None, known_at: str | None, stream: str, as_json: bool) -> None:
    """Show one actor's positions over time, event by event."""
    answer = app.timeline.history(stream, actor, as_of=as_of, known_at=known_at)
    echo_notes(answer.notes)
    if as_json:
        echo_json(answer.to_json())
        return
    entries, code = answer.entries, answer.actor
    rows = [
        (e["event"]["occurred"], e["event"]["type"], e["stance"] or "-",
         _offers_text(e["offers"], e["tentative_offers"], e["offered_earlier"]),
         ", ".join(e["ruled_out"]), ", ".join(e["conditions"]), e["event"]["id"])
        for e in entries
    ]  # fmt: skip
    echo_table(
        ["OCCURRED", "EVENT", "STANCE AFTER", "OFFERS", "RULED OUT", "CONDITIONS", "ID"],
        rows,
        empty=f"(no events about {code})",
    )
