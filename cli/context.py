"""What every command shares: the timeline (opened on first use), the exit codes, and the field-to-flag wording.

Below the doors, errors name fields (`as_of`, `sources[0].quote`); a command
built with `command()` words them as its own flags and arguments (`--as-of`,
`--quote`), so the message names what the user typed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from service.timeline import Timeline

__all__ = [
    "EXIT_INPUT",
    "EXIT_PROBLEM",
    "EXIT_UNAVAILABLE",
    "AppContext",
    "DoorCommand",
    "command",
    "flag_for",
    "pass_app",
]

EXIT_PROBLEM = 1  # the command ran and found a problem
EXIT_INPUT = 2  # bad input or usage; nothing written
EXIT_UNAVAILABLE = 3  # the database cannot be reached or is not initialised

_HEAD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class AppContext:
    """The database URL given with --db, who is recording, and, once a command needs it, the timeline on it."""

    def __init__(self, url: str | None, recorded_by: str | None = None) -> None:
        self._given_url = url
        self._recorded_by = recorded_by
        self._timeline: Timeline | None = None

    @property
    def timeline(self) -> Timeline:
        """The application on the log named by --db, else DTL_DATABASE_URL, else ./timeline.db."""
        if self._timeline is None:
            from service.timeline import Timeline

            self._timeline = Timeline(self._given_url, recorded_by=self._recorded_by or _login_name())
        return self._timeline

    def answered(self) -> None:
        """Send the printed answer on, then do what waited for it (saving the caches)."""
        if self._timeline is not None:
            sys.stdout.flush()
            self._timeline.save_caches()

    def close(self) -> None:
        """Release the database connections."""
        if self._timeline is not None:
            self._timeline.close()


def _login_name() -> str | None:
    """Return the name this process runs as: who appends, when neither --by nor DTL_RECORDED_BY says."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no password entry (a bare container)
        return None


pass_app = click.make_pass_decorator(AppContext)

# a command's own words for fields its parameters do not name alike: a fixed word or a function of the field
FieldWords = Mapping[str, str | Callable[[str], str]]


def flag_for(field: str, command: click.Command, words: FieldWords) -> str:
    """Return the flag or argument of `command` that supplied a field (`as_of` -> `--as-of`), else the field."""
    match = _HEAD.match(field)
    head = match.group() if match else field
    rest = field[len(head) :]
    own = words.get(head)
    if own is not None:
        return own(field) if callable(own) else own + rest
    for parameter in command.params:
        if isinstance(parameter, click.Argument):
            if parameter.name == head:
                return (parameter.metavar or head.upper()).strip("[]").rstrip(".") + rest
        elif head == parameter.name or f"--{head.replace('_', '-')}" in parameter.opts:
            long = [opt for opt in parameter.opts if opt.startswith("--")]
            return (long or parameter.opts)[0] + rest
    return field


# hints in the command line's own words, where the one from below the door can name a command to run
_DOOR_HINTS = {
    ("NotFound", "source_id"): "see `dtl source list`",
    ("NotFound", "sources"): "register it first with `dtl source add` (see `dtl source list`)",
    ("InputError", "recorded_by"): "give --by NAME or DTL_RECORDED_BY (by default, the login name)",
    ("InputError", "database_url"): "give --db or DTL_DATABASE_URL as sqlite:///path/to/timeline.db or"
    " postgresql+psycopg://user@host/db (postgresql:// is read as postgresql+psycopg://)",
}


def _door_hint(error: Exception, head: str) -> str | None:
    for kind in type(error).__mro__:
        hint = _DOOR_HINTS.get((kind.__name__, head))
        if hint is not None:
            return hint
    return None


class DoorCommand(click.Command):
    """A command whose input errors name its own flags and arguments instead of the fields below the door."""

    def __init__(self, *args: Any, field_words: FieldWords | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_words: FieldWords = field_words or {}

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; reword an input error's field as this command's flag or argument."""
        from errors import InputError, Location

        try:
            return super().invoke(ctx)
        except InputError as error:
            field = error.location.field
            if field is None:
                raise
            worded = flag_for(field, self, self.field_words)
            match = _HEAD.match(field)
            hint = _door_hint(error, match.group() if match else field)
            if worded == field and hint is None:
                raise
            location = Location(error.location.file, error.location.line, worded)
            raise error.placed(location, hint=hint) from None


def command(
    name: str | None = None, *, field_words: FieldWords | None = None, **kwargs: Any
) -> Callable[[Callable[..., Any]], DoorCommand]:
    """Declare a `dtl` command whose errors are worded with its own flags."""
    return click.command(name, cls=DoorCommand, field_words=field_words, **kwargs)
