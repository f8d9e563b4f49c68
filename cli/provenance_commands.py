"""Commands that audit the log and explain why each fact holds, down to sources and quotes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from cli.arguments import actor_code
from cli.main import EXIT_PROBLEM, AppContext
from cli.output import echo_json, echo_table, progress, safe_text

if TYPE_CHECKING:
    from core import EventStore
    from events import RecordedEvent, Source
    from projections.audit import ChainBreak
    from projections.provenance import ActorProvenance, Citation, CountProvenance, Evidence

__all__ = ["audit", "citation_status", "source_infos", "why"]

pass_app = click.make_pass_decorator(AppContext)

_FACT_LABELS = {"stance": "stance", "offer": "offers", "ruled_out": "rules out", "condition": "condition"}


def source_infos(store: EventStore) -> dict[str, Source]:
    """Return every registered source's metadata by id, as the projections take it."""
    return {source.id: source for source in store.sources()}


def citation_status(source_id: str, info: Source | None, status: str) -> str:
    """Say in plain words whether a quote was verified, and how to verify it when it was not."""
    if info is None:
        return f"unverified: {source_id} is not a registered source"
    if status == "verified":
        return f"verified: the quote is in the stored text of {source_id}"
    if status == "not_found":
        return f"NOT FOUND: the quote is not in the stored text of {source_id}"
    if status == "no_quote":
        return f"unverified: no quote from {source_id} is cited"
    if info.sha256 is None:
        return f"unverified: {source_id} was registered without a sha256, so no text can be attached to it"
    return f"unverified: the text of {source_id} is not attached; verify with `dtl source attach {source_id} PATH`"


def _read_scope(store: EventStore, stream: str, known_at: int | str | None) -> tuple[list[RecordedEvent], int]:
    """Return the stream's events known at K and every amendment known then (they apply across streams)."""
    from core import EventFilter

    known = store.known_position(known_at)
    events = list(store.read(EventFilter(stream=stream, known_at=known)))
    events += [amendment for amendment in store.amendment_events(known) if amendment.stream != stream]
    return events, known


@click.command()
@click.argument("actor", metavar="[ACTOR]", required=False)
@click.option("--count", "explain_size", is_flag=True, help="Explain the reported size instead of an actor.")
@click.option(
    "--subject", type=click.Choice(["participants", "troops"]), help="With --count: which quantity (participants)."
)
@click.option("--as-of", "as_of", help="Valid time (default: today); a coarse EDTF date means its last day.")
@click.option("--known-at", help="Transaction time: a log position, or a date or timestamp (UTC).")
@click.option("--stream", help="The stream to explain (default: ukraine-coalition).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
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
    from cli.replay_commands import parse_day, parse_known_at
    from core import DEFAULT_STREAM
    from projections.provenance import explain_actor, explain_count

    if explain_size == (actor is not None):
        raise click.UsageError("give an ACTOR, or --count for the reported size")
    if subject is not None and not explain_size:
        raise click.UsageError("--subject goes with --count")
    code = None if actor is None else actor_code(actor, "ACTOR")
    day = parse_day(as_of, "--as-of") if as_of else datetime.now(UTC).date()
    bound = parse_known_at(known_at)
    stream = stream or DEFAULT_STREAM
    store = app.store()
    events, known = _read_scope(store, stream, bound)
    sources, texts = source_infos(store), store.source_texts()
    query = {"stream": stream, "as_of": day.isoformat(), "known_at": bound, "position": known}
    where = f"as of {day.isoformat()} in {stream}" + (f", known at {known_at}" if known_at else "")
    if code is None:
        size = explain_count(events, subject or "participants", day, sources, texts, stream=stream)
        if as_json:
            echo_json({**query, **size.to_json()})
        else:
            _print_count(size, where)
        return
    explained = explain_actor(events, code, day, sources, texts, stream=stream)
    if as_json:
        echo_json({**query, **explained.to_json()})
    else:
        _print_actor(explained, where)


def _print_actor(explained: ActorProvenance, where: str) -> None:
    from events import actor_name

    code, member = explained.actor, explained.member
    standing = "not a member" if member is None else f"{member.stance} since {member.since}"
    click.secho(safe_text(f"{code} ({actor_name(code)}) {where}: {standing}"), bold=True)
    if not explained.facts and not explained.set_aside:
        click.echo(f"no event about {code} counts as of {explained.as_of.isoformat()}")
        return
    rows = [(_FACT_LABELS[fact.name], fact.value, ", ".join(fact.events)) for fact in explained.facts]
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
            click.secho(
                safe_text(f"\n{event.id}: {event.type}{who}, occurred {when}, position {event.position}"), bold=True
            )
            click.echo(safe_text(f"  data: {json.dumps(event.data, ensure_ascii=False)}"))
        for citation in item.citations:
            _print_citation(citation, indent + "  ")
        _print_evidence(item.amendments, indent + "  ")


def _print_citation(citation: Citation, indent: str) -> None:
    info = citation.info
    where = "" if info is None else f": {info.publisher}, {info.published}, {info.title or info.url or 'untitled'}"
    click.echo(safe_text(f"{indent}source {citation.source}{where}"))
    if citation.quote is not None:
        click.echo(safe_text(f"{indent}  quote: {citation.quote}"))
    status = citation_status(citation.source, info, citation.status)
    click.secho(f"{indent}  {safe_text(status)}", fg="red" if citation.status == "not_found" else None)


@click.command()
@click.option("--stream", help="Audit only this stream (amendment targets are still looked up in the whole log).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@pass_app
def audit(app: AppContext, stream: str | None, as_json: bool) -> None:
    """Check the whole log; exit 1 when it finds errors (warnings alone exit 0).

    Errors: an event without a source, a quote not in its source's text, a
    stored text that no longer matches its sha256, an event dated after its
    source was published, an amendment whose target is missing, a broken hash
    chain. Warnings: single-source facts, disagreeing claims, claims below the
    named floor, sources without their text, unverified quotes.
    """
    from core import InputError, Location
    from projections.audit import audit as audit_log

    store = app.store()
    if stream is not None and store.stream_version(stream) == 0:
        raise InputError(
            f"stream {stream!r} has no events",
            Location(field="--stream"),
            hint="see the STREAM column of `dtl log` for the streams in the log",
        )
    chain = _chain_break(store)
    try:
        findings = audit_log(store.read(), source_infos(store), store.source_texts(), stream=stream, chain=chain)
    except (ValueError, KeyError, TypeError):
        if chain is None:
            raise
        findings = audit_log([], {}, {}, chain=chain)  # rows damaged past reading: the broken chain says it all
    errors = sum(finding.severity == "error" for finding in findings)
    if as_json:
        document = {
            "stream": stream,
            "ok": errors == 0,
            "errors": errors,
            "warnings": len(findings) - errors,
            "findings": [finding.to_json() for finding in findings],
        }
        echo_json(document)
    else:
        rows = [(f.severity, f.kind, _shorten(f.events), ", ".join(f.sources), f.message) for f in findings]
        echo_table(["SEVERITY", "KIND", "EVENTS", "SOURCES", "MESSAGE"], rows, empty="no findings")
        warnings = len(findings) - errors
        tally = f"{errors} error{'' if errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'}"
        click.secho(f"\n{tally}", bold=True, fg="red" if errors else None)
    if errors:
        raise SystemExit(EXIT_PROBLEM)


def _shorten(ids: tuple[str, ...]) -> str:
    return ", ".join(ids[:2]) + (f" +{len(ids) - 2} more" if len(ids) > 2 else "")


def _chain_break(store: EventStore) -> ChainBreak | None:
    """Verify the hash chain and return where it broke, or None when it holds."""
    from core import IntegrityViolation
    from projections.audit import ChainBreak

    total, _ = store.head()
    try:
        with progress(total, "verifying", threshold=50_000) as advance:
            store.verify(on_progress=advance)
    except IntegrityViolation as error:
        # verify checks stored texts after the chain, raising at no position: the audit names each such source itself
        return None if error.position is None else ChainBreak(error.position, str(error))
    return None
