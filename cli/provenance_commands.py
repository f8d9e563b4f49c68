"""Commands that audit the log and explain why each fact holds, down to sources and quotes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from cli.context import EXIT_PROBLEM, AppContext, command, pass_app
from cli.options import as_of_option, json_option, known_at_option, stream_option
from cli.output import echo_json, echo_notes, echo_table, progress, safe_text

if TYPE_CHECKING:
    from service.answers import ActorProvenance, Citation, CountProvenance, Evidence

__all__ = ["audit", "why"]

_FACT_LABELS = {
    "stance": "stance",
    "offer": "offers",
    "offered_earlier": "offered earlier",
    "ruled_out": "rules out",
    "condition": "condition",
}


@command()
@click.argument("actor", metavar="[ACTOR]", required=False)
@click.option("--count", "explain_size", is_flag=True, help="Explain the reported size instead of an actor.")
@click.option(
    "--subject", type=click.Choice(["participants", "troops"]), help="With --count: which quantity (participants)."
)
@as_of_option("Valid time (default: today); a coarse EDTF date means its last day.")
@known_at_option
@stream_option("The stream to explain (default: ukraine-coalition).", default=None)
@json_option()
@pass_app
def why(
    app: AppContext,
    actor: str | None,
    explain_size: bool,
    subject: str | None,
    as_of: str | None,
    known_at: str | None,
    stream: str | None,
    as_json: bool,
) -> None:
    """Explain ACTOR's stance, offers, ruled-out capabilities and conditions, or (--count) the reported size.

    Each fact comes with the events behind it, the corrections and retractions
    that changed them, and each event's sources and quotes, verified or not.
    """
    from service import DEFAULT_STREAM, Query

    if explain_size == (actor is not None):
        raise click.UsageError("give an ACTOR, or --count for the reported size")
    if subject is not None and not explain_size:
        raise click.UsageError("--subject goes with --count")
    query = Query.parse(stream or DEFAULT_STREAM, as_of, known_at)
    where = f"as of {query.as_of.isoformat()} in {query.stream}" + (f", known at {known_at}" if known_at else "")
    if actor is None:
        size = app.timeline.why_count(query, subject or "participants")
        echo_notes(size.notes)
        if as_json:
            echo_json(size.to_json())
        else:
            _print_count(size.explained, where)
        return
    explained = app.timeline.why(query, actor)
    echo_notes(explained.notes)
    if as_json:
        echo_json(explained.to_json())
    else:
        _print_actor(explained.explained, where)


def _print_actor(explained: ActorProvenance, where: str) -> None:
    from service.words import actor_name

    code, member = explained.actor, explained.member
    standing = "not a member" if member is None else f"{member.stance} since {member.since}"
    click.secho(safe_text(f"{code} ({actor_name(code)}) {where}: {standing}"), bold=True)
    if not explained.facts and not explained.set_aside:
        click.echo(f"no event about {code} counts as of {explained.as_of.isoformat()}")
        return
    rows = [
        (_FACT_LABELS[fact.name], fact.value + (f" ({fact.note})" if fact.note else ""), ", ".join(fact.events))
        for fact in explained.facts
    ]
    echo_table(["FACT", "VALUE", "EVENTS"], rows, empty="(no facts)")
    _print_evidence(explained.evidence)
    if explained.set_aside:
        click.secho(f"\nset aside: events about {code} that corrections or retractions took away", bold=True)
        _print_evidence(explained.set_aside)


def _print_count(explained: CountProvenance, where: str) -> None:
    size = explained.size
    latest = size.latest
    said = "no claim yet" if latest is None else f"{latest.comparator} {latest.amount:,}, latest of {len(size.claims)}"
    click.secho(safe_text(f"{size.subject} {where}: {said}"), bold=True)
    if size.named_floor is not None:
        named = ", ".join(explained.supporting) or "none"
        click.echo(f"named floor: {size.named_floor} actors named as supporting ({named})")
    rows = [
        (c.occurred, f"{c.comparator} {c.amount:,}", c.attributed_to or "", c.raw or "", c.event) for c in size.claims
    ]
    echo_table(["OCCURRED", "CLAIM", "ATTRIBUTED TO", "AS WORDED", "EVENT"], rows, empty="(no claims)")
    _print_evidence(explained.evidence)


def _print_evidence(evidence: tuple[Evidence, ...], indent: str = "") -> None:
    """Print each event with its data and sources; amendments nested under the event they changed."""
    for item in evidence:
        event = item.event
        when = event.occurred + (f' ("{event.occurred_text}")' if event.occurred_text else "")
        if indent:
            amended = "corrected" if event.type == "event.corrected" else "retracted"
            click.echo(safe_text(f"{indent}{amended} by {event.id}, {when}: {event.data['reason']}"))
            if "changes" in event.data:
                click.echo(safe_text(f"{indent}  changes: {json.dumps(event.data['changes'], ensure_ascii=False)}"))
        else:
            who = f" {event.actor}" if event.actor else ""
            who += f", said by {event.speaker}" if event.speaker else ""
            recorded = f", position {event.position}"
            recorded += f" recorded by {event.recorded_by}" if event.recorded_by else ""
            click.secho("\n" + safe_text(f"{event.id}: {event.type}{who}, occurred {when}{recorded}"), bold=True)
            click.echo(safe_text(f"  data: {json.dumps(event.data, ensure_ascii=False)}"))
            effect = item.effect
            if effect is not None and effect.changed:
                click.echo(safe_text(f"  changed: {'; '.join(effect.changed)}"))
            elif effect is not None:
                click.echo(safe_text(f"  changed nothing: {effect.unchanged_because}"))
        for citation in item.citations:
            _print_citation(citation, indent + "  ")
        _print_evidence(item.amendments, indent + "  ")


def _print_citation(citation: Citation, indent: str) -> None:
    info = citation.info
    where = "" if info is None else f": {info.publisher}, {info.published}, {info.title or info.url or 'untitled'}"
    click.echo(safe_text(f"{indent}source {citation.source}{where}"))
    if citation.quote is not None:
        click.echo(safe_text(f"{indent}  quote: {citation.quote}"))
    from service.words import quote_status_sentence

    status = quote_status_sentence(
        citation.source, info, citation.status, how_to_attach=f"`dtl source attach {citation.source} PATH`"
    )
    click.secho(f"{indent}  {safe_text(status)}", fg="red" if citation.status == "not_found" else None)


@command()
@click.option("--stream", help="Audit only this stream (amendment targets are still looked up in the whole log).")
@json_option("Print the findings as JSON.")
@pass_app
def audit(app: AppContext, stream: str | None, as_json: bool) -> None:
    """Check the whole log; exit 1 when it finds errors (warnings alone exit 0).

    Errors: an event without a source, a quote not in its source's text, a
    stored text that no longer matches its sha256, an event dated after its
    source was published, an amendment whose target is missing, a broken hash
    chain. Warnings: single-source facts, disagreeing claims, claims below the
    named floor, sources without their text, unverified quotes, a stance
    reversed (undecided or considering after a pledge), possible duplicates,
    events dated more than ten years before their source.
    """
    answer = app.timeline.audit(stream, progress=lambda total, label: progress(total, label, threshold=50_000))
    findings, errors = answer.findings, answer.errors
    if as_json:
        echo_json(answer.to_json())
    else:
        rows = [(f.severity, f.kind, _shorten(f.events), ", ".join(f.sources), f.message) for f in findings]
        echo_table(["SEVERITY", "KIND", "EVENTS", "SOURCES", "MESSAGE"], rows, empty="no findings")
        warnings = answer.warnings
        tally = f"{errors} error{'' if errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'}"
        click.secho(f"\n{tally}", bold=True, fg="red" if errors else None)
    if errors:
        raise SystemExit(EXIT_PROBLEM)


def _shorten(ids: tuple[str, ...]) -> str:
    return ", ".join(ids[:2]) + (f" +{len(ids) - 2} more" if len(ids) > 2 else "")
