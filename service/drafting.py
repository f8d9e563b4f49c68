"""Drafts the events an article reports: sentences in, interchange objects out, each quoting its sentence.

A rule engine over readable data: `service/lexicon.toml` holds the cue phrases per event type, the words for
actors, capabilities, conditions and size claims, and the blockers (hypotheticals, negations). This module
splits the text into sentences (pysbd), finds the actors each sentence names (country names, the aliases the
vocabulary accepts, demonyms, capitals, offices, people, organisations), fires the rules, and resolves each
draft's date phrase against the publication day with `service.dates`. Pure: no database, no clock.

What a draft is:
- `id`: `draft-<source>-s<NN>-<actor>-<type>` (NN the sentence's number, from 01), with the condition's code or
  the claim's amount after it where one sentence gives more than one of a kind: drafting twice gives the
  same ids, so importing twice is a no-op;
- `occurred`: the sentence's date phrase resolved against the publication day, kept as `occurred_text`; a
  sentence with none is dated the publication day, and `occurred_text` says so (what it reports happened by
  then). A meeting announced is dated the publication day (announced by then) and its `scheduled_for` is the
  phrase read forwards ("on Saturday" written on a Monday is the coming Saturday), else the publication week;
- `sources`: the source and the whole sentence, verbatim, as the quote;
- `note`: the rule that fired.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_LEXICON",
    "UNDATED",
    "Draft",
    "Drafted",
    "Lexicon",
    "Rule",
    "Sentence",
    "draft_text",
    "drafts_jsonl",
    "load_lexicon",
    "mark_known",
    "split_sentences",
]

DEFAULT_LEXICON = Path(__file__).with_name("lexicon.toml")
UNDATED = "no date in the sentence: the day of publication"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# a list of actors: "Britain, France and Australia", "Ireland, Luxembourg, and the Netherlands"
_LIST_JOINER = re.compile(r"\s*,\s*(?:and\s+|or\s+)?(?:the\s+)?|\s+(?:and|or|&)\s+(?:the\s+)?")
_LOCATION = re.compile(r"\b(?:in|near|at|outside)\s+(?:the\s+)?$", re.IGNORECASE)
_LOCATION_REACH = 50  # characters after a meeting's cue within which "in Paris" says where it is held
_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
_QUOTES = "\"'“”‘’«»"
_UNQUOTED = str.maketrans(dict.fromkeys('"“”«»'))


# -- the lexicon ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule of the lexicon: the event type it drafts, the phrasings that fire it, and its particulars."""

    name: str
    type: str
    cues: tuple[re.Pattern[str], ...]
    blockers: tuple[re.Pattern[str], ...] = ()
    subject: str = "before"
    firmness: str | None = None
    scope: str | None = None
    reason: str | None = None
    split: bool = False


@dataclass(frozen=True)
class Lexicon:
    """The words and rules drafting reads articles with, compiled from the lexicon file."""

    actors: Mapping[str, str]  # surface -> actor code
    locations: frozenset[str]  # surfaces that are places (capitals, countries) a meeting can be held in
    mention: re.Pattern[str]
    speaker_nouns: re.Pattern[str]
    clause_boundary: re.Pattern[str]
    anaphora: re.Pattern[str]
    blockers: tuple[re.Pattern[str], ...]
    dates: tuple[re.Pattern[str], ...]
    future_dates: tuple[re.Pattern[str], ...]
    capabilities: tuple[tuple[str, re.Pattern[str]], ...]
    ruled_out: re.Pattern[str]
    conditions: tuple[tuple[str, re.Pattern[str]], ...]
    count: re.Pattern[str]
    comparators: Mapping[str, str]
    count_subjects: Mapping[str, str]
    rules: tuple[Rule, ...]


class LexiconError(ValueError):
    """A lexicon file that cannot be read or names something the vocabulary does not know."""


def _compile(pattern: str, where: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as error:
        raise LexiconError(f"{where}: {pattern!r} is not a regular expression: {error}") from None


def _patterns(values: Iterable[str], where: str) -> tuple[re.Pattern[str], ...]:
    return tuple(_compile(value, where) for value in values)


def _country_names(excluded: frozenset[str]) -> dict[str, str]:
    """Every country's ISO name and common name, as written (no inverted "Korea, Republic of")."""
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for name in (country.name, getattr(country, "common_name", None)):
            if name and "," not in name and "(" not in name and name not in excluded:
                names.setdefault(name, country.alpha_2)
    return names


def _actor_surfaces(actors: Mapping[str, Any]) -> tuple[dict[str, str], frozenset[str]]:
    """Return every surface naming an actor, with its code, and the surfaces that are places."""
    from events import normalise_actor

    excluded = frozenset(actors.get("not_actors", ()))
    surfaces = _country_names(excluded)
    places = set(surfaces)
    for group in ("names", "demonyms", "capitals", "offices", "people", "organisations"):
        for surface, given in actors.get(group, {}).items():
            try:
                surfaces[surface] = normalise_actor(given)
            except ValueError as error:
                raise LexiconError(f"actors.{group}: {surface!r}: {error}") from None
            if group in ("names", "capitals"):
                places.add(surface)
    return surfaces, frozenset(places)


def _mention_pattern(surfaces: Iterable[str]) -> re.Pattern[str]:
    """One case-sensitive pattern finding any surface as a whole word, the longest first."""
    alternatives = "|".join(re.escape(surface) for surface in sorted(surfaces, key=lambda s: (-len(s), s)))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w])")


def _rule(raw: Mapping[str, Any], index: int) -> Rule:
    from events import CAPABILITIES, KINDS

    where = f"rules[{index}]"
    name, type_name = raw.get("name"), raw.get("type")
    if not isinstance(name, str) or type_name not in KINDS:
        raise LexiconError(f"{where}: a rule needs a name and a known event type, not {type_name!r}")
    scope = raw.get("scope")
    if scope is not None and scope != "participation" and scope not in CAPABILITIES:
        raise LexiconError(f"{where}: unknown scope {scope!r}")
    subject = raw.get("subject", "before")
    if subject not in ("before", "after"):
        raise LexiconError(f"{where}: subject must be before or after, not {subject!r}")
    return Rule(
        name=name,
        type=type_name,
        cues=_patterns(raw.get("cues", ()), f"{where}.cues"),
        blockers=_patterns(raw.get("blockers", ()), f"{where}.blockers"),
        subject=subject,
        firmness=raw.get("firmness"),
        scope=scope,
        reason=raw.get("reason"),
        split=bool(raw.get("split", False)),
    )


def load_lexicon(path: Path | str | None = None) -> Lexicon:
    """Read and compile a lexicon file (default: the one shipped beside this module)."""
    if path is None:
        return _default_lexicon()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_lexicon() -> Lexicon:
    return _load(DEFAULT_LEXICON)


def _load(path: Path) -> Lexicon:
    from events import CAPABILITIES, COMPARATORS, SUBJECTS

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise LexiconError(f"{path}: {error}") from None
    actors = raw.get("actors", {})
    surfaces, places = _actor_surfaces(actors)
    capabilities = raw.get("capabilities", {})
    unknown = sorted(set(capabilities) - set(CAPABILITIES))
    if unknown:
        raise LexiconError(f"capabilities: unknown capability {unknown[0]!r}")
    counts = raw.get("counts", {})
    comparators = {words.lower(): symbol for words, symbol in counts.get("comparators", ())}
    if any(symbol not in COMPARATORS for symbol in comparators.values()):
        raise LexiconError("counts.comparators: a comparator must be one of " + " ".join(COMPARATORS))
    count_subjects = {noun: subject for subject, nouns in counts.get("subjects", {}).items() for noun in nouns}
    if any(subject not in SUBJECTS for subject in count_subjects.values()):
        raise LexiconError("counts.subjects: a subject must be one of " + ", ".join(SUBJECTS))
    comparator_words = "|".join(re.escape(words) for words in sorted(comparators, key=lambda w: (-len(w), w)))
    nouns = "|".join(re.escape(noun) for noun in sorted(count_subjects, key=lambda n: (-len(n), n)))
    count = _compile(
        rf"(?<![\w])(?P<raw>(?:(?P<comparator>{comparator_words})\s+)?[{_QUOTES}]?(?:(?P<comparator2>"
        rf"{comparator_words})\s+)?(?P<amount>{_NUMBER}))[{_QUOTES}]?\s+(?:[\w-]+\s+)?(?P<noun>{nouns})\b",
        "counts",
    )
    clauses = raw.get("clauses", {})
    ruled_out = raw.get("ruled_out", {}).get("markers", r"(?!x)x")
    return Lexicon(
        actors=surfaces,
        locations=places,
        mention=_mention_pattern(surfaces),
        speaker_nouns=_compile(rf"^\s+(?:{actors.get('speaker_nouns', 'officials?')})\b", "actors.speaker_nouns"),
        clause_boundary=_compile(clauses.get("boundary", r";\s+"), "clauses.boundary"),
        anaphora=_compile(clauses.get("anaphora", r"^(?:they)\b"), "clauses.anaphora"),
        blockers=_patterns(raw.get("blockers", {}).get("patterns", ()), "blockers"),
        dates=_patterns(raw.get("dates", {}).get("patterns", ()), "dates.patterns"),
        future_dates=_patterns(raw.get("dates", {}).get("future", ()), "dates.future"),
        capabilities=tuple(
            (code, pattern)
            for code, patterns in capabilities.items()
            for pattern in _patterns(patterns, f"capabilities.{code}")
        ),
        ruled_out=_compile(ruled_out, "ruled_out.markers"),
        conditions=tuple(
            (code, pattern)
            for code, patterns in raw.get("conditions", {}).items()
            for pattern in _patterns(patterns, f"conditions.{code}")
        ),
        count=count,
        comparators=comparators,
        count_subjects=count_subjects,
        rules=tuple(_rule(rule, index) for index, rule in enumerate(raw.get("rules", ()))),
    )


# -- sentences, clauses, mentions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """One sentence of a text: its number (from 1), where it is, and its words verbatim."""

    number: int
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Split a text into sentences, each a verbatim span of it; a line break always ends a sentence.

    News text puts a paragraph, a headline or a by-line on a line of its own, often without a full stop, and a
    quote never runs across a paragraph: each line is split on its own.
    """
    import pysbd  # type: ignore[import-untyped]  # no type information shipped

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    sentences: list[Sentence] = []
    for line in re.finditer(r"[^\n\r\u2028\u2029]+", text):
        if not line.group().strip():
            continue
        for span in segmenter.segment(line.group()):
            start, end = line.start() + span.start, line.start() + span.end
            piece = text[start:end]
            stripped = piece.strip()
            if not stripped:
                continue
            start += len(piece) - len(piece.lstrip())
            sentences.append(Sentence(len(sentences) + 1, start, start + len(stripped), stripped))
    return sentences


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    surface: str
    actor: str


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int


@dataclass(frozen=True)
class _Reading:
    """What drafting knows of one sentence: its actors, clauses and date phrases."""

    sentence: Sentence
    mentions: tuple[_Mention, ...]
    clauses: tuple[_Clause, ...]
    dates: tuple[tuple[int, int, str], ...]
    future_dates: tuple[tuple[int, int, str], ...]

    @property
    def text(self) -> str:
        return self.sentence.text

    def clause_of(self, position: int) -> int:
        return next(index for index, clause in enumerate(self.clauses) if position < clause.end)

    def actors(self) -> list[str]:
        return list(dict.fromkeys(mention.actor for mention in self.mentions))


def _mentions(text: str, lexicon: Lexicon) -> tuple[_Mention, ...]:
    return tuple(
        _Mention(found.start(), found.end(), found.group(), lexicon.actors[found.group()])
        for found in lexicon.mention.finditer(text)
    )


def _clauses(text: str, lexicon: Lexicon) -> tuple[_Clause, ...]:
    clauses, start = [], 0
    for boundary in lexicon.clause_boundary.finditer(text):
        if boundary.start() > start:
            clauses.append(_Clause(start, boundary.start()))
        start = boundary.end()
    clauses.append(_Clause(start, len(text) + 1))
    return tuple(clauses)


def _phrases(text: str, patterns: Sequence[re.Pattern[str]]) -> tuple[tuple[int, int, str], ...]:
    """Find the date phrases in a sentence, the longest where two overlap."""
    found = sorted(
        ((match.start(), match.end(), match.group()) for pattern in patterns for match in pattern.finditer(text)),
        key=lambda item: (item[0], -(item[1] - item[0])),
    )
    kept: list[tuple[int, int, str]] = []
    for start, end, phrase in found:
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end, phrase))
    return tuple(kept)


def _read(sentence: Sentence, lexicon: Lexicon) -> _Reading:
    return _Reading(
        sentence,
        _mentions(sentence.text, lexicon),
        _clauses(sentence.text, lexicon),
        _phrases(sentence.text, lexicon.dates),
        _phrases(sentence.text, lexicon.future_dates),
    )


def _with_list(mentions: Sequence[_Mention], index: int, text: str, step: int) -> list[_Mention]:
    """Return the mention at index and those joined to it as one list ("A, B and C"), in text order."""
    listed = [mentions[index]]
    other = index + step
    while 0 <= other < len(mentions):
        left, right = (mentions[other], listed[-1]) if step < 0 else (listed[-1], mentions[other])
        if not _LIST_JOINER.fullmatch(text[left.end : right.start]):
            break
        listed.append(mentions[other])
        other += step
    return sorted(listed, key=lambda mention: mention.start)


def _subject(reading: _Reading, clause_index: int, cue: re.Match[str], rule: Rule, lexicon: Lexicon) -> list[str]:
    """Return the actors a cue is said of: the list nearest it in its clause, or the clause before's (anaphora)."""
    clause = reading.clauses[clause_index]
    mentions = reading.mentions
    if rule.subject == "after":
        after = [i for i, m in enumerate(mentions) if cue.end() <= m.start < clause.end]
        chosen = _with_list(mentions, after[0], reading.text, +1) if after else []
    else:
        before = [i for i, m in enumerate(mentions) if clause.start <= m.start and m.end <= cue.start()]
        chosen = _with_list(mentions, before[-1], reading.text, -1) if before else []
        opening = reading.text[clause.start : cue.start()].strip()
        if not chosen and clause_index > 0 and lexicon.anaphora.search(opening):
            previous = reading.clauses[clause_index - 1]
            inside = [i for i, m in enumerate(mentions) if previous.start <= m.start < previous.end]
            chosen = _with_list(mentions, inside[0], reading.text, +1) if inside else []
    return list(dict.fromkeys(mention.actor for mention in chosen))


# -- dates ---------------------------------------------------------------------------------------------------------


def _phrase_near(phrases: Sequence[tuple[int, int, str]], clause: _Clause, start: int, end: int) -> str | None:
    """Return the date phrase a cue goes with: the first within or after it in its clause, else the last before it."""
    after = [phrase for s, _, phrase in phrases if start <= s < clause.end]
    if after:
        return after[0]
    before = [phrase for _, e, phrase in phrases if e <= start]
    return before[-1] if before else None


def _resolved_back(phrase: str | None, anchor: date) -> tuple[str, str] | None:
    """Resolve a phrase backwards from the publication day: (EDTF, the phrase), or None when it names no day."""
    from service.dates import UnresolvedPhrase, resolve

    if phrase is None:
        return None
    try:
        resolution = resolve(phrase, anchor)
    except UnresolvedPhrase:
        return None
    if resolution.earliest > anchor:
        return None
    return resolution.edtf, phrase


def _resolved_forward(phrase: str | None, anchor: date) -> str | None:
    """Resolve a phrase announcing a meeting forwards from the publication day, or None."""
    from service.dates import UnresolvedPhrase, resolve

    if phrase is None:
        return None
    text = " ".join(phrase.lower().split())
    monday = anchor - timedelta(days=anchor.weekday())
    if text == "tomorrow":
        return (anchor + timedelta(days=1)).isoformat()
    if text == "next week":
        return f"{(monday + timedelta(7)).isoformat()}/{(monday + timedelta(13)).isoformat()}"
    if text == "later this week":
        return f"{(anchor + timedelta(1)).isoformat()}/{(monday + timedelta(6)).isoformat()}"
    if text in ("this weekend", "at the weekend"):
        saturday = monday + timedelta(5)
        return f"{max(saturday, anchor).isoformat()}/{(monday + timedelta(6)).isoformat()}"
    try:
        if text.startswith("on ") and text[3:] in _WEEKDAYS:
            # the next such day after the publication day: read "on Saturday" a week later, backwards
            return resolve(text, anchor + timedelta(days=7)).edtf
        day = text.removeprefix("on ")
        if not re.search(r"\d{4}", day) and re.match(r"\d", day):
            day = f"{day} {anchor.year}"
        return resolve(day, anchor).edtf
    except UnresolvedPhrase:
        return None


# -- drafts --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """One drafted event: an interchange object once a source (and perhaps a stream) is given."""

    sentence: int
    type: str
    actor: str | None
    occurred: str
    occurred_text: str
    data: Mapping[str, Any]
    quote: str
    rule: str
    key: str = ""  # what tells apart drafts of one type and actor in one sentence (a condition's code)
    known: tuple[str, ...] = field(default=())  # ids of the events of the log that hold this draft already

    def draft_id(self, source_id: str) -> str:
        """Return the draft's id: the source, the sentence, the actor and the type (and its key)."""
        actor = (self.actor or "none").lower()
        tail = f"-s{self.sentence:02d}-{actor}-{self.type}" + (f"-{self.key}" if self.key else "")
        identifier = f"draft-{source_id}{tail}"
        if len(identifier) > 128:  # an id is at most 128 characters: a long source id is shortened by its hash
            identifier = f"draft-{hashlib.sha256(source_id.encode()).hexdigest()[:16]}{tail}"[:128]
        return identifier

    def to_json(self, source_id: str, stream: str | None = None) -> dict[str, Any]:
        """Return the draft as an interchange object citing the source."""
        content: dict[str, Any] = {"id": self.draft_id(source_id), "type": self.type}
        if stream is not None:
            content["stream"] = stream
        content["occurred"] = self.occurred
        content["occurred_text"] = self.occurred_text
        if self.actor is not None:
            content["actor"] = self.actor
        content["data"] = dict(self.data)
        content["sources"] = [{"source": source_id, "quote": self.quote}]
        note = f"drafted by rule {self.rule!r}; review before importing"
        if self.known:
            note += f"; the log already holds it: {', '.join(self.known)}"
        content["note"] = note
        return content


def _capabilities(text: str, lexicon: Lexicon) -> list[str]:
    """Return the capabilities a piece of text names, in the order it names them."""
    found = sorted((match.start(), code) for code, pattern in lexicon.capabilities for match in pattern.finditer(text))
    return list(dict.fromkeys(code for _, code in found))


def _condition_code(text: str, lexicon: Lexicon) -> str:
    for code, pattern in lexicon.conditions:
        if pattern.search(text):
            return code
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "_".join(words[:8]) or "unspecified"


def _condition_texts(after: str, split: bool) -> list[str]:
    """Return the conditions stated after a cue, up to the end of the clause (a list split on "and" when asked)."""
    body = re.split(r"[,;]|\.(?:\s|$)", after, maxsplit=1)[0]
    body = " ".join(body.translate(_UNQUOTED).split())
    if not body:
        return []
    parts = re.split(r"\s*,\s*|\s+and\s+", body) if split else [body]
    return [part for part in parts if part]


def _meeting_host(reading: _Reading, cue: re.Match[str], subject: list[str]) -> tuple[str | None, _Mention | None]:
    """Return the host of a meeting: the place after the cue it is held in, the actor it is "of", else the subject."""
    text = reading.text
    for mention in reading.mentions:
        near = cue.start() <= mention.start <= cue.end() + _LOCATION_REACH
        if near and _LOCATION.search(text[max(cue.start(), mention.start - 12) : mention.start]):
            return mention.actor, mention
        right_after = mention.start >= cue.end() and re.fullmatch(r"\s*(?:the\s+)?", text[cue.end() : mention.start])
        if right_after and cue.group().lower().endswith(" of"):
            return mention.actor, None
    if subject:
        return subject[0], None
    return (reading.mentions[0].actor, None) if reading.mentions else (None, None)


def _meeting_id(host: str, day: str, sentence: int) -> str:
    return f"meeting-{host.lower()}-{day.split('/')[0]}-s{sentence:02d}"


class _Drafter:
    """Drafts one text's sentences against one publication day."""

    def __init__(self, anchor: date, lexicon: Lexicon) -> None:
        self.anchor = anchor
        self.lexicon = lexicon

    def draft(self, text: str) -> list[Draft]:
        drafts: dict[tuple[int, str | None, str, str], Draft] = {}
        for sentence in split_sentences(text):
            from events import quote_shortfall

            if quote_shortfall(sentence.text) is not None or len(sentence.text) > 4000:
                continue
            reading = _read(sentence, self.lexicon)
            for made in (*self._by_rules(reading), *self._counts(reading)):
                drafts.setdefault((made.sentence, made.actor, made.type, made.key), made)
        return _without_repeated_meetings(list(drafts.values()))

    def _dated(self, reading: _Reading, clause: _Clause, start: int, end: int) -> tuple[str, str]:
        resolved = _resolved_back(_phrase_near(reading.dates, clause, start, end), self.anchor)
        return resolved or (self.anchor.isoformat(), UNDATED)

    def _blocked(self, reading: _Reading, clause: _Clause, cue: re.Match[str], rule: Rule) -> bool:
        before = reading.text[clause.start : cue.start()]
        through = reading.text[clause.start : cue.end()]
        return any(p.search(before) for p in self.lexicon.blockers) or any(p.search(through) for p in rule.blockers)

    def _by_rules(self, reading: _Reading) -> Iterator[Draft]:
        for rule in self.lexicon.rules:
            for pattern in rule.cues:
                for cue in pattern.finditer(reading.text):
                    clause_index = reading.clause_of(cue.start())
                    clause = reading.clauses[clause_index]
                    if self._blocked(reading, clause, cue, rule):
                        continue
                    subject = _subject(reading, clause_index, cue, rule, self.lexicon)
                    if rule.type.startswith("meeting."):
                        yield from self._meeting(reading, clause, cue, rule, subject)
                    else:
                        for actor in subject:
                            yield from self._stance(reading, clause, cue, rule, actor)

    def _stance(
        self, reading: _Reading, clause: _Clause, cue: re.Match[str], rule: Rule, actor: str
    ) -> Iterator[Draft]:
        """Drafts of one actor's pledge, position or conditions at one cue."""
        occurred, occurred_text = self._dated(reading, clause, cue.start(), cue.end())
        after = reading.text[cue.end() : clause.end]
        base = Draft(reading.sentence.number, rule.type, actor, occurred, occurred_text, {}, reading.text, rule.name)
        if rule.type == "pledge.made":
            yield replace(base, data=self._pledge(reading.text[cue.start() : clause.end], rule))
        elif rule.type == "position.declined":
            named = _capabilities(after, self.lexicon)
            yield replace(base, data={"scope": named[0] if named else rule.scope or "participation"})
        elif rule.type == "position.undecided":
            yield replace(base, data={"reason": rule.reason} if rule.reason else {})
        elif rule.type == "position.considering":
            conditions = self._conditions_after(after)
            yield replace(base, data={"conditions": conditions} if conditions else {})
        elif rule.type == "condition.stated":
            for text in _condition_texts(after, rule.split):
                code = _condition_code(text, self.lexicon)
                yield replace(base, data={"condition": code, "description": text}, key=code)
        else:
            yield base

    def _pledge(self, span: str, rule: Rule) -> dict[str, Any]:
        marker = self.lexicon.ruled_out.search(span)
        offered, refused = (span[: marker.start()], span[marker.end() :]) if marker else (span, "")
        offers = _capabilities(offered, self.lexicon) or ["unspecified"]
        data: dict[str, Any] = {"offers": offers}
        ruled_out = [code for code in _capabilities(refused, self.lexicon) if code not in offers]
        if ruled_out:
            data["ruled_out"] = ruled_out
        if rule.firmness:
            data["firmness"] = rule.firmness
        return data

    def _conditions_after(self, after: str) -> list[str]:
        found = re.search(r"\b(?:depending on|provided that|on condition that|subject to)\b", after)
        if found is None:
            return []
        codes = (_condition_code(text, self.lexicon) for text in _condition_texts(after[found.end() :], True))
        return list(dict.fromkeys(codes))

    def _meeting(
        self, reading: _Reading, clause: _Clause, cue: re.Match[str], rule: Rule, subject: list[str]
    ) -> Iterator[Draft]:
        """Draft a meeting: one per sentence, its actor the host."""
        host, place = _meeting_host(reading, cue, subject)
        if host is None:
            return
        participants = [m.actor for m in reading.mentions if m is not place]
        participants = list(dict.fromkeys(participants))
        data: dict[str, Any] = {}
        text = reading.text
        virtual = re.search(r"\b(?:virtual|video|online|phone|by telephone|call)\b", text, re.IGNORECASE)
        base = Draft(reading.sentence.number, rule.type, host, "", "", {}, text, rule.name)
        if rule.type == "meeting.scheduled":
            phrase = _phrase_near(reading.future_dates, clause, cue.start(), cue.end())
            scheduled = _resolved_forward(phrase, self.anchor)
            monday = self.anchor - timedelta(days=self.anchor.weekday())
            week = f"{monday.isoformat()}/{(monday + timedelta(6)).isoformat()}"
            data["meeting_id"] = _meeting_id(host, scheduled or week, reading.sentence.number)
            data["scheduled_for"] = scheduled or week
            data["format"] = "virtual" if virtual else "in_person"
            when = f"meeting {phrase!r}" if scheduled else "no date given: the week of publication"
            occurred, occurred_text = self.anchor.isoformat(), f"announced by the day of publication; {when}"
            key = "" if scheduled else "undated"
        else:
            occurred, occurred_text = self._dated(reading, clause, cue.start(), cue.end())
            if occurred_text == UNDATED and not cue.group().lower().startswith(("held", "hosted", "convened")):
                return  # "met", "a meeting of" with no day: too loose to say a meeting was held
            if virtual:
                data["format"] = "virtual"
            elif place is not None:
                data["format"] = "in_person"
            key = ""
        if place is not None and place.surface in self.lexicon.locations:
            data["location"] = place.surface
        if participants and participants != [host]:
            data["participants"] = participants
        yield replace(base, occurred=occurred, occurred_text=occurred_text, data=data, key=key)

    def _counts(self, reading: _Reading) -> Iterator[Draft]:
        """Size claims: a comparator, an amount and what is counted, said by the actor before them."""
        lexicon = self.lexicon
        for found in lexicon.count.finditer(reading.text):
            words = found["comparator"] or found["comparator2"]
            comparator = lexicon.comparators[words.lower()] if words else "="
            amount = int(found["amount"].replace(",", ""))
            subject = lexicon.count_subjects[found["noun"].lower()]
            clause_index = reading.clause_of(found.start())
            clause = reading.clauses[clause_index]
            if any(p.search(reading.text[clause.start : found.start()]) for p in lexicon.blockers):
                continue
            speakers = [m for m in reading.mentions if m.end <= found.start()]
            data: dict[str, Any] = {"subject": subject, "comparator": comparator, "amount": amount}
            actor = None
            if speakers:
                speaker = speakers[0] if len(speakers) > 1 and _said_first(reading, speakers[0]) else speakers[-1]
                actor = speaker.actor
                noun = lexicon.speaker_nouns.match(reading.text[speaker.end :])
                data["attributed_to"] = speaker.surface + (noun.group() if noun else "")
            data["raw"] = found["raw"].strip(_QUOTES).replace("“", "").replace("”", "").replace('"', "")
            occurred, occurred_text = self._dated(reading, clause, found.start(), found.end())
            yield Draft(
                reading.sentence.number,
                "count.reported",
                actor,
                occurred,
                occurred_text,
                data,
                reading.text,
                f"size claim: {data['raw']} {found['noun'].lower()}",
                key=f"{subject}-{amount}",
            )


def _said_first(reading: _Reading, speaker: _Mention) -> bool:
    """Say whether the sentence opens with its speaker ("Downing Street said ... 30 countries")."""
    return (
        speaker.start <= 2
        and re.match(r"[^,]{0,60}?\b(?:said|says|expects?|expected|estimated|told)\b", reading.text[speaker.end :])
        is not None
    )


def _without_repeated_meetings(drafts: list[Draft]) -> list[Draft]:
    """Drop an undated announcement of a meeting by a host the article has already announced one for."""
    hosts: set[str | None] = set()
    kept = []
    for made in drafts:
        if made.type == "meeting.scheduled":
            if made.key == "undated" and made.actor in hosts:
                continue
            hosts.add(made.actor)
        kept.append(made)
    return kept


def draft_text(text: str, published: date, lexicon: Lexicon | None = None) -> list[Draft]:
    """Draft the events a text published on a day reports, in sentence order."""
    return _Drafter(published, lexicon or load_lexicon()).draft(text)


def mark_known(drafts: Sequence[Draft], source_id: str, events: Iterable[Any]) -> list[Draft]:
    """Mark the drafts the log already holds: an event of the same actor, type and an overlapping date, or quote.

    `events` are the log's recorded events (anything with id, type, actor, occurred and sources).
    """
    from events import edtf_bounds, normalise_quote

    held = list(events)
    marked = []
    for made in drafts:
        first, last = edtf_bounds(made.occurred)
        quote = normalise_quote(made.quote)
        known = []
        for event in held:
            if event.actor != made.actor:
                continue
            earliest, latest = edtf_bounds(event.occurred)
            overlapping = event.type == made.type and earliest <= last and first <= latest
            if overlapping or any(normalise_quote(cited) == quote for _, cited in event.sources if cited):
                known.append(event.id)
        marked.append(replace(made, known=tuple(known)))
    return marked


@dataclass(frozen=True)
class Drafted:
    """What drafting one article gave: its drafts, the source they cite, and how many the log already holds."""

    source_id: str
    stream: str | None
    drafts: tuple[Draft, ...]

    @property
    def known(self) -> int:
        """How many drafts the log already holds (marked in their note)."""
        return sum(1 for made in self.drafts if made.known)

    def to_json(self) -> list[dict[str, Any]]:
        """Return the drafts as interchange objects."""
        return [made.to_json(self.source_id, self.stream) for made in self.drafts]

    def to_jsonl(self) -> str:
        """Return the drafts as JSON Lines, one interchange object a line: what `import` reads."""
        return drafts_jsonl(self.drafts, self.source_id, self.stream)


def drafts_jsonl(drafts: Iterable[Draft], source_id: str, stream: str | None = None) -> str:
    """Return drafts as JSON Lines in the interchange format, one per line."""
    from render.documents import json_text

    return "".join(json_text(made.to_json(source_id, stream)) + "\n" for made in drafts)
