"""Answers what changed: the events in a window, the difference between two states, one actor's history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from events import RecordedEvent, edtf_bounds
from projections.coalition import CoalitionFold, CoalitionState, Member

__all__ = ["diff", "event_document", "history", "timeline", "touches"]

# The member facts that are lists, compared item by item.
_MEMBER_FACTS = ("offers", "tentative_offers", "offered_earlier", "ruled_out", "conditions")


def touches(event: RecordedEvent, actor: str) -> bool:
    """Say whether an event is about an actor: its actor, or a participant of a meeting."""
    return event.actor == actor or actor in event.data.get("participants", ())


def event_document(event: RecordedEvent) -> dict[str, Any]:
    """Return an event as timelines and histories list it (its data shared, to be read only)."""
    document: dict[str, Any] = {
        "id": event.id,
        "type": event.type,
        "occurred": event.occurred,
        "occurred_text": event.occurred_text,
        "actor": event.actor,
        "data": event.data,
        "sources": [{"source": source, "quote": quote} for source, quote in event.sources],
        "position": event.position,
    }
    if event.speaker is not None:  # only when said by someone: the documents of other events stay as they were
        document["speaker"] = event.speaker
    return document


def timeline(
    events: Iterable[RecordedEvent], *, start: date | None, end: date | None, actor: str | None
) -> list[dict[str, Any]]:
    """Return the documents of the effective events, in fold order, that may have happened in [start, end]."""
    return [event_document(event) for event in in_window(events, start=start, end=end, actor=actor)]


def in_window(
    events: Iterable[RecordedEvent], *, start: date | None, end: date | None, actor: str | None
) -> list[RecordedEvent]:
    """Return the effective events, in fold order, that may have happened within [start, end] and touch actor."""
    chosen = []
    for event in events:
        earliest, latest = edtf_bounds(event.occurred)
        if start is not None and latest < start:
            continue
        if end is not None and earliest > end:
            continue
        if actor is None or touches(event, actor):
            chosen.append(event)
    return chosen


def _facts(member: Member | None) -> dict[str, tuple[str, ...]]:
    return {name: () if member is None else getattr(member, name) for name in _MEMBER_FACTS}


def _claim_documents(state: CoalitionState) -> dict[str, dict[str, Any]]:
    return {
        claim.event: {"subject": subject, **claim.to_json()}
        for subject, size in state.reported_sizes.items()
        for claim in size.claims
    }


def diff(before: CoalitionState, after: CoalitionState) -> dict[str, Any]:
    """Return who joined and left, whose stance and facts changed, and which claims appeared or disappeared."""
    joined, left = [], []
    stances: dict[str, dict[str, str | None]] = {}
    facts: dict[str, dict[str, dict[str, list[str]]]] = {}
    for code in sorted(before.members.keys() | after.members.keys()):
        old, new = before.members.get(code), after.members.get(code)
        if old is None:
            joined.append(code)
        elif new is None:
            left.append(code)
        old_stance = None if old is None else old.stance
        new_stance = None if new is None else new.stance
        if old_stance != new_stance:
            stances[code] = {"from": old_stance, "to": new_stance}
        old_facts, new_facts, changed = _facts(old), _facts(new), {}
        for name in _MEMBER_FACTS:
            was, now = old_facts[name], new_facts[name]
            added, removed = [item for item in now if item not in was], [item for item in was if item not in now]
            if added or removed:
                changed[name] = {"added": added, "removed": removed}
        if changed:
            facts[code] = changed
    claims_before, claims_after = _claim_documents(before), _claim_documents(after)
    return {
        "from": before.as_of.isoformat(),
        "to": after.as_of.isoformat(),
        "joined": joined,
        "left": left,
        "stance_changes": stances,
        "facts": facts,
        "claims": {
            "appeared": [claim for event_id, claim in claims_after.items() if event_id not in claims_before],
            "disappeared": [claim for event_id, claim in claims_before.items() if event_id not in claims_after],
        },
    }


def history(events: Iterable[RecordedEvent], actor: str, *, as_of: date | None = None) -> list[dict[str, Any]]:
    """Return each effective event touching an actor, in fold order, with the actor's facts right after it."""
    fold = CoalitionFold()
    entries = []
    for event in events:
        if as_of is not None and edtf_bounds(event.occurred)[1] > as_of:
            break
        fold.apply(event)
        if touches(event, actor):
            member = fold.member(actor)
            entries.append(
                {
                    "event": event_document(event),
                    "stance": None if member is None else member.stance,
                    **{name: list(values) for name, values in _facts(member).items()},
                }
            )
    return entries
