"""The fold's msgspec structs: claims and meetings as it keeps them, and what a snapshot of it holds and packs.

They live apart from the fold (projections.coalition) because the fold is compiled
with mypyc (tools/build_native.py), which keeps of a class's annotations only the
outer type (`list`, not `list[Meeting]`), while msgspec reads them to decode: a
snapshot's claims would come back as plain lists. This module stays Python; the fold
makes its claims and meetings itself (`claim_of`, `meeting_of`), compiled.
"""

from __future__ import annotations

import sys
from array import array
from base64 import b64decode, b64encode
from typing import Any

import msgspec

__all__ = ["Claim", "Meeting", "SnapshotState", "decode_snapshot", "pack_numbers", "unpack_numbers"]


class Claim(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One source's claim about a quantity, kept beside the claims that disagree with it.

    Like a meeting, a msgspec struct: a snapshot keeps it as a JSON array that msgspec
    decodes straight back into it; holding strings only, the collector need not track it.
    """

    comparator: str
    amount: int
    occurred: str
    attributed_to: str | None
    raw: str | None
    event: str
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the claim as the state document shows it (the subject is implied by where it sits)."""
        return {
            "comparator": self.comparator,
            "amount": self.amount,
            "occurred": self.occurred,
            "attributed_to": self.attributed_to,
            "raw": self.raw,
            "event": self.event,
            "sources": list(self.sources),
        }


class Meeting(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A meeting held or announced; `occurred` is when it was held or announced, `scheduled_for` when it is due."""

    meeting_id: str | None
    host: str | None
    occurred: str
    scheduled_for: str | None
    format: str | None
    location: str | None
    participants: tuple[str, ...] | None
    topic: str | None
    event: str

    def to_json(self) -> dict[str, Any]:
        """Return the meeting as the state document lists it, absent fields as null."""
        return {
            "meeting_id": self.meeting_id,
            "host": self.host,
            "occurred": self.occurred,
            "scheduled_for": self.scheduled_for,
            "format": self.format,
            "location": self.location,
            "participants": None if self.participants is None else list(self.participants),
            "topic": self.topic,
            "event": self.event,
        }


class SnapshotState(msgspec.Struct):
    """What a snapshot holds (FoldCapture.to_snapshot), decoded and checked in one pass."""

    version: int
    ids: list[str]
    actors: list[list[Any]]  # see `projections.coalition._Actor.to_row`
    claims: dict[str, list[Claim]]
    held: list[Meeting]
    scheduled: list[Meeting]


_SNAPSHOT_DECODER = msgspec.json.Decoder(SnapshotState)


def decode_snapshot(data: str | bytes) -> SnapshotState:
    """Return what a snapshot's JSON holds, claims and meetings decoded (msgspec.ValidationError: another shape)."""
    return _SNAPSHOT_DECODER.decode(data)


# an unsigned 32-bit array's type code (4 bytes on every platform CPython runs on, where "L" is 8 on most)
_UINT32 = next(code for code in "IL" if array(code).itemsize == 4)


def pack_numbers(numbers: list[int]) -> str:
    """Return numbers below 2**32 as one string: base64 of each as 4 bytes, little-endian (see `unpack_numbers`).

    A snapshot's actor keeps the numbers of the ids it touched so: read back, a JSON array of
    them would make an int object of each, all alive at once while the snapshot is read.
    """
    packed = array(_UINT32, numbers)
    if sys.byteorder == "big":
        packed.byteswap()
    return b64encode(packed.tobytes()).decode("ascii")


def unpack_numbers(text: str) -> array[int]:
    """Return the numbers `pack_numbers` packed; ValueError when the text is not such a packing."""
    numbers = array(_UINT32)
    try:
        numbers.frombytes(b64decode(text, validate=True))
    except ValueError as error:  # not base64 (binascii.Error), or not a whole number of numbers
        raise ValueError(f"packed numbers that do not read back ({error})") from None
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers
