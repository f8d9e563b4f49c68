"""Prints what commands found: aligned tables for people, one JSON document with --json."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

__all__ = ["echo_json", "echo_notes", "echo_table", "fit_widths", "is_terminal", "progress", "safe_text"]

# C0 controls but tab and newline, DEL, and the C1 controls (U+009B is a one-character CSI on some terminals)
_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0, 9), *range(11, 32), *range(127, 160)]}
# lone surrogates (from undecodable file names or arguments) cannot be written to a UTF-8 terminal
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(value: object) -> str:
    """Render a value for a terminal, escaping control characters so stored text cannot drive it."""
    if value is None:
        return ""
    shown = str(value).translate(_CONTROL)
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", shown)


def echo_json(document: Any) -> None:
    """Print one JSON document."""
    from service.words import json_text

    click.echo(json_text(document, indent=2))


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
