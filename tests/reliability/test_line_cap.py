"""An input line longer than DTL_MAX_LINE bytes is refused as soon as it grows past the cap, never held whole.

An endless line (a file like /dev/zero, a stream that never sends a newline) costs no more memory
than the cap: the reader refuses it after reading about that many bytes, naming the file and line.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import DEFAULT_STREAM, InputError, interchange, read_jsonl
from core.interchange import split_lines
from tests.reliability.conftest import assert_no_traceback, dump_database, events_file, invoke
from tests.support import ROOT

CAP = 4096
_BLOCK = 64 * 1024


def _source_line(index: int, size: int | None = None) -> bytes:
    """A source registration (valid in an empty log) as one JSON line, padded with spaces to `size` bytes."""
    line = json.dumps(
        {
            "id": f"source:s-{index}",
            "type": "source.registered",
            "stream": "sources",
            "occurred": "2025-03-10",
            "data": {
                "source_id": f"s-{index}",
                "publisher": "Test wire",
                "published": "2025-03-10",
                "sha256": "ab" * 32,
            },
        }
    ).encode()
    return line if size is None else line + b" " * (size - len(line))


@pytest.fixture
def empty_log(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    assert invoke(url, "init").exit_code == 0
    return url


class _Endless:
    """Blocks of NUL bytes without end, counting how many bytes were taken."""

    def __init__(self, before: list[bytes] | None = None) -> None:
        self.before = before or []
        self.taken = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self.before:
            self.taken += len(line)
            yield line
        while True:
            self.taken += _BLOCK
            yield b"\0" * _BLOCK


def test_a_line_one_byte_over_the_cap_exits_2_naming_file_and_line_and_writes_nothing(
    empty_log: str, tmp_path: Path
) -> None:
    path = events_file(tmp_path / "long.jsonl", [_source_line(1), _source_line(2, CAP + 1), _source_line(3)])
    before = dump_database(empty_log)
    result = invoke(empty_log, "import", str(path), env={"DTL_MAX_LINE": str(CAP)})
    assert result.exit_code == 2, result.output
    assert f"error: {path}:2: the line is longer than 4,096 bytes" in result.output
    assert "DTL_MAX_LINE" in result.output
    assert_no_traceback(result.output)
    assert dump_database(empty_log) == before


def test_lines_of_exactly_the_cap_import(empty_log: str, tmp_path: Path) -> None:
    path = events_file(tmp_path / "full.jsonl", [_source_line(index, CAP) for index in range(3)])
    result = invoke(empty_log, "import", str(path), env={"DTL_MAX_LINE": "4K"})
    assert result.exit_code == 0, result.output
    assert "imported 3 events" in result.output


@pytest.mark.parametrize("given", ["lots", "0", "-5", "1.5M"])
def test_a_cap_that_is_not_a_number_of_bytes_exits_2_naming_the_setting(
    empty_log: str, tmp_path: Path, given: str
) -> None:
    path = events_file(tmp_path / "one.jsonl", [_source_line(1)])
    result = invoke(empty_log, "import", str(path), env={"DTL_MAX_LINE": given})
    assert result.exit_code == 2, result.output
    assert "DTL_MAX_LINE" in result.output
    assert "is not a number of bytes" in result.output


@pytest.mark.parametrize("piece", [1, 7, CAP, CAP + 1, 100_000])
def test_lines_are_the_same_however_the_input_is_cut(piece: int) -> None:
    data = b"".join(_source_line(index, size) + b"\n" for index, size in enumerate([None, CAP, 10, None]))
    data += b"\r\nlast"
    pieces = [data[start : start + piece] for start in range(0, len(data), piece)]
    assert list(split_lines(pieces, "cut.jsonl", limit=CAP)) == data.split(b"\n")


@pytest.mark.parametrize("workers", [0, 2])
def test_an_endless_line_is_refused_after_reading_about_the_cap(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setenv("DTL_MAX_LINE", "1MiB")
    monkeypatch.setattr(interchange, "PARALLEL_AFTER", 10)
    monkeypatch.setattr(interchange, "CHUNK_LINES", 7)
    endless = _Endless([_source_line(index) + b"\n" for index in range(40)])
    with pytest.raises(InputError) as refused:
        list(read_jsonl(endless, "endless.jsonl", DEFAULT_STREAM, workers=workers))
    assert refused.value.location == ("endless.jsonl", 41, None)
    assert "longer than 1,048,576 bytes" in str(refused.value)
    assert endless.taken < 2 * 1024 * 1024 + _BLOCK


def test_workers_report_an_earlier_bad_line_before_a_later_overlong_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DTL_MAX_LINE", str(CAP))
    monkeypatch.setattr(interchange, "PARALLEL_AFTER", 10)
    monkeypatch.setattr(interchange, "CHUNK_LINES", 7)
    lines = [_source_line(index) + b"\n" for index in range(40)]
    lines[24] = b"not json\n"
    lines[30] = b"x" * (CAP + 1) + b"\n"
    for workers in (0, 2):
        with pytest.raises(InputError) as refused:
            list(read_jsonl(lines, "events.jsonl", DEFAULT_STREAM, workers=workers))
        assert refused.value.location.line == 25
        assert "malformed JSON" in str(refused.value)


def _limit_memory() -> None:
    # a regression that holds the endless line fails on this limit instead of filling the machine's memory
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def _feed_zeros(fifo: Path, stop: threading.Event, written: list[int]) -> None:
    """Write NUL bytes into the FIFO until its reader goes away (or `stop` is set)."""
    while not stop.is_set():  # open without blocking, so that a reader that never comes cannot hang this thread
        try:
            descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as error:
            if error.errno != errno.ENXIO:
                raise
            time.sleep(0.01)
    else:
        return
    os.set_blocking(descriptor, True)
    block = b"\0" * _BLOCK
    try:
        while not stop.is_set():
            written[0] += os.write(descriptor, block)
    except BrokenPipeError:
        pass  # the reader refused the line and closed its end
    finally:
        os.close(descriptor)


def test_importing_an_endless_stream_of_zeros_exits_2_and_the_writer_stops(empty_log: str, tmp_path: Path) -> None:
    fifo = tmp_path / "zeros.jsonl"
    os.mkfifo(fifo)
    stop, written = threading.Event(), [0]
    writer = threading.Thread(target=_feed_zeros, args=(fifo, stop, written), daemon=True)
    writer.start()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DTL_")}
    try:
        process = subprocess.run(
            [sys.executable, "-m", "cli", "--db", empty_log, "import", str(fifo)],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=_limit_memory,
            check=False,
        )
    finally:
        stop.set()
        writer.join(timeout=10)
    assert process.returncode == 2, process.stderr
    assert f"error: {fifo}:1: the line is longer than 16,777,216 bytes" in process.stderr
    assert_no_traceback(process.stdout, process.stderr)
    assert not writer.is_alive()
    assert written[0] < 64 * 1024 * 1024  # the default cap, the pipe's buffer and the blocks read ahead
