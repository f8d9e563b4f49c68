"""A worker's cut body, spliced where the event lands, is byte for byte the canonical body the hash chain covers.

The worker encodes the body straight from the decoded line (core.fast_decoder.row_parts); the store's
row_values builds it from the event decode_event gives, through its interchange object: they must agree.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.fast_decoder import decode_event, row_parts
from core.mapper import landing, row_values, spliced_body
from tests.support import example_objects
from tests.unit.test_fast_decoder import _events, _source_ref, _spelled

_TIMESTAMPS = st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
_NAMES = st.none() | st.text(min_size=1, max_size=64)


def _assert_spliced_equals_canonical(
    line: bytes, position: int, version: int, recorded_at: str, by: str | None
) -> None:
    event = decode_event(line, "ukraine-coalition")
    parts = row_parts(line, "ukraine-coalition")
    if event is None or not event.sources or event.type == "event.corrected":  # the full path makes these rows
        assert parts is None
        return
    assert parts is not None, f"row_parts declined a line decode_event accepts: {line!r}"
    assert event.id in (None, parts.id)  # a missing id is a new uuid4
    event = event._replace(id=parts.id)
    assert parts[:6] == (event.id, event.type, event.stream, event.occurred, event.actor, list(event.sources))
    expected = row_values(event, position, version, recorded_at, "0" * 64, by)[12]
    spliced = spliced_body((parts.head, parts.middle, parts.tail), position, version, landing(recorded_at, by))
    assert spliced.decode("utf-8") == expected


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.data(),
    st.integers(1, 2**62),
    st.integers(1, 2**31 - 1),
    _TIMESTAMPS,
    _NAMES,
)
def test_a_spliced_body_equals_the_canonical_body_of_any_event(
    data: st.DataObject, position: int, version: int, recorded_at: str, by: str | None
) -> None:
    event = data.draw(_events())
    if data.draw(st.integers(0, 4)) != 0:  # mostly with sources: only those rows are made from the line
        event["sources"] = data.draw(st.lists(_source_ref(), min_size=1, max_size=3))
    _assert_spliced_equals_canonical(_spelled(data.draw, event), position, version, recorded_at, by)


def test_the_example_events_splice_to_their_canonical_bodies() -> None:
    import json

    for number, obj in enumerate(example_objects(), start=1):
        line = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        _assert_spliced_equals_canonical(line, number, number, "2025-03-17T09:00:00.000000Z", "analyst")
        _assert_spliced_equals_canonical(line, number, 1, "2025-03-17T09:00:00.000000Z", None)


def test_data_that_spells_the_store_s_fields_does_not_move_the_cut() -> None:
    # keys and strings that look like the markers the body is cut at stay inside the event's data
    line = (
        b'{"id": "x", "type": "condition.stated", "occurred": "2025-03-10", "actor": "PL", "data": '
        b'{"condition": "\\"position\\":0,\\"recorded_at\\":\\"\\",", "description": "\\"stream_version\\":0"}, '
        b'"sources": [{"source": "s", "quote": "\\"stream_version\\":0,\\"type\\":"}], "note": "\\"position\\":0"}'
    )
    _assert_spliced_equals_canonical(line, 7, 3, "2025-03-17T09:00:00.000000Z", 'a "b" é')
