"""The application: one timeline on one database, and every use case of it, once, for every door.

`Timeline` is the composition root: it resolves the database URL, opens the
store on first use (so a door that needs no database never connects), and
builds the snapshot recorder and the replayer once for every question asked
of it. Replays read a plain SQLite file through the standard library alone
(core.sqlite_reads: `dtl state` then never loads SQLAlchemy), any other log
through the store. Its methods take plain values (strings as a door received them, dates,
numbers) and return the answers of `service.answers`, whose `to_json` is the
document DESIGN.md fixes. Errors are the tree of `errors`, naming fields.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from typing import IO, TYPE_CHECKING, Any

from errors import InputError, Location, NotFound
from service.answers import (
    AppendAnswer,
    AppendedAnswer,
    AuditAnswer,
    CopyAnswer,
    CountAnswer,
    DiffAnswer,
    HistoryAnswer,
    InitAnswer,
    LoggedEvent,
    ReportAnswer,
    SeriesAnswer,
    SourceAnswer,
    StateAnswer,
    TimelineAnswer,
    VerifyAnswer,
    WhyAnswer,
)
from service.queries import Query, actor_code, parse_anchor, parse_day, parse_known_at, parse_window, today

if TYPE_CHECKING:
    from core import AppendResult, EventStore
    from core.sqlite_reads import SQLiteLog
    from core.tokens import IssuedToken, Token
    from events import RecordedEvent, Source
    from projections.audit import ChainBreak, Finding
    from projections.engine import Replayer
    from projections.provenance import ActorProvenance, CountProvenance
    from render.report import ReportLimits
    from service.dates import Resolution
    from service.drafting import Drafted

__all__ = ["Progress", "Timeline", "Writer"]

# a progress bar a door may show: given a total and a label, a context yielding "advance by n"
Progress = Callable[[int, str], AbstractContextManager[Callable[[int], None]]]
# writes an export to an open text file
Writer = Callable[[IO[str]], object]

_EXPLICIT_DATE = "give the date explicitly as EDTF (2025-03-08, or 2025-03-03/2025-03-09 for a span)"


def _no_progress(_total: int, _label: str) -> AbstractContextManager[Callable[[int], None]]:
    return nullcontext(lambda _n: None)


def _require_type(type_name: str) -> None:
    """Refuse an event type the vocabulary does not know, naming the close matches."""
    from events import UnknownEventTypeError, kind_of

    try:
        kind_of(type_name)
    except UnknownEventTypeError as error:
        raise InputError(error.reason, Location(field="type")) from None


class Timeline:
    """One log and the questions asked of it: the composition root both doors build once."""

    def __init__(self, url: str | None = None, *, recorded_by: str | None = None) -> None:
        """Name the log (None: the configured one) and who writes through this timeline unless a write says.

        recorded_by: the name every event appended here records, unless the write gives `by`
        (the HTTP API gives each request's token name).
        """
        from core import resolve_database_url

        self.url = resolve_database_url(url)
        self.recorded_by = recorded_by
        self._store: EventStore | None = None
        self._replay_log: SQLiteLog | EventStore | None = None
        self._replayer: Replayer | None = None

    # -- wiring --------------------------------------------------------------------------------

    @property
    def masked_url(self) -> str:
        """The database URL with its password hidden, to show people."""
        from core import mask_url

        return mask_url(self.url)

    def _open(self, *, create: bool = False) -> EventStore:
        if self._store is None:
            from core import EventStore

            self._store = EventStore.open(self.url, create=create)
        return self._store

    @property
    def store(self) -> EventStore:
        """The log, opened on first use."""
        return self._open()

    @property
    def replay_log(self) -> SQLiteLog | EventStore:
        """The log as replays read it: a plain SQLite file through sqlite3 alone, else the store; opened once."""
        if self._replay_log is None:
            from core.sqlite_reads import SQLiteLog

            self._replay_log = SQLiteLog.open(self.url) or self.store
        return self._replay_log

    @property
    def replayer(self) -> Replayer:
        """The replayer, with snapshots kept beside the log, built once."""
        if self._replayer is None:
            from projections.engine import Replayer, Snapshot

            log = self.replay_log
            # snapshots wait until the door has given its answer: save_caches() then
            self._replayer = Replayer(log, log.snapshots(Snapshot), defer_saves=True)
        return self._replayer

    def save_caches(self) -> None:
        """Do what waited for the answer; a door calls it once its answer is out.

        Saves the snapshots the last question left, and rebuilds the replay pages when
        enough events have been recorded since they were (core.pages): both caches.
        """
        if self._replayer is not None:
            self._replayer.save_snapshots()
            if self.replay_log.replay_pages_due():  # the store builds them: a replay read through sqlite3 rarely
                self.store.refresh_replay_pages()

    def close(self) -> None:
        """Save what waits, then release the database connections."""
        try:
            self.save_caches()
        finally:
            if self._replay_log is not None and self._replay_log is not self._store:
                self._replay_log.close()
            if self._store is not None:
                self._store.close()

    # -- writing -------------------------------------------------------------------------------

    def init(self) -> InitAnswer:
        """Create the database, or bring its schema up to date (safe to repeat)."""
        before, after = self._open(create=True).initialise()
        return InitAnswer(self.masked_url, before, after)

    def append(
        self,
        event: Mapping[str, Any],
        *,
        published: str | None = None,
        expected_version: int | None = None,
        unverified: bool = False,
        by: str | None = None,
    ) -> AppendAnswer:
        """Append one event given as an interchange object.

        Without `occurred`, its `occurred_text` is resolved against `published`, else
        the publication date of its first source; a phrase that may mean more than
        one day is refused.
        """
        from core import DEFAULT_STREAM
        from core.interchange import check_values, event_from_object

        raw = dict(event)
        resolution = None
        if raw.get("occurred") is None:
            raw.pop("occurred", None)
            resolution = self._resolve_occurred(raw.get("occurred_text"), published, raw.get("sources") or [])
            raw["occurred"] = resolution.edtf
        check_values(raw, Location())
        located = event_from_object(raw, Location(), DEFAULT_STREAM)
        result = self.store.append(
            located.event, expected_version=expected_version, unverified=unverified, recorded_by=by or self.recorded_by
        )
        return AppendAnswer(result, resolution)

    def _resolve_occurred(self, phrase: str | None, published: str | None, sources: list[Any]) -> Resolution:
        if phrase is None:
            raise InputError(
                "no date given",
                Location(field="occurred"),
                hint=f'{_EXPLICIT_DATE}, or the words the source used, such as "last week"',
            )
        if published is not None:
            anchor = parse_anchor(published, "published")
        elif sources:
            first = sources[0].get("source") if isinstance(sources[0], Mapping) else None
            known = {source.id: source for source in self.store.sources()}
            if first not in known:
                raise NotFound(
                    f"unknown source {first!r}",
                    Location(field="sources[0].source"),
                    hint="register the source first, or give the day the phrase was published",
                )
            anchor = parse_anchor(known[first].published, "sources[0].source")
        else:
            raise InputError(
                "no day to read the phrase from",
                Location(field="occurred_text"),
                hint=f"give the day it was published or a source, or {_EXPLICIT_DATE}",
            )
        return self.resolve_date(phrase, anchor, field="occurred_text")

    def import_lines(
        self,
        lines: Iterable[bytes],
        name: str,
        *,
        unverified: bool = False,
        expected_version: int | None = None,
        by: str | None = None,
        alone: bool = False,
    ) -> AppendResult:
        """Import JSON Lines (one interchange object each) in one transaction: all of them or none.

        alone: this door is the log's only user while it imports (the command line, not a server,
        whose readers would wait): a long import may then hold a SQLite log alone, and write it
        once rather than twice (core.database).
        """
        from core import DEFAULT_STREAM
        from core.interchange import Reader

        # a long input's worker processes start first, before the store is loaded and opened: they prepare
        # each line's row meanwhile, and look for its quotes once told the texts stored when the write begins
        with Reader(lines, name, DEFAULT_STREAM, prepare=True, ahead=True) as reader:
            store = self.store
            return store.append_many(
                reader.events(store.source_texts),
                unverified=unverified,
                expected_version=expected_version,
                recorded_by=by or self.recorded_by,
                alone=alone and reader.long,
            )

    def register_source(
        self,
        *,
        source_id: str,
        publisher: str,
        published: str,
        title: str | None = None,
        url: str | None = None,
        sha256: str | None = None,
        text: str | None = None,
        file: str | None = None,
        by: str | None = None,
    ) -> AppendResult:
        """Register a source by its text (read from `file`) or its sha256 alone."""
        return self.store.register_source(
            source_id=source_id,
            publisher=publisher,
            published=published,
            title=title,
            url=url,
            sha256=sha256.lower() if sha256 else None,
            text=text,
            file=file,
            recorded_by=by or self.recorded_by,
        )

    def attach_source(self, source_id: str, text: str, *, file: str | None = None) -> Source:
        """Store a registered source's text; refused unless it matches the registered sha256."""
        return self.store.attach_source_text(source_id, text, file=file)

    # -- tokens of the HTTP API ------------------------------------------------------------------

    def create_token(self, name: str, role: str) -> IssuedToken:
        """Create a bearer token with a role; its secret is in the answer, and nowhere else, ever."""
        return self.store.create_token(name, role)

    def tokens(self) -> list[Token]:
        """Return every token, live and revoked, oldest first (never a secret)."""
        return self.store.tokens()

    def revoke_token(self, name: str) -> Token:
        """Revoke the live token of this name."""
        return self.store.revoke_token(name)

    def authenticate(self, secret: str) -> Token | None:
        """Return the live token whose secret this is (its name and role), or None."""
        return self.store.authenticate(secret)

    # -- the log as recorded -------------------------------------------------------------------

    def head_position(self) -> int:
        """Return the last position of the log (0 when empty)."""
        position, _ = self.replay_log.head()
        return position

    def version(self) -> str:
        """Return what every answer of the log depends on: its last position and the texts attached since."""
        position, texts = self.store.version()
        return f"{position}.{texts}"

    def log(
        self,
        *,
        stream: str | None = None,
        type: str | None = None,
        actor: str | None = None,
        since: int | None = None,
    ) -> Iterator[LoggedEvent]:
        """Yield the events as recorded, in position order, each with whether its quotes check out."""
        from core import EventFilter
        from projections.verification import QuoteChecker

        store = self.store
        if stream is not None:
            self._require_stream(stream)
        if type is not None:
            _require_type(type)
        criteria = EventFilter(
            stream=stream, type=type, actor=None if actor is None else actor_code(actor), since=since
        )
        checker = QuoteChecker(store.source_texts())
        return (LoggedEvent(event, checker.event_verified(event)) for event in store.read(criteria))

    def event(self, event_id: str) -> LoggedEvent | None:
        """Return the event with this id as the log lists it (with whether its quotes check out), or None."""
        from projections.verification import QuoteChecker

        store = self.store
        found = store.get(event_id)
        if found is None:
            return None
        return LoggedEvent(found, QuoteChecker(store.source_texts()).event_verified(found))

    def appended(self, result: AppendResult) -> AppendedAnswer:
        """Return where each event of an append is: those it wrote, in position order, then those already there."""
        return AppendedAnswer(tuple(self.store.landed(result)))

    def sources(self) -> list[Source]:
        """Return every registered source, in registration order."""
        return self.store.sources()

    def show_source(self, source_id: str) -> SourceAnswer:
        """Return one source, its text, and where each quote citing it stands in that text."""
        from projections.provenance import quote_spans

        store = self.store
        found = self._sources().get(source_id)
        if found is None:
            raise NotFound(f"unknown source {source_id!r}", Location(field="source_id"), hint="see the source list")
        text = store.source_texts().get(source_id)
        return SourceAnswer(found, text, quote_spans(store.read(), source_id, text))

    def _sources(self, known_position: int | None = None) -> dict[str, Source]:
        """Return the registered sources by id, their metadata as corrected by the position known (default: now)."""
        return {source.id: source for source in self.store.sources(known_position)}

    def verify(self, *, expect: str | None = None, on_progress: Callable[[int], None] | None = None) -> VerifyAnswer:
        """Recompute the hash chain (and, with `expect`, find a published head in it); raise at the first bad row."""
        if expect is not None:
            expect = expect.strip().lower()
            if len(expect) != 64 or any(digit not in "0123456789abcdef" for digit in expect):
                raise InputError(
                    f"{expect!r} is not a head hash", Location(field="expect"), hint="a head hash is 64 hex digits"
                )
        # a plain SQLite file is checked through sqlite3 (core.sqlite_reads), SQLAlchemy never loaded for it
        return VerifyAnswer(self.replay_log.verify(on_progress=on_progress, expect=expect))

    def copy(self, to: str, *, progress: Progress = _no_progress) -> CopyAnswer:
        """Copy the whole log, row for row, into an empty database (created when missing), verified there."""
        from core import Database, EventStore, mask_url, resolve_database_url
        from core.copying import copy_log

        destination_url = resolve_database_url(to)
        source = self.store
        try:
            destination = EventStore(Database(destination_url, create=True))
        except InputError as error:  # the URL's own problem, worded for the field it came from
            raise error.placed(Location(field="to")) from None
        try:
            head, _ = source.head()
            with progress(head, "copying") as advance:
                report = copy_log(source.database, destination.database, on_progress=advance)
            with progress(head, "verifying the copy") as advance:
                verified = destination.verify(expect=report.head_hash, on_progress=advance)
        finally:
            destination.close()
        return CopyAnswer(mask_url(destination_url), verified, report.rows.get("source_texts", 0))

    # -- replaying -----------------------------------------------------------------------------

    def state(self, query: Query) -> StateAnswer:
        """Return the coalition as of a day, known at a bound."""
        self._require_stream(query.stream)
        replay = self.replayer.state(as_of=query.as_of, stream=query.stream, known_at=query.known_at)
        return StateAnswer(query, replay.known_position, replay.state, self._known_at_notes(query.known_at))

    def count(self, query: Query, subject: str = "participants") -> CountAnswer:
        """Return every claim about a quantity as of a day, the latest and the named floor."""
        answer = self.state(query)
        return CountAnswer(query, subject, answer.position, answer.state.reported_sizes[subject], answer.notes)

    def count_series(
        self, stream: str, subject: str = "participants", known_at: str | int | None = None
    ) -> SeriesAnswer:
        """Return every claim about a quantity over time, with the named floor beside each."""
        from projections.counts import count_series

        self._require_stream(stream)
        bound = parse_known_at(known_at)
        points = count_series(self.replayer.effective_events(stream=stream, known_at=bound), subject)
        return SeriesAnswer(stream, subject, bound, points, self._known_at_notes(bound))

    def timeline(
        self,
        stream: str,
        *,
        start: str | None = None,
        end: str | None = None,
        actor: str | None = None,
        known_at: str | int | None = None,
    ) -> TimelineAnswer:
        """Return the events that may have happened within a window, in the order they happened."""
        from projections.changes import timeline

        first, last = parse_window(start, end)
        code = actor_code(actor) if actor else None
        self._require_stream(stream)
        bound = parse_known_at(known_at)
        entries = timeline(
            self.replayer.effective_events(stream=stream, known_at=bound), start=first, end=last, actor=code
        )
        return TimelineAnswer(stream, start, end, entries, self._known_at_notes(bound))

    def diff(self, stream: str, before: str, after: str, known_at: str | int | None = None) -> DiffAnswer:
        """Return what changed between two days."""
        from projections.changes import diff

        old = self.state(Query.parse(stream, parse_day(before, "before"), known_at))
        new = self.state(Query.parse(stream, parse_day(after, "after"), known_at)).state
        return DiffAnswer(stream, diff(old.state, new), old.state, new, old.notes)

    def history(
        self, stream: str, actor: str, *, as_of: str | None = None, known_at: str | int | None = None
    ) -> HistoryAnswer:
        """Return one actor's events in the order they happened, with its facts after each."""
        from projections.changes import history

        code = actor_code(actor)
        day = parse_day(as_of, "as_of") if as_of else None
        self._require_stream(stream)
        bound = parse_known_at(known_at)
        events = self.replayer.effective_events(stream=stream, known_at=bound, until_day=day)
        return HistoryAnswer(stream, code, history(events, code), self._known_at_notes(bound))

    # -- provenance ----------------------------------------------------------------------------

    def why(self, query: Query, actor: str) -> WhyAnswer[ActorProvenance]:
        """Explain an actor's stance, offers, ruled-out capabilities and conditions down to the quotes."""
        from projections.provenance import explain_actor

        code = actor_code(actor)
        events, position = self._scope(query)
        sources, texts = self._sources(position), self.store.source_texts(position)
        explained = explain_actor(events, code, query.as_of, sources, texts, stream=query.stream)
        return WhyAnswer(query, position, explained, self._known_at_notes(query.known_at))

    def why_count(self, query: Query, subject: str = "participants") -> WhyAnswer[CountProvenance]:
        """Explain the reported size: every claim, the named floor, and their sources."""
        from projections.provenance import explain_count

        events, position = self._scope(query)
        sources, texts = self._sources(position), self.store.source_texts(position)
        explained = explain_count(events, subject, query.as_of, sources, texts, stream=query.stream)
        return WhyAnswer(query, position, explained, self._known_at_notes(query.known_at))

    def _scope(self, query: Query) -> tuple[list[RecordedEvent], int]:
        """Return the stream's events known at K and every amendment known then (they apply across streams)."""
        from core import EventFilter

        self._require_stream(query.stream)
        store = self.store
        known = store.known_position(query.known_at)
        events = list(store.read(EventFilter(stream=query.stream, known_at=known)))
        events += [amendment for amendment in store.amendment_events(known) if amendment.stream != query.stream]
        return events, known

    def audit(self, stream: str | None = None, *, progress: Progress = _no_progress) -> AuditAnswer:
        """Check the whole log (or one stream) for unsourced or doubtful facts and a broken chain."""
        if stream is not None:
            self._require_stream(stream)
        return AuditAnswer(stream, self._findings(stream, progress))

    def _findings(self, stream: str | None, progress: Progress) -> tuple[Finding, ...]:
        from projections.audit import audit

        store = self.store
        chain = self._chain_break(progress)
        try:
            return audit(store.read(), self._sources(), store.source_texts(), stream=stream, chain=chain)
        except (ValueError, KeyError, TypeError):
            if chain is None:
                raise
            return audit([], {}, {}, chain=chain)  # rows damaged past reading: the broken chain says it all

    def _chain_break(self, progress: Progress) -> ChainBreak | None:
        """Verify the hash chain and return where it broke, or None when it holds."""
        from errors import IntegrityViolation
        from projections.audit import ChainBreak

        try:
            with progress(self.head_position(), "verifying") as advance:
                self.store.verify(on_progress=advance)
        except IntegrityViolation as error:
            # verify checks stored texts after the chain, raising at no position: the audit names each such source
            return None if error.position is None else ChainBreak(error.position, str(error))
        return None

    def streams(self) -> list[str]:
        """Return the name of every stream that holds events, sorted."""
        return self.replay_log.streams()

    def _require_stream(self, stream: str) -> None:
        """Refuse a stream that holds no events, naming the close matches among those that do."""
        if self.replay_log.stream_version(stream) > 0:
            return
        streams = self.replay_log.streams()
        close = difflib.get_close_matches(stream, streams, n=3, cutoff=0.6)
        suggestion = f"; did you mean {', '.join(close)}?" if close else ""
        listed = ", ".join(streams[:10]) + (f" and {len(streams) - 10} more" if len(streams) > 10 else "")
        raise NotFound(
            f"stream {stream!r} has no events{suggestion}",
            Location(field="stream"),
            hint=f"the streams in the log: {listed}" if streams else "the log has no events yet",
        )

    def _known_at_notes(self, known_at: int | str | None) -> tuple[str, ...]:
        """Say what an answer means when its known-at bound lies outside the log: past its head, or before it began."""
        if known_at is None:
            return ()
        head = self.head_position()
        if isinstance(known_at, int):
            if known_at <= head:
                return ()
            return (
                f"known at {known_at} is read as a log position, past the last one ({head}): the answer holds "
                "everything recorded; to ask what was recorded by a day, give the day (such as 2025-12-31)",
            )
        if head == 0 or self.replay_log.known_position(known_at) > 0:
            return ()
        return (
            f"nothing had been recorded by {known_at}: every entry of the log was recorded later, so the answer "
            "is empty; give a later moment, or a log position",
        )

    # -- reports and exports -------------------------------------------------------------------

    def _effective_events(self, stream: str, known_at: str | int | None) -> tuple[list[RecordedEvent], int]:
        """Return a stream's effective events in fold order, and the log position they are known at."""
        self._require_stream(stream)
        bound = parse_known_at(known_at)
        return list(self.replayer.effective_events(stream=stream, known_at=bound)), self.replay_log.known_position(
            bound
        )

    def report(
        self,
        stream: str,
        *,
        start: str | None = None,
        end: str | None = None,
        known_at: str | int | None = None,
        progress: Progress = _no_progress,
        limits: ReportLimits | None = None,
        see_more: Mapping[str, str] | None = None,
    ) -> ReportAnswer:
        """Return the offline HTML report: size and stance charts, the state, the timeline with quotes, the audit.

        Past `limits` (by default render.report's) a section shows the most recent or the first part of what it
        holds and says how much it left out; `see_more` words, by section, how a door's reader sees the rest.
        """
        from projections.changes import in_window
        from projections.charts import size_chart, stance_lanes
        from projections.coalition import coalition_state
        from projections.verification import QuoteChecker
        from render.charts import render_size_chart, render_stance_chart
        from render.report import ReportContent, ReportLimits, render_report

        limits = limits or ReportLimits()
        first, last = parse_window(start, end)
        self._require_stream(stream)
        # the audit holds the whole log while it runs: run first, its events are freed before the stream's are read
        findings = self._findings(stream, progress)
        store = self.store
        head_position, head_hash = store.head()
        with progress(4, "writing the report") as advance:
            events, position = self._effective_events(stream, known_at)
            advance(1)
            size = size_chart(events, start=first, end=last)
            lanes = stance_lanes(events, start=first, end=last)
            advance(1)
            size_svg = render_size_chart(size, most=limits.claims)
            stances_svg = render_stance_chart(lanes, most=limits.lanes)
            advance(1)
            as_of = last or lanes.last_day or size.last_day or today()
            window = in_window(events, start=first, end=last, actor=None)
            cut = max(0, len(window) - limits.events)  # the most recent events are shown, those before counted
            shown, left_out = window[cut:], window[:cut]
            content = ReportContent(
                stream=stream,
                first_day=first or lanes.first_day,
                last_day=as_of,
                known_position=position,
                head_position=head_position,
                head_hash=head_hash,
                state=coalition_state(events, as_of),
                size_svg=size_svg,
                stances_svg=stances_svg,
                size=size,
                events=shown,
                sources=self._sources(),
                checker=QuoteChecker(store.source_texts()),
                findings=findings,
                events_left_out=len(left_out),
                left_out_until=left_out[-1].latest if left_out else None,
                lanes_left_out=max(0, len(lanes.actors) - limits.lanes),
                limits=limits,
                see_more=see_more or {},
            )
            html = render_report(content)
            advance(1)
        errors = sum(finding.severity == "error" for finding in findings)
        return ReportAnswer(html, len(window), errors, len(findings) - errors)

    def chart(
        self,
        kind: str,
        image_format: str,
        stream: str,
        *,
        subject: str = "participants",
        start: str | None = None,
        end: str | None = None,
        known_at: str | int | None = None,
    ) -> bytes:
        """Draw one chart of the report alone (`size` or `stances`) as PNG or SVG bytes."""
        from projections.charts import size_chart, stance_lanes
        from render.charts import render_size_chart, render_stance_chart

        first, last = parse_window(start, end)
        events, _ = self._effective_events(stream, known_at)
        if kind == "size":
            return render_size_chart(size_chart(events, subject, start=first, end=last), image_format)
        return render_stance_chart(stance_lanes(events, start=first, end=last), image_format)

    def export(self, export_format: str, stream: str | None = None) -> Writer:
        """Return a writer of the log as JSON Lines (for import), CSV, or TimelineJS3 JSON."""
        from core import EventFilter
        from render.documents import json_text

        store = self.store
        if stream is not None:
            self._require_stream(stream)
        if export_format == "jsonl":
            events = store.read(EventFilter(stream=stream))
            return lambda target: target.writelines(json_text(event.envelope()) + "\n" for event in events)
        if export_format == "csv":
            from projections.verification import QuoteChecker
            from render.exports import write_csv

            sources, checker = self._sources(), QuoteChecker(store.source_texts())
            return lambda target: write_csv(store.read(EventFilter(stream=stream)), sources, checker, target)
        from render.exports import timelinejs_document

        events_list = list(self.replayer.effective_events(stream=stream))
        position, _ = store.head()
        document = timelinejs_document(
            events_list,
            self._sources(),
            title=f"{stream or 'All streams'}: Diplomatic Timeline",
            description=(
                f"Exported from the log at position {position}. Dates are EDTF: a span means it happened some time "
                "within it; each slide quotes its sources."
            ),
        )
        return lambda target: target.write(json_text(document, indent=2) + "\n")

    # -- dates ---------------------------------------------------------------------------------

    @staticmethod
    def resolve_date(phrase: str, anchor: date | str | None = None, *, field: str = "phrase") -> Resolution:
        """Resolve a phrase such as "last week" written on the anchor day (default: today) into EDTF."""
        from service.dates import UnresolvedPhrase, resolve

        day = anchor if isinstance(anchor, date) else parse_anchor(anchor, "anchor") if anchor else today()
        try:
            return resolve(phrase, day)
        except UnresolvedPhrase as error:
            hint = f"{error.advice}, or {_EXPLICIT_DATE}" if error.advice else _EXPLICIT_DATE
            raise InputError(str(error), Location(field=field), hint=hint) from None

    # -- drafting ------------------------------------------------------------------------------

    def draft(
        self,
        source: str | None = None,
        *,
        text: str | None = None,
        published: str | None = None,
        source_id: str | None = None,
        file: str | None = None,
        stream: str | None = None,
        against: bool = False,
    ) -> Drafted:
        """Draft the events an article reports, for an analyst to review and import.

        Either a registered `source` (its stored text, dated by its publication), or a `text` (read from
        `file`) `published` on a day, cited as `source_id` (default: the file's name). With `against`, each
        draft the log already holds is marked in its note. Every draft is checked against the vocabulary.
        """
        from pathlib import Path

        from events import parse_event
        from service.drafting import Drafted, draft_text, mark_known
        from service.queries import DEFAULT_STREAM

        if source is not None:
            found = self._sources().get(source)
            if found is None:
                raise NotFound(f"unknown source {source!r}", Location(field="source"), hint="see the source list")
            text = self.store.source_texts().get(source)
            if text is None:
                raise InputError(
                    f"source {source!r} has no text stored to draft from",
                    Location(field="source"),
                    hint="attach its text first, or draft from the file with its publication date",
                )
            anchor, cited = parse_anchor(found.published, "source"), source
        else:
            if published is None:
                raise InputError(
                    "the publication date is needed to read the article's dates",
                    Location(field="published"),
                    hint="give the day it was published, YYYY-MM-DD",
                )
            anchor = parse_anchor(published, "published")
            cited = source_id or (Path(file).stem if file else "")
            if not cited or len(cited) > 128:
                raise InputError(
                    "the drafts need a source id of 1 to 128 characters to cite", Location(field="source_id")
                )
        if text is None or not text.strip():
            raise InputError("the text is empty: nothing to draft from", Location(file=file, field="text"))
        if "\x00" in text:
            raise InputError("the text holds NUL characters: not an article", Location(file=file, field="text"))
        drafts = draft_text(text, anchor)
        if against:
            drafts = mark_known(drafts, cited, self.store.read())
        drafted = Drafted(cited, stream, tuple(drafts))
        for content in drafted.to_json():
            parse_event(content, DEFAULT_STREAM)  # a draft that does not fit the vocabulary is refused here
        return drafted
