"""Prints what commands found: aligned tables for people, one JSON document with --json."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

__all__ = ["echo_json", "echo_table", "is_terminal", "progress", "safe_text"]

_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0, 9), *range(11, 32), 127]}


def safe_text(value: object) -> str:
    """Render a value for a terminal, escaping control characters so stored text cannot drive it."""
    return "" if value is None else str(value).translate(_CONTROL)


def echo_json(document: Any) -> None:
    """Print one JSON document."""
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, empty: str = "(nothing)") -> None:
    """Print rows as columns aligned under their headers."""
    if not rows:
        click.echo(empty)
        return
    cells = [[safe_text(cell) for cell in row] for row in rows]
    widths = [max(len(header), *(len(row[i]) for row in cells)) for i, header in enumerate(headers)]
    click.secho(
        "  ".join(header.ljust(width) for header, width in zip(headers, widths, strict=True)).rstrip(), bold=True
    )
    for row in cells:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


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
