"""Prints what commands found: aligned tables for people, one JSON document with --json."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

__all__ = ["echo_json", "echo_notes", "echo_table", "fit_widths", "is_terminal", "progress", "safe_text"]

# what stored text must not bring to a terminal raw: the C0 controls (newline and tab too, or a stored string could
# forge a row or a line of its own), DEL and the C1 controls (U+009B is a one-character CSI on some terminals), the
# Unicode line and paragraph separators, the bidirectional controls (which reorder what a line shows) and the
# zero-width characters (which hide in it)
_ESCAPED = [
    *range(0, 32),
    *range(127, 160),
    0x061C,
    0x200B, 0x200C, 0x200D, 0x200E, 0x200F,
    0x2028, 0x2029,
    *range(0x202A, 0x202F),
    0x2060,
    *range(0x2066, 0x206A),
    0xFEFF,
]  # fmt: skip
_NAMED = {"\n": "\\n", "\t": "\\t"}
_CONTROL = {code: _NAMED.get(chr(code), f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}") for code in _ESCAPED}
_KEEP_NEWLINES = {**_CONTROL, ord("\n"): "\n"}
# lone surrogates (from undecodable file names or arguments) cannot be written to a UTF-8 terminal
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(value: object, *, keep_newlines: bool = False) -> str:
    """Render a value for a terminal: every character that could drive it or forge a line is escaped visibly.

    Newlines, tabs, control, bidirectional and zero-width characters come out as backslash escapes (n, t, x1b, u202e...)
    so a stored string stays on its own line and in its own cell. keep_newlines keeps the line breaks of a text
    shown whole as its lines (a source's text) and escapes the rest.
    """
    if value is None:
        return ""
    shown = str(value).translate(_KEEP_NEWLINES if keep_newlines else _CONTROL)
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", shown)


def echo_json(document: Any) -> None:
    """Print one JSON document, indented by two (plain JSON values, or a projection's view of one)."""
    from service.words import json_indented_parts

    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # a stream that takes text only
        click.echo(b"".join(json_indented_parts(document)).decode("utf-8"))
        return
    # bytes as they are made: the state of a million events is a hundred megabytes, never whole in memory
    sys.stdout.flush()
    for part in json_indented_parts(document):
        binary.write(part)
    binary.write(b"\n")
    binary.flush()


def echo_notes(notes: Sequence[str]) -> None:
    """Print what an answer means when the question reached outside the log, on standard error (JSON stays pure)."""
    for note in notes:
        click.secho(f"note: {safe_text(note)}", fg="yellow", err=True)


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, empty: str = "(nothing)") -> None:
    """Print rows as columns aligned under their headers, cut to the terminal's width when printing to one."""
    if not rows:
        click.echo(empty)
        return
    cells = [[safe_text(cell) for cell in row] for row in rows]
    widths = [max(len(header), *(len(row[i]) for row in cells)) for i, header in enumerate(headers)]
    if sys.stdout.isatty():  # piped output keeps every character
        import shutil  # loaded by the tables alone (2 ms of every start otherwise)

        widths = fit_widths(widths, shutil.get_terminal_size().columns)
    click.secho(
        "  ".join(_cut(header, width) for header, width in zip(headers, widths, strict=True)).rstrip(), bold=True
    )
    for row in cells:
        click.echo("  ".join(_cut(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())


def fit_widths(widths: Sequence[int], total: int, *, narrowest: int = 8) -> list[int]:
    """Narrow the widest columns, one character at a time, until the row (two spaces apart) fits in total."""
    fitted = list(widths)
    while sum(fitted) + 2 * (len(fitted) - 1) > total:
        widest = max(range(len(fitted)), key=lambda index: fitted[index])
        if fitted[widest] <= narrowest:
            break
        fitted[widest] -= 1
    return fitted


def _cut(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def is_terminal() -> bool:
    """Say whether standard error is a terminal (where progress bars belong)."""
    return sys.stderr.isatty()


@contextmanager
def progress(total: int, label: str, *, threshold: int = 0) -> Iterator[Callable[[int], None]]:
    """Yield a function advancing a progress bar on a terminal; silent when piped or when total is small."""
    if not is_terminal() or total <= threshold:
        yield lambda _n: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update
