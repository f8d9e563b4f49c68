"""The order a fold sees events in, and how a few events join a long stream already in that order."""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import chain, islice

from events.dates import edtf_bounds
from events.records import RecordedEvent

__all__ = ["fold_key", "slotted_batches"]


def fold_key(event: RecordedEvent) -> tuple[date, date, int]:
    """Return the order in which a fold sees events: latest day, earliest day, position."""
    earliest, latest = edtf_bounds(event.occurred)
    return latest, earliest, event.position


def slotted_batches(
    batches: Iterable[Sequence[RecordedEvent]], extra: Iterable[RecordedEvent], *, size: int = 4096
) -> Iterator[Sequence[RecordedEvent]]:
    """Yield batches of events in fold order with the extra events (in fold order too) each put in its place.

    A batch no extra event falls into goes on as it is; one that a few fall into gets
    them by binary search (a dozen keys each), one that many fall into is merged whole.
    Extra events after the last batch follow in batches of `size`.
    """
    pending = iter(extra)
    waiting = next(pending, None)
    waiting_key = None if waiting is None else fold_key(waiting)
    for batch in batches:
        if waiting is None:
            yield batch
            continue
        if not batch:
            continue
        last_key = fold_key(batch[-1])
        joining = []
        while waiting is not None and waiting_key is not None and waiting_key < last_key:
            joining.append(waiting)
            waiting = next(pending, None)
            waiting_key = None if waiting is None else fold_key(waiting)
        if not joining:
            yield batch
        elif len(joining) * 8 < len(batch):
            merged = list(batch)
            for event in joining:
                insort(merged, event, key=fold_key)
            yield merged
        else:
            yield sorted([*batch, *joining], key=fold_key)
    if waiting is not None:
        rest = chain((waiting,), pending)
        while chunk := list(islice(rest, size)):
            yield chunk
