"""Properties of the state and its explanation, for random logs: every member is explained, nothing after D counts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from events import edtf_bounds
from projections.coalition import Member, coalition_state
from projections.provenance import ActorProvenance, explain_actor
from projections.replay import fold_order
from tests.support import recorded
from tests.unit.test_coalition_snapshot_property import ACTORS, DOMAIN_TYPES, days, logs, payloads

# The facts a member shows, by the name `why` gives each.
_LISTED_FACTS = (
    ("offer", "offers"),
    ("offered_earlier", "offered_earlier"),
    ("ruled_out", "ruled_out"),
    ("condition", "conditions"),
)


def assert_explained(code: str, member: Member, explained: ActorProvenance) -> None:
    """Assert that `why` shows the member as the state does, each fact citing events that `why` lists."""
    listed = {item.event.id for item in explained.evidence}
    assert explained.member == member, code
    facts = {(fact.name, fact.value): fact for fact in explained.facts}
    expected = [("stance", member.stance)]
    expected += [(name, value) for name, field in _LISTED_FACTS for value in getattr(member, field)]
    assert sorted(facts) == sorted(expected), code
    for key, fact in facts.items():
        assert fact.events, (code, key)
        assert set(fact.events) <= listed, (code, key, fact.events, listed)
    assert {fact.value for fact in explained.facts if fact.note == "tentative"} == set(member.tentative_offers)
    assert set(member.events) <= listed, code


@settings(deadline=None)
@given(objects=logs(), as_of=days)
def test_every_member_of_the_state_is_explained_by_why(objects, as_of):
    events = recorded(objects)
    state = coalition_state(fold_order(events), as_of)
    for code, member in state.members.items():
        assert_explained(code, member, explain_actor(events, code, as_of, {}, {}))


@st.composite
def dated_after(draw: st.DrawFn, as_of: date) -> str:
    """An EDTF value whose latest day is after as_of: a later day, an interval ending later, a later month."""
    later = as_of + timedelta(days=draw(st.integers(1, 40)))
    kind = draw(st.sampled_from(["day", "interval", "month", "qualified"]))
    if kind == "interval":
        return f"{(as_of - timedelta(days=draw(st.integers(0, 9)))).isoformat()}/{later.isoformat()}"
    if kind == "month":
        return later.isoformat()[:7] if later.month != as_of.month else f"{as_of.year + 1}"
    if kind == "qualified":
        return later.isoformat() + draw(st.sampled_from(["?", "~"]))
    return later.isoformat()


@st.composite
def later_events(draw: st.DrawFn, as_of: date) -> list[dict[str, Any]]:
    """Plain events (no amendments: those apply at every date) all dated after as_of."""
    late = []
    for index in range(draw(st.integers(1, 12))):
        type_ = draw(st.sampled_from(DOMAIN_TYPES))
        late.append(
            {
                "id": f"late{index}",
                "type": type_,
                "occurred": draw(dated_after(as_of)),
                "actor": draw(st.sampled_from((*ACTORS, "SA"))),
                "data": draw(payloads(type_)),
                "sources": [{"source": "src", "quote": "reported after the day asked"}],
            }
        )
    return late


@settings(deadline=None)
@given(objects=logs(), as_of=days, data=st.data())
def test_no_event_dated_after_the_day_asked_ever_counts(objects, as_of, data):
    late = data.draw(later_events(as_of), label="late")
    assert all(edtf_bounds(item["occurred"])[1] > as_of for item in late)
    mixed = list(objects)
    for item in late:  # anywhere in the log: recorded before or after the events that count
        mixed.insert(data.draw(st.integers(0, len(mixed)), label="at"), item)
    before, after = recorded(objects), recorded(mixed)
    assert coalition_state(fold_order(after), as_of) == coalition_state(fold_order(before), as_of)
    for code in ACTORS:
        with_late = explain_actor(after, code, as_of, {}, {})
        without = explain_actor(before, code, as_of, {}, {})
        assert (with_late.member, with_late.facts) == (without.member, without.facts)
        assert [item.event.id for item in with_late.evidence] == [item.event.id for item in without.evidence]
        assert [item.effect for item in with_late.evidence] == [item.effect for item in without.evidence]
