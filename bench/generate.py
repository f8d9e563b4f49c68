"""Writes a deterministic synthetic log: JSON Lines in the interchange format, plus the sources it quotes.

The log looks like a long-running analyst's work: a few hundred actors (every
ISO 3166-1 country and the registered organisations), several streams, every
event type with valid data, fuzzy dates (months, intervals, `?`, `~`), about 5%
back-dated events, ~1% corrections and ~0.5% retractions of earlier events,
and quotes taken from the synthetic texts of a few hundred sources, so quotes
are verified on import as in real use. A handful of sources registered by
sha256 alone appear in the file itself; quotes citing them stay unverified.
Like an analyst's, every event passes the log's write-time checks: it cites a
source published on or after its earliest possible day (a correction too, and
a corrected date stays before its target's sources).

Everything derives from one seed: the same arguments write the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pycountry

from events import CAPABILITIES, ORGANISATIONS

__all__ = ["LogFacts", "Source", "extra_events", "make_sources", "write_log"]

START = date(2016, 1, 4)
SPAN_DAYS = 3650
SOURCE_COUNT = 300
SENTENCES_PER_SOURCE = 40
QUERY_FRACTION = 0.75  # the as-of query asks about a day three quarters into the log

STREAMS = ("ukraine-coalition", "gaza-ceasefire", "sudan-talks", "arctic-council")
STREAM_WEIGHTS = (50, 20, 15, 15)
PUBLISHERS = (
    "Financial Times",
    "Reuters",
    "Associated Press",
    "Le Monde",
    "Der Spiegel",
    "The Guardian",
    "Politico Europe",
    "Kyiv Independent",
)
CITIES = ("London", "Paris", "Berlin", "Brussels", "Warsaw", "Kyiv", "Rome", "Madrid", "Oslo", "Ottawa", "Cairo")
CONDITIONS = (
    "US backstop",
    "UN mandate",
    "parliamentary approval",
    "a ceasefire first",
    "air cover",
    "rules of engagement agreed",
    "Russian consent",
    "EU funding",
)
REASONS = ("too early to say", "domestic opposition", "no mandate yet", "capacity stretched", "awaiting US position")
ATTRIBUTIONS = ("Downing Street", "British officials", "the Elysée", "a senior EU diplomat", "NATO officials")
OCCURRED_TEXTS = ("last week", "on Monday", "earlier this month", "at the weekend", "on Tuesday evening")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# (type, weight per mille) of the events that are not amendments; amendments are drawn separately
PLAIN_TYPES = (
    ("pledge.made", 190),
    ("pledge.withdrawn", 40),
    ("position.declined", 60),
    ("position.undecided", 60),
    ("position.considering", 80),
    ("position.in_talks", 90),
    ("condition.stated", 80),
    ("meeting.scheduled", 80),
    ("meeting.convened", 100),
    ("count.reported", 120),
)
CORRECTED_SHARE = 0.01
RETRACTED_SHARE = 0.005
BACKDATED_SHARE = 0.05

_SENTENCES = (
    "{a} officials said on {day} that the country would offer {cap} to the coalition.",
    "{a} has ruled out sending {cap}, according to people familiar with the talks.",
    "\u201cWe are not there yet,\u201d a senior {a} diplomat said of the plan \u2013 adding that {b} shared the view.",
    "More than {n} countries were expected to join, {a}\u2019s government said on {day}.",
    "Leaders of {a} and {b} will convene in {city} to discuss {cap} for a peace operation.",
    "{a} said it was \u201ctoo early to say\u201d whether it would take part, pending {cond}.",
    "About {n} countries were holding talks on the plan, {attr} said.",
    "{a} is considering taking part under conditions that include {cond}.",
    "{a} withdrew its offer of {cap} after a vote in parliament on {day}.",
    "Officials from {a}, {b} and {c} met in {city} on {day} \u2014 the {n}th such meeting.",
)


@dataclass(frozen=True)
class Source:
    """A synthetic article: its metadata, its text, and its sentences as words an analyst would type."""

    id: str
    publisher: str
    published: str
    title: str
    text: str
    sentences: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class LogFacts:
    """What the writer knows about a log it wrote, for the queries the benchmark asks."""

    events: int
    streams: tuple[str, ...]
    default_stream: str
    last_day: str
    query_day: str
    counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _actors() -> tuple[list[str], dict[str, str]]:
    """Every country's alpha-2 code and every organisation, and each country's alpha-3 code (also accepted)."""
    codes = sorted(country.alpha_2 for country in pycountry.countries) + sorted(ORGANISATIONS)
    return codes, {country.alpha_2: country.alpha_3 for country in pycountry.countries}


def _plain(sentence: str) -> str:
    """The sentence as an analyst would type it: straight quotes and hyphens."""
    table = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2019": "'", "\u2013": "-", "\u2014": "-"})
    return sentence.translate(table)


def _published(index: int, count: int) -> date:
    """The day source `index` of `count` is published: evenly over the span, the last on its last day."""
    return START + timedelta(days=(index + 1) * SPAN_DAYS // count)


def make_sources(seed: int, count: int = SOURCE_COUNT) -> list[Source]:
    """Return the sources of the log, published evenly over its span, each with a text of ~40 sentences."""
    rng = random.Random(f"sources-{seed}")
    names = sorted(getattr(c, "common_name", None) or c.name for c in pycountry.countries)
    sources = []
    for index in range(count):
        published = _published(index, count)
        sentences = [
            rng.choice(_SENTENCES).format(
                a=rng.choice(names),
                b=rng.choice(names),
                c=rng.choice(names),
                day=rng.choice(WEEKDAYS),
                cap=rng.choice(CAPABILITIES).replace("_", " "),
                cond=rng.choice(CONDITIONS),
                attr=rng.choice(ATTRIBUTIONS),
                city=rng.choice(CITIES),
                n=rng.randint(5, 60),
            )
            for _ in range(SENTENCES_PER_SOURCE)
        ]
        paragraphs = [" ".join(sentences[start : start + 4]) for start in range(0, len(sentences), 4)]
        publisher = PUBLISHERS[index % len(PUBLISHERS)]
        sources.append(
            Source(
                id=f"src-{published.isoformat()}-{index:03d}",
                publisher=publisher,
                published=published.isoformat(),
                title=f"{publisher}: diplomacy roundup {index}",
                text="\n\n".join(paragraphs) + "\n",
                sentences=tuple(tuple(_plain(sentence).split()) for sentence in sentences),
            )
        )
    return sources


class _Writer:
    """Draws events one at a time from a seeded generator."""

    def __init__(
        self, seed: int, total: int, sources: list[Source], *, id_prefix: str = "", streams: tuple[str, ...] = STREAMS
    ) -> None:
        self.rng = random.Random(seed)
        self.total = max(total, 1)
        self.sources = sources
        self.id_prefix = id_prefix
        codes, self.alpha_3 = _actors()
        self.rng.shuffle(codes)
        # urns: drawing uniformly from a list that repeats items by weight is cheaper than random.choices
        self.actor_urn = _urn(codes, [1 / (rank + 1) ** 0.7 for rank in range(len(codes))])
        self.type_urn = _urn([name for name, _ in PLAIN_TYPES], [weight for _, weight in PLAIN_TYPES])
        weights = STREAM_WEIGHTS if streams == STREAMS else (1,) * len(streams)
        self.stream_urn = _urn(list(streams), list(weights))
        self.streams = streams
        # (id, type, day) of plain events, for amendments: a corrected date stays on or before the day
        self.recent: deque[tuple[str, str, date]] = deque(maxlen=5000)
        self.published = [date.fromisoformat(source.published) for source in sources]
        self.meetings: dict[str, deque[str]] = {stream: deque(maxlen=50) for stream in streams}
        self.hashed_sources: list[str] = []  # sources registered in the file by sha256 alone
        self.last_day = START
        self.counts: dict[str, int] = {}

    # -- pieces ----------------------------------------------------------------------------------

    def actor(self) -> str:
        return self.rng.choice(self.actor_urn)

    def actors(self, low: int, high: int) -> list[str]:
        return list(dict.fromkeys(self.actor() for _ in range(self.rng.randint(low, high))))

    def capabilities(self, low: int, high: int) -> list[str]:
        return self.rng.sample(CAPABILITIES, self.rng.randint(low, high))

    def day_of(self, index: int) -> date:
        day = START + timedelta(days=index * SPAN_DAYS // self.total)
        if self.rng.random() < BACKDATED_SHARE:
            day -= timedelta(days=self.rng.randint(7, 720))
        return day

    def fuzzy(self, day: date) -> str:
        """An EDTF value around `day`: mostly a day, sometimes a month, an interval, uncertain or approximate."""
        roll = self.rng.random()
        if roll < 0.70:
            text = day.isoformat()
        elif roll < 0.78:
            text = f"{day:%Y-%m}"
        elif roll < 0.88:
            text = f"{day - timedelta(days=self.rng.randint(1, 13))}/{day}"
        elif roll < 0.93:
            text = f"{day}?"
        elif roll < 0.98:
            text = f"{day}~"
        elif roll < 0.995:
            text = f"{day:%Y-%m}~"
        else:
            text = str(day.year)
        return text

    def quote(self, source: Source) -> str:
        """A passage of the source as analysts quote it: a sentence, a run of its words, or words left out."""
        words = self.rng.choice(source.sentences)
        roll = self.rng.random()
        if roll < 0.3:
            return " ".join(words)
        if roll < 0.9:
            length = self.rng.randint(min(6, len(words)), len(words))
            start = self.rng.randint(0, len(words) - length)
            return " ".join(words[start : start + length])
        return " ".join(words[:4]) + " ... " + " ".join(words[-3:])

    def references(self, day: date) -> list[dict[str, str]]:
        """One or two sources published on or a little after `day`, each with a quote from its text."""
        count = len(self.sources)
        first = min(max((day - START).days * count // SPAN_DAYS - 1, 0), count - 1)
        while first < count - 1 and self.published[first] < day:
            first += 1
        refs = []
        for _ in range(2 if self.rng.random() < 0.1 else 1):
            source = self.sources[min(first + self.rng.randint(0, 2), count - 1)]
            if self.rng.random() < 0.03:
                refs.append({"source": source.id})
            else:
                refs.append({"source": source.id, "quote": self.quote(source)})
        if self.hashed_sources and self.rng.random() < 0.002:
            refs.append({"source": self.rng.choice(self.hashed_sources), "quote": "as reported by our correspondent"})
        return list({ref["source"]: ref for ref in refs}.values())

    def data(self, kind: str, stream: str, day: date, event_id: str) -> dict[str, Any]:
        rng = self.rng
        if kind == "pledge.made":
            offers = self.capabilities(1, 3)
            data: dict[str, Any] = {"offers": offers}
            ruled_out = [c for c in self.capabilities(1, 2) if c not in offers] if rng.random() < 0.3 else []
            if ruled_out:
                data["ruled_out"] = ruled_out
            if rng.random() < 0.2:
                data["conditions"] = rng.sample(CONDITIONS, rng.randint(1, 2))
            if rng.random() < 0.5:
                data["firmness"] = rng.choice(("firm", "tentative"))
        elif kind == "pledge.withdrawn":
            data = {"offers": self.capabilities(1, 2)} if rng.random() < 0.6 else {}
            if rng.random() < 0.5:
                data["reason"] = rng.choice(REASONS)
        elif kind == "position.declined":
            data = {"scope": "participation" if rng.random() < 0.6 else rng.choice(CAPABILITIES)}
            if rng.random() < 0.5:
                data["reason"] = rng.choice(REASONS)
        elif kind == "position.undecided":
            data = {"reason": rng.choice(REASONS)} if rng.random() < 0.5 else {}
        elif kind == "position.considering":
            data = {"conditions": rng.sample(CONDITIONS, rng.randint(1, 2))} if rng.random() < 0.5 else {}
        elif kind == "position.in_talks":
            data = {}
        elif kind == "condition.stated":
            data = {"condition": rng.choice(CONDITIONS)}
            if rng.random() < 0.3:
                data["description"] = "stated as a precondition for deploying forces"
        elif kind == "meeting.scheduled":
            meeting_id = f"{event_id}-meeting"
            self.meetings[stream].append(meeting_id)
            data = {
                "meeting_id": meeting_id,
                "scheduled_for": (day + timedelta(days=rng.randint(1, 30))).isoformat(),
                "format": rng.choice(("virtual", "in_person")),
                "participants": self.actors(2, 8),
                "topic": "securing a ceasefire",
            }
            if data["format"] == "in_person":
                data["location"] = rng.choice(CITIES)
        elif kind == "meeting.convened":
            data = {"participants": self.actors(3, 15), "format": rng.choice(("virtual", "in_person"))}
            if self.meetings[stream] and rng.random() < 0.6:
                data["meeting_id"] = rng.choice(self.meetings[stream])
            if rng.random() < 0.5:
                data["location"] = rng.choice(CITIES)
        elif kind == "count.reported":
            troops = rng.random() < 0.2
            data = {
                "subject": "troops" if troops else "participants",
                "comparator": rng.choice(("=", "~", ">", ">=", "<", "<=")),
                "amount": rng.randint(1_000, 50_000) if troops else rng.randint(5, 60),
            }
            if rng.random() < 0.7:
                data["attributed_to"] = rng.choice(ATTRIBUTIONS)
            if rng.random() < 0.4:
                data["raw"] = f"about {data['amount']}"
        else:
            raise ValueError(kind)
        return data

    # -- events ----------------------------------------------------------------------------------

    def plain(self, index: int, event_id: str) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choice(self.type_urn)
        stream = rng.choice(self.stream_urn)
        day = self.day_of(index)
        event: dict[str, Any] = {"id": event_id, "type": kind, "stream": stream, "occurred": self.fuzzy(day)}
        if rng.random() < 0.1:
            event["occurred_text"] = rng.choice(OCCURRED_TEXTS)
        if kind != "count.reported" or rng.random() < 0.5:
            actor = self.actor()
            if rng.random() < 0.02:
                actor = self.alpha_3.get(actor, actor)  # input may spell a country otherwise
            event["actor"] = actor
        event["data"] = self.data(kind, stream, day, event_id)
        event["sources"] = self.references(day)
        if rng.random() < 0.03:
            event["note"] = "Synthetic analyst note: wording ambiguous, see the second paragraph."
        self.recent.append((event_id, kind, day))
        return event

    def amendment(self, index: int, event_id: str, kind: str) -> dict[str, Any]:
        rng = self.rng
        target, target_type, target_day = rng.choice(self.recent)
        day = START + timedelta(days=index * SPAN_DAYS // self.total)
        event: dict[str, Any] = {"id": event_id, "type": kind, "stream": self.streams[0], "occurred": day.isoformat()}
        if kind == "event.retracted":
            event["data"] = {"target": target, "reason": "the source retracted its report"}
        else:
            roll = rng.random()
            if roll < 0.4:
                # on or before the target's day: still before the sources it cites were published
                changes: dict[str, Any] = {"occurred": self.fuzzy(target_day - timedelta(days=rng.randint(0, 60)))}
            elif roll < 0.55:
                changes = {"actor": self.actor()}
            elif roll < 0.85:
                changes = {"data": self.data(target_type, self.streams[0], day, event_id)}
            else:
                changes = {"sources": self.references(day)}
            event["data"] = {"target": target, "changes": changes, "reason": "misread the source"}
        event["sources"] = self.references(day)
        return event

    def hashed_source(self, index: int) -> dict[str, Any]:
        """A wire digest registered by sha256 alone, published on the span's last day: any event may cite it."""
        day = START + timedelta(days=SPAN_DAYS)
        source_id = f"wire-{index}"
        self.hashed_sources.append(source_id)
        digest = hashlib.sha256(f"text of {source_id} we may not keep".encode()).hexdigest()
        data = {"source_id": source_id, "publisher": "Wire service", "published": day.isoformat(), "sha256": digest}
        return {
            "id": f"source:{source_id}",
            "type": "source.registered",
            "stream": "sources",
            "occurred": day.isoformat(),
            "data": data,
        }

    def events(self, count: int, *, amendments: bool = True) -> Iterator[dict[str, Any]]:
        hashed_every = max(self.total // 5, 1000)
        for index in range(count):
            event_id = f"{self.id_prefix}e{index:07d}"
            roll = self.rng.random() if amendments and index > 100 else 1.0
            if amendments and index % hashed_every == hashed_every // 2:
                event = self.hashed_source(index)
            elif roll < RETRACTED_SHARE:
                event = self.amendment(index, event_id, "event.retracted")
            elif roll < RETRACTED_SHARE + CORRECTED_SHARE:
                event = self.amendment(index, event_id, "event.corrected")
            else:
                event = self.plain(index, event_id)
            self.counts[event["type"]] = self.counts.get(event["type"], 0) + 1
            yield event


def _urn(items: list[str], weights: list[float], size: int = 10_000) -> list[str]:
    """A list holding each item in proportion to its weight (at least once)."""
    total = sum(weights)
    return [
        item for item, weight in zip(items, weights, strict=True) for _ in range(max(1, round(size * weight / total)))
    ]


def _latest_day(occurred: str) -> date:
    """The latest day of the EDTF values this writer produces (cheap; avoids parsing on the hot path)."""
    end = occurred.rpartition("/")[2].rstrip("?~")
    if len(end) == 10:
        return date.fromisoformat(end)
    if len(end) == 7:
        year, month = int(end[:4]), int(end[5:])
        return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return date(int(end), 12, 31)


def write_log(
    path: Path, count: int, *, seed: int, sources: list[Source], streams: tuple[str, ...] = STREAMS
) -> LogFacts:
    """Write `count` events as JSON Lines to `path`, streaming; return what the queries need to know.

    `streams` spreads the plain events (amendments go to the first); by default the four weighted streams.
    """
    writer = _Writer(seed, count, sources, streams=streams)
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    last_day = START
    lines: list[str] = []
    with path.open("w", encoding="utf-8") as handle:
        for event in writer.events(count):
            last_day = max(last_day, _latest_day(event["occurred"]))
            lines.append(encode(event))
            if len(lines) >= 10_000:
                handle.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            handle.write("\n".join(lines) + "\n")
    return LogFacts(
        events=count,
        streams=streams,
        default_stream=streams[0],
        last_day=last_day.isoformat(),
        query_day=(START + timedelta(days=int(SPAN_DAYS * QUERY_FRACTION))).isoformat(),
        counts=dict(sorted(writer.counts.items())),
    )


def extra_events(count: int, *, seed: int, sources: list[Source]) -> list[dict[str, Any]]:
    """Return `count` more plain events (ids `single-...`) for one-at-a-time appends after the log."""
    writer = _Writer(seed + 1, count, sources, id_prefix="single-")
    return list(writer.events(count, amendments=False))
