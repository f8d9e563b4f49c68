"""The payload of every event type: what an analyst can say a source reported.

Each model is frozen and strict; unknown fields and unknown words are rejected
with the path of the offending field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from events.actors import normalise_actor
from events.dates import normalise_edtf
from events.words import CAPABILITIES, COMPARATORS, STANCES, SUBJECTS, Capability, Comparator, Stance, Subject

__all__ = [
    "CAPABILITIES",
    "COMPARATORS",
    "STANCES",
    "SUBJECTS",
    "Actor",
    "Capability",
    "Comparator",
    "ConditionStated",
    "CorrectionChanges",
    "CountReported",
    "EdtfDate",
    "EventCorrected",
    "EventRetracted",
    "IsoDay",
    "MeetingConvened",
    "MeetingScheduled",
    "Payload",
    "PledgeMade",
    "PledgeWithdrawn",
    "PositionConsidering",
    "PositionDeclined",
    "PositionInTalks",
    "PositionUndecided",
    "SourceRef",
    "SourceRegistered",
    "Speaker",
    "Stance",
    "StatementMade",
    "Subject",
]


def _check_day(text: str) -> str:
    from events.dates import edtf_bounds

    earliest, latest = edtf_bounds(text)
    if earliest != latest or len(text.strip()) != 10:
        raise ValueError(f"{text!r} must be a single day, YYYY-MM-DD")
    return text.strip()


Actor = Annotated[str, AfterValidator(normalise_actor)]
EdtfDate = Annotated[str, AfterValidator(normalise_edtf)]
IsoDay = Annotated[str, AfterValidator(_check_day)]
ShortText = Annotated[str, Field(min_length=1, max_length=2000)]
Identifier = Annotated[str, Field(min_length=1, max_length=128)]
# a person or an office ("David Lammy, UK foreign secretary", "Downing Street"): text, never an actor code
Speaker = Annotated[str, Field(min_length=1, max_length=2000)]


_T = TypeVar("_T")


def _unique(values: list[_T]) -> list[_T]:
    return list(dict.fromkeys(values))


CapabilityList = Annotated[list[Capability], AfterValidator(_unique)]
ActorList = Annotated[list[Actor], AfterValidator(_unique)]
TextList = Annotated[list[ShortText], AfterValidator(_unique)]


class Payload(BaseModel):
    """Base of every event payload: frozen, strict, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class SourceRegistered(Payload):
    """A source (an article, a statement) was registered; its text is kept beside the log."""

    source_id: Identifier
    publisher: ShortText
    published: IsoDay
    title: ShortText | None = None
    url: ShortText | None = None
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


class MeetingScheduled(Payload):
    """A meeting was announced for a future date; the actor hosts it."""

    meeting_id: Identifier
    scheduled_for: EdtfDate
    format: Literal["virtual", "in_person"]
    location: ShortText | None = None
    participants: ActorList | None = None
    topic: ShortText | None = None


class MeetingConvened(Payload):
    """A meeting took place; the actor hosted it; participants without a stance are in talks.

    `external`: a meeting outside the coalition (talks between others), which makes nobody a member.
    """

    meeting_id: Identifier | None = None
    participants: ActorList | None = None
    format: Literal["virtual", "in_person"] | None = None
    location: ShortText | None = None
    topic: ShortText | None = None
    external: bool | None = None


class PledgeMade(Payload):
    """The actor offered capabilities, perhaps ruling others out or attaching conditions."""

    offers: Annotated[CapabilityList, Field(min_length=1)]
    ruled_out: CapabilityList | None = None
    conditions: TextList | None = None
    firmness: Literal["firm", "tentative"] | None = None


class PledgeWithdrawn(Payload):
    """The actor withdrew offers (all of them when none are named)."""

    offers: CapabilityList | None = None
    reason: ShortText | None = None


class PositionDeclined(Payload):
    """The actor declined to take part (scope participation) or ruled out one capability."""

    scope: Literal["participation", Capability] = "participation"
    reason: ShortText | None = None


class PositionUndecided(Payload):
    """The actor said it is too early to say."""

    reason: ShortText | None = None


class PositionConsidering(Payload):
    """The actor said it is considering taking part, perhaps under conditions."""

    conditions: TextList | None = None


class PositionInTalks(Payload):
    """The actor is taking part in talks without a stated position."""


class ConditionStated(Payload):
    """The actor stated a condition for its participation."""

    condition: ShortText
    description: ShortText | None = None


class CountReported(Payload):
    """Someone claimed how large a quantity is ("about 20" countries, "up to 30,000" troops)."""

    subject: Subject
    comparator: Comparator
    amount: Annotated[int, Field(ge=0, le=100_000_000)]
    attributed_to: ShortText | None = None
    raw: ShortText | None = None


class StatementMade(Payload):
    """Someone said something that changes no stance; the actor, when known, is who they speak for."""

    speaker: Speaker
    summary: ShortText
    topic: ShortText | None = None


class SourceRef(Payload):
    """A source an event rests on, with the verbatim quote that supports it."""

    source: Identifier
    quote: Annotated[str, Field(min_length=1, max_length=4000)] | None = None


class CorrectionChanges(Payload):
    """The fields a correction replaces in its target (sources: a corrected quote or citation)."""

    occurred: EdtfDate | None = None
    actor: Actor | None = None
    data: dict[str, Any] | None = None
    sources: Annotated[list[SourceRef], Field(min_length=1, max_length=50)] | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> CorrectionChanges:
        if self.occurred is None and self.actor is None and self.data is None and self.sources is None:
            raise ValueError("a correction must change occurred, actor, data or sources")
        return self


class EventCorrected(Payload):
    """An earlier event was wrong; later replays use the corrected fields."""

    target: Identifier
    changes: CorrectionChanges
    reason: ShortText


class EventRetracted(Payload):
    """An earlier event should not have been recorded; later replays ignore it."""

    target: Identifier
    reason: ShortText
