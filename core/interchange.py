"""Reads JSON Lines of events into validated events, naming file, line and field on bad input.

The input arrives as bytes in pieces of any size (a file read in blocks, a
request body as it streams in); `split_lines` cuts it into lines and refuses a
line longer than DTL_MAX_LINE bytes as soon as it grows past that, so an
endless line costs no more memory than the cap.

Parsing and validating a line costs more than storing it, so a long input is
parsed by worker processes in chunks of lines while this process checks and
stores the chunks already parsed, in order. The first bad line stops it all
with the same error as the sequential path; nothing is stored (the store's
transaction rolls back).

Each line is tried first by core.fast_decoder (msgspec, 2-3 times faster); only
a line it declines reaches the JSON layer and the pydantic models, so every
refusal is still worded by them.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from functools import cache
from sys import intern
from typing import TYPE_CHECKING, Any

import orjson

from core.config import resolve_max_line
from core.lines import REGISTRATION_PREFIX, Located, PreparedLines
from core.mapper import iso_bounds
from core.workers import WorkerPool, shared, worker_pool, worker_processes
from errors import InputError, Location, WorkerDied
from events import KINDS, NewEvent, SourceText, source_text

if TYPE_CHECKING:
    from core.fast_decoder import RowParts

__all__ = ["Reader", "check_values", "event_from_object", "parse_json", "read_jsonl", "split_lines"]

_MAX_DEPTH = 32


def _depth(value: object, limit: int) -> int:
    """Return how deeply a JSON value nests, stopping once past `limit`."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        return 1 + max((_depth(item, limit - 1) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item, limit - 1) for item in value), default=0)
    return 0


class _OutOfRange:
    """A number JSON can spell but no field can hold: NaN, an infinity, thousands of digits."""

    def __init__(self, spelled: str) -> None:
        self.spelled = spelled if len(spelled) <= 24 else f"{spelled[:12]}…({len(spelled):,} characters)"


def _integer(spelled: str) -> int | _OutOfRange:
    try:
        return int(spelled)
    except ValueError:  # past Python's limit on digits
        return _OutOfRange(spelled)


def _real(spelled: str) -> float | _OutOfRange:
    value = float(spelled)
    return value if math.isfinite(value) else _OutOfRange(spelled)


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _bad_value(value: object, path: str = "") -> tuple[str, str] | None:
    """Return the path and the problem of the first value no field can hold, or None."""
    if isinstance(value, _OutOfRange):
        return path, f"the number {value.spelled} is out of range"
    if isinstance(value, str):
        if "\x00" in value:
            return path, "the text contains a NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return path, f"the text contains a lone surrogate ({value[error.start]!r}), which is not Unicode"
        return None
    if isinstance(value, dict):
        items: Iterable[tuple[str | int, object]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _bad_value(key, _path(path, key)) if isinstance(key, str) else None
        found = found or _bad_value(item, _path(path, key))
        if found is not None:
            return found
    return None


def _located(location: Location, path: str) -> Location:
    """Place a value's path under the location's field (the flag or field the JSON came from)."""
    field: str | None = location.field or path or None
    if location.field and path:
        field = f"{location.field}{path}" if path.startswith("[") else f"{location.field}.{path}"
    return Location(location.file, location.line, field)


def _refused(text: str, error: orjson.JSONDecodeError, location: Location) -> InputError:
    """Explain JSON that orjson refused; what the standard parser tolerates is named by its field."""
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_real, parse_constant=_OutOfRange)
    except RecursionError:
        return InputError("the JSON nests too deeply", location)
    except ValueError:
        return InputError(f"malformed JSON: {error.msg} (column {error.colno})", location)
    if _depth(value, _MAX_DEPTH) > _MAX_DEPTH:
        return InputError(f"the JSON nests more than {_MAX_DEPTH} levels deep", location)
    found = _bad_value(value)
    if found is None:
        return InputError(f"malformed JSON: {error.msg} (column {error.colno})", location)
    path, problem = found
    return InputError(problem, _located(location, path))


def check_values(value: object, location: Location) -> None:
    """Raise InputError naming the field of the first value no field can hold (a NUL, a lone surrogate)."""
    found = _bad_value(value)
    if found is not None:
        path, problem = found
        raise InputError(problem, _located(location, path))


def parse_json(text: str, location: Location) -> Any:
    """Parse one JSON text, or raise InputError at `location` naming the field of a value no field can hold.

    Refused: malformed JSON, nesting deeper than 32 levels, NaN and infinities, numbers of
    thousands of digits, NUL characters and lone surrogates in text.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise _refused(text, error, location) from None
    # only a text with that many brackets can nest that deep: skip the walk for the rest
    if text.count("{") + text.count("[") > _MAX_DEPTH and _depth(value, _MAX_DEPTH) > _MAX_DEPTH:
        raise InputError(f"the JSON nests more than {_MAX_DEPTH} levels deep", location)
    # orjson refuses the rest itself; a NUL can only come from an escape
    if "\\u0000" in text:
        check_values(value, location)
    return value


def split_lines(pieces: Iterable[bytes], file: str, *, limit: int) -> Iterator[bytes]:
    """Yield the lines of a byte stream given in pieces of any size, each without its newline.

    A line longer than `limit` bytes (its newline not counted) raises InputError at its file and line
    as soon as it is seen, reading no further: at most `limit` bytes of a line and one piece are
    held, so the pieces should be bounded (a file read in blocks, a request body as it arrives).
    The last line needs no newline; an empty input has no lines.
    """
    number = 0
    unended: list[bytes] = []  # the pieces of the line not ended yet
    held = 0
    for piece in pieces:
        lines = piece.split(b"\n")
        if len(lines) > 1:
            if unended:
                lines[0] = b"".join([*unended, lines[0]])
                unended, held = [], 0
            for line in itertools.islice(lines, len(lines) - 1):
                number += 1
                if len(line) > limit:
                    raise _too_long(file, number, limit)
                yield line
        if lines[-1]:
            unended.append(lines[-1])
            held += len(lines[-1])
            if held > limit:
                raise _too_long(file, number + 1, limit)
    if unended:
        yield b"".join(unended)


def _too_long(file: str, number: int, limit: int) -> InputError:
    return InputError(
        f"the line is longer than {limit:,} bytes, the most one line may hold",
        Location(file, number),
        hint="one line holds one event; for longer lines, raise DTL_MAX_LINE (a number of bytes, such as 64MiB)",
    )


def _parse_line(raw: bytes, file: str, number: int, default_stream: str) -> Located | None:
    location = Location(file, number)
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte-order mark, as some editors write
    # the fast decoder first: a line it accepts is valid UTF-8, one JSON object, with no NUL (msgspec refuses
    # raw control characters); what it does not accept, the checks below, the JSON layer and the pydantic
    # models judge and explain, as they would have without it
    event = _fast_decoder()(raw, default_stream)
    if event is not None:
        return Located(event, location)
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not valid UTF-8 (byte {error.start + 1})", location) from None
    if not line.strip():
        return None
    if "\x00" in line:
        raise InputError("the line contains a NUL character", location)
    return event_from_object(parse_json(line, location), location, default_stream)


@cache
def _fast_decoder() -> Callable[[bytes, str], NewEvent | None]:
    """Load the fast decoder (msgspec) on the first line read: commands that only read never pay for it."""
    from core.fast_decoder import decode_event

    return decode_event


def event_from_object(obj: object, location: Location, default_stream: str) -> Located:
    """Validate one interchange JSON object; raise InputError naming its first bad field."""
    from events import EventValidationError, parse_event  # validation (pydantic) only where reading input

    try:
        event = parse_event(obj, default_stream)
    except EventValidationError as error:
        problem = error.problems[0]
        raise InputError(problem.message, Location(location.file, location.line, problem.field)) from None
    return Located(event, location)


# The most lines an input may hold to be parsed here, with no workers: a short input is done before they
# would be ready (medians of alternating runs against 5,000: 1,500 lines 0.41 s to 0.38 s, 10,000 lines
# 0.61 s to 0.55 s, 100,000 lines on PostgreSQL 2.09 s to 2.06 s). A longer one goes to workers from its
# first line, so that every line of it is prepared (the first thousand checked here one by one cost an
# import of 100,000 lines into SQLite about 40 ms).
PARALLEL_AFTER = 1_000
# Lines a worker parses per task (a worker holds two tasks at a time, bounding memory on any input).
CHUNK_LINES = 2_000
# Whether this process parses chunks too when the workers are behind (rather than wait for them).
HELP_WORKERS = True

_Numbered = tuple[int, bytes]
_Chunk = tuple[list[_Numbered], str, str, bool]  # numbered lines, file, default stream, whether to prepare
# (line number, None, then NewEvent's fields in order) or laid out as core.store.PreparedEvent (a line
# number, then the prepared fields): plain tuples cross process boundaries cheaply
_ParsedLine = tuple[Any, ...]
# The types never prepared: they change what the checks of later events read (sources, amendments).
_UNPREPARED = frozenset(("source.registered", "event.corrected", "event.retracted"))
_SCHEMA_VERSIONS = {name: kind.schema_version for name, kind in KINDS.items()}


class _QuoteTexts:
    """The stored texts by source id, each hashed and made ready for quotes to be looked for the first time one is.

    Readying all of them before the first line cost an import about 40 ms (300 texts), spent in this process
    before its workers started, and mostly on texts that a short import never quotes.
    """

    __slots__ = ("_ready", "_stored")

    def __init__(self, stored: Mapping[str, str]) -> None:
        self._stored = stored
        self._ready: dict[str, tuple[str, SourceText]] = {}

    def get(self, source_id: str) -> tuple[str, SourceText] | None:
        """Return the sha256 and searchable text of a source's stored text, or None when it has none."""
        ready = self._ready.get(source_id)
        if ready is None:
            stored = self._stored.get(source_id)
            if stored is None:
                return None
            ready = self._ready[source_id] = (hashlib.sha256(stored.encode("utf-8")).hexdigest(), source_text(stored))
        return ready


# the refused line's reason, line number, field and hint
_Refusal = tuple[str, int | None, str | None, str | None]
# Lines a long input's first task holds when the caller has work of its own to do before it asks for the
# events (Reader's `ahead`): the workers parse them meanwhile, and look for their quotes once the stored
# texts come. `dtl import` loads SQLAlchemy, opens the log and takes the write lock meanwhile: about a fifth
# of a second, in which a worker parses about this many lines.
FIRST_TASK_LINES = 16_000
# The name the stored texts are shared with the workers under (WorkerPool.share).
_TEXTS = "texts"


class Reader:
    """An input's lines as events, in order (see read_jsonl); a long input's workers start when it is entered.

    Use it in a `with` block, which stops the workers when left, and take the events from `events()`:

        with Reader(lines, "log.jsonl", "main", prepare=True, ahead=True) as reader:
            ...  # the workers parse meanwhile
            for item in reader.events(quote_texts): ...

    ahead: the caller has work of its own to do between entering and asking for the events, so the
    first task is FIRST_TASK_LINES long (otherwise CHUNK_LINES, like the others).
    """

    def __init__(
        self,
        pieces: Iterable[bytes],
        file: str,
        default_stream: str,
        *,
        workers: int | None = None,
        prepare: bool = False,
        ahead: bool = False,
    ) -> None:
        self.file, self.default_stream, self.prepare, self.ahead = file, default_stream, prepare, ahead
        self._too_long: list[InputError] = []
        self._numbered: Iterator[_Numbered] = enumerate(
            _until_refused(split_lines(pieces, file, limit=resolve_max_line()), self._too_long), start=1
        )
        self._workers = worker_processes(beside_this_one=True) if workers is None else workers
        self._stack = ExitStack()
        self._pool: WorkerPool | None = None
        self._answers: Iterator[tuple[list[_ParsedLine], _Refusal | None]] = iter(())
        # the chunks handed out and not yet answered, oldest first: a prepared line's raw bytes stay here
        self._sent: deque[list[_Numbered]] = deque()
        self._texts = _QuoteTexts({})  # where this process looks for quotes when it parses a chunk itself

    def __enter__(self) -> Reader:
        if self._workers >= 1:
            head = list(itertools.islice(self._numbered, PARALLEL_AFTER + 1))
            self._numbered = itertools.chain(head, self._numbered)
            if len(head) > PARALLEL_AFTER:  # a long input: the workers take it from its first line on
                try:
                    self._start()
                except BaseException as error:
                    self._stack.__exit__(type(error), error, error.__traceback__)
                    raise
        return self

    def __exit__(self, *raised: Any) -> None:
        self._stack.__exit__(*raised)

    @property
    def long(self) -> bool:
        """Whether the input is long: more than PARALLEL_AFTER lines, read by worker processes."""
        return self._pool is not None

    def _start(self) -> None:
        lines = self._numbered
        first = list(itertools.islice(lines, FIRST_TASK_LINES if self.ahead else CHUNK_LINES))
        chunks = itertools.chain([first], iter(lambda: list(itertools.islice(lines, CHUNK_LINES)), []))
        try:
            self._pool = pool = self._stack.enter_context(worker_pool(self._workers, _forget_texts))
            # this process looks for quotes in the texts readied here, as it comes to them
            here = self._parse_here if HELP_WORKERS else None
            self._answers = pool.imap(_parse_chunk, self._tasks(chunks), _described, here=here)
        except WorkerDied as died:
            raise _nothing_written(died) from None

    def _tasks(self, chunks: Iterator[list[_Numbered]]) -> Iterator[_Chunk]:
        for chunk in chunks:
            self._sent.append(chunk)
            yield chunk, self.file, self.default_stream, self.prepare

    def _parse_here(self, task: _Chunk) -> tuple[list[_ParsedLine], _Refusal | None]:
        return _parse_chunk_with(task, lambda: self._texts)

    def events(self, quote_texts: Callable[[], Mapping[str, str]] | None = None) -> Iterator[Located | PreparedLines]:
        """Yield each line's event with its location, in order (see read_jsonl); raise InputError at the first bad line.

        quote_texts: the stored texts by source id, read now, when the workers are told them.
        """
        if self._pool is not None:
            stored = quote_texts() if self.prepare and quote_texts is not None else {}
            self._texts = _QuoteTexts(stored)
            self._pool.share(_TEXTS, stored)
            reparse = functools.partial(_reparsed, self.file, self.default_stream)
            try:
                for result in self._answers:
                    yield from _unpacked(result, self._sent.popleft(), self.file, reparse)
            except WorkerDied as died:
                raise _nothing_written(died) from None
        else:  # a short input (or the whole of it, without workers) is parsed here
            for number, raw in self._numbered:
                located = _parse_line(raw.rstrip(b"\r"), self.file, number, self.default_stream)
                if located is not None:
                    yield located
        if self._too_long:  # every line before it was good
            raise self._too_long[0]


def _nothing_written(died: WorkerDied) -> WorkerDied:
    """Say of a worker's death while reading that the import wrote nothing (its transaction rolls back)."""
    return WorkerDied(f"{died}; nothing was written")


def read_jsonl(
    pieces: Iterable[bytes],
    file: str,
    default_stream: str,
    *,
    workers: int | None = None,
    prepare: bool = False,
    quote_texts: Callable[[], Mapping[str, str]] | None = None,
) -> Iterator[Located | PreparedLines]:
    """Yield each line's event with its location, in order; raise InputError at the first bad line.

    pieces: the input's bytes in pieces of any size (lines, or blocks of a file; see split_lines),
    lines at most DTL_MAX_LINE bytes long. An input longer than PARALLEL_AFTER lines is parsed by `workers`
    processes (default: one per usable core but this one, at most four) while this one checks
    and stores (parsing a chunk itself, too, whenever it would otherwise wait for them). With
    `prepare`, the workers also cut each ordinary event's canonical body and look for its quotes
    in the texts `quote_texts()` gives by source id (the stored texts, read when the workers
    are told them): those lines come in runs, as PreparedLines, for the store to splice, hash and
    insert. (Reader starts the workers before the events are asked for.)
    """
    with Reader(pieces, file, default_stream, workers=workers, prepare=prepare) as reader:
        yield from reader.events(quote_texts)


def _until_refused(lines: Iterator[bytes], refusals: list[InputError]) -> Iterator[bytes]:
    """Yield the lines until one is refused, keeping its error for after the lines before it are checked."""
    try:
        yield from lines
    except InputError as refusal:
        refusals.append(refusal)


# In a worker process: the stored texts its tasks look for quotes in, once the parent has shared them.
_worker_texts: _QuoteTexts | None = None


def _forget_texts() -> None:
    """Start a worker with no texts known (a fork copies those of the process it came from)."""
    global _worker_texts
    _worker_texts = None


def _shared_texts() -> _QuoteTexts:
    """Return the stored texts in a worker, waiting for the parent to share them."""
    global _worker_texts
    if _worker_texts is None:
        _worker_texts = _QuoteTexts(shared(_TEXTS))
    return _worker_texts


def _reparsed(file: str, default_stream: str, raw: bytes, line: int) -> Located:
    located = _parse_line(raw.rstrip(b"\r"), file, line, default_stream)
    assert located is not None  # it was prepared: it is not blank
    return located


def _described(task: _Chunk) -> str:
    chunk, file = task[0], task[1]
    return f"parsing lines {chunk[0][0]}-{chunk[-1][0]} of {file}"


def _parse_chunk(task: _Chunk) -> tuple[list[_ParsedLine], _Refusal | None]:
    """Parse numbered lines in a worker (preparing the ordinary events when asked); stop at the first bad one."""
    return _parse_chunk_with(task, _shared_texts)


def _parse_chunk_with(task: _Chunk, texts: Callable[[], _QuoteTexts]) -> tuple[list[_ParsedLine], _Refusal | None]:
    """Parse numbered lines, then look for the quotes of those prepared in texts(); stop at the first bad line.

    The quotes come last: a worker started before the stored texts are shared parses meanwhile.
    """
    chunk, file, default_stream, prepare = task
    parsed: list[Any] = []
    refusal: _Refusal | None = None
    prepared: list[int] = []  # where the lines prepared are in `parsed`, as (number, row parts) until their quotes
    row_parts = _row_parts() if prepare else None
    for number, raw in chunk:
        raw = raw.rstrip(b"\r")
        if row_parts is not None:
            # an ordinary event's row made straight from the line; what this declines is parsed as below
            parts = row_parts(raw, default_stream)
            if parts is not None and parts.type not in _UNPREPARED and _preparable(parts.id):
                prepared.append(len(parsed))
                parsed.append((number, parts))
                continue
        try:
            located = _parse_line(raw, file, number, default_stream)
        except InputError as error:
            refusal = (error.reason, error.location.line, error.location.field, error.hint)
            break
        if located is not None:
            parsed.append((number, None, *located.event))
    if prepared:
        known = texts()
        for index in prepared:
            number, parts = parsed[index]
            parsed[index] = _prepared(parts, number, known)
    return parsed, refusal


@cache
def _row_parts() -> Callable[[bytes, str], RowParts | None]:
    from core.fast_decoder import row_parts

    return row_parts


def _preparable(event_id: str) -> bool:
    """Whether an id may be prepared: the full checks refuse a reserved one, or one holding NUL, and say why."""
    return not event_id.startswith(REGISTRATION_PREFIX) and "\x00" not in event_id


def _prepared(parts: RowParts, number: int, texts: _QuoteTexts) -> _ParsedLine:
    """Return an ordinary event's row parts laid out as PreparedEvent, with where its quotes were found."""
    event_id = parts.id
    earliest, latest = iso_bounds(parts.occurred)
    sources = []
    for source_id, quote in parts.sources:
        found_in = None
        if quote is not None:
            text = texts.get(source_id)
            found_in = None if text is None else _found_in(text, quote)
        sources.append((intern(source_id), quote is not None, found_in))
    # the strings events share are interned: the answer's pickle then holds each once (and is read back faster)
    return (
        number,
        event_id,
        parts.type,
        intern(parts.stream),
        intern(parts.occurred),
        earliest,
        latest,
        parts.actor,
        _SCHEMA_VERSIONS[parts.type],
        tuple(sources),
        parts.head,
        parts.middle,
        parts.tail,
    )


# Whether a quote was found in a text, by (the text's sha256, quote): several events often cite one passage.
_found: dict[tuple[str, str], bool] = {}
_FOUND_KEPT = 100_000


def _found_in(stored: tuple[str, SourceText], quote: str) -> str | None:
    """Return the sha256 of a stored text (as _QuoteTexts gives it) if the quote is found in it, else None."""
    digest, text = stored
    key = (digest, quote)
    found = _found.get(key)
    if found is None:
        if len(_found) >= _FOUND_KEPT:
            _found.clear()
        found = _found[key] = text.contains(quote)
    return digest if found else None


def _unpacked(
    result: tuple[list[_ParsedLine], _Refusal | None],
    chunk: list[_Numbered],
    file: str,
    reparse: Callable[[bytes, int], Located],
) -> Iterator[Located | PreparedLines]:
    parsed, refusal = result
    run: list[_ParsedLine] = []  # consecutive prepared lines
    for entry in parsed:
        if entry[1] is not None:
            run.append(entry)
            continue
        if run:
            yield PreparedLines(run, chunk, reparse)
            run = []
        yield Located(NewEvent(*entry[2:]), Location(file, entry[0]))
    if run:
        yield PreparedLines(run, chunk, reparse)
    if refusal is not None:
        reason, line, field, hint = refusal
        raise InputError(reason, Location(file, line, field), hint=hint)
