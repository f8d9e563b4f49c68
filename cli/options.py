"""The options many commands share, spelled once: --as-of, --known-at, --stream, --json, and a window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from service.queries import DEFAULT_STREAM

__all__ = ["as_of_option", "json_option", "known_at_option", "stream_option", "window_options"]

_F = TypeVar("_F", bound=Callable[..., Any])

DATE_HELP = "EDTF date (2025-03-17, 2025-03, 2025); a coarse date means its last day."


def as_of_option(help_text: str = f"Valid time (default: today). {DATE_HELP}") -> Callable[[_F], _F]:
    """--as-of DATE: the day the question is about (valid time)."""
    return click.option("--as-of", "as_of", help=help_text)


def known_at_option(function: _F) -> _F:
    """--known-at K: what the log held at a position, or a date or timestamp (transaction time)."""
    return click.option("--known-at", help="Transaction time: a log position, or a date or timestamp (UTC).")(function)


def stream_option(
    help_text: str = "The stream to replay.", *, default: str | None = DEFAULT_STREAM
) -> Callable[[_F], _F]:
    """--stream NAME, with the default stream shown unless the command says otherwise."""
    return click.option("--stream", default=default, show_default=default is not None, help=help_text)


def json_option(help_text: str = "Print JSON.") -> Callable[[_F], _F]:
    """--json: print the answer's document instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help=help_text)


def window_options(function: _F) -> _F:
    """--stream, --from, --to and --known-at: the part of a stream a report or chart shows."""
    options = [
        stream_option("The stream to show."),
        click.option(
            "--from",
            "start",
            help="Start the charts and the timeline on this day. EDTF date (2025-03-17, 2025-03, 2025).",
        ),
        click.option(
            "--to",
            "end",
            help="Show the log as of this day (default: its last event). EDTF date (2025-03-17, 2025-03, 2025).",
        ),
        known_at_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function
