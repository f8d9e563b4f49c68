"""slotted_batches puts extra events into batches already in fold order, wherever they fall, in any number."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from events import RecordedEvent, fold_key, slotted_batches

_DAYS = st.sampled_from(["2025-03-01", "2025-03-02", "2025-03", "2025-03-01/2025-03-05", "2025", "2025-02-28?"])


def _event(position: int, occurred: str) -> RecordedEvent:
    return RecordedEvent(position, f"e{position}", "pledge.made", "s", 1, occurred, "PL", {}, (), "t")


@settings(max_examples=300, deadline=None)
@given(
    days=st.lists(_DAYS, max_size=60),
    extra_share=st.integers(0, 100),
    cuts=st.lists(st.integers(0, 60), max_size=8),
    size=st.integers(1, 5),
)
def test_the_batches_and_the_extra_events_come_out_in_fold_order(
    days: list[str], extra_share: int, cuts: list[int], size: int
) -> None:
    events = [_event(position, occurred) for position, occurred in enumerate(days, start=1)]
    extra = sorted((event for event in events if event.position * 37 % 100 < extra_share), key=fold_key)
    plain = sorted((event for event in events if event not in extra), key=fold_key)
    bounds = sorted({0, len(plain), *(cut for cut in cuts if cut < len(plain))})
    batches = [plain[start:end] for start, end in itertools.pairwise(bounds)]
    out = list(slotted_batches(batches, iter(extra), size=size))
    assert [event for batch in out for event in batch] == sorted(events, key=fold_key)
    assert all(out), "no empty batch"
    assert all(isinstance(batch, list | tuple) for batch in out)
