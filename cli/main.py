"""The `dtl` command: builds the store once, runs a subcommand, maps errors onto exit codes.

Heavy modules (SQLAlchemy, pydantic, the projections) are imported inside the
commands that need them, so `dtl --help` starts fast.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from core import EventStore

__all__ = ["AppContext", "main"]

EXIT_PROBLEM = 1  # the command ran and found a problem
EXIT_INPUT = 2  # bad input or usage; nothing written
EXIT_UNAVAILABLE = 3  # the database cannot be reached or is not initialised


class AppContext:
    """What every command shares: the database URL and, once opened, the store."""

    def __init__(self, url: str | None) -> None:
        self._given_url = url
        self._store: EventStore | None = None

    @property
    def url(self) -> str:
        """The database URL in force: --db, else DTL_DATABASE_URL, else ./timeline.db."""
        from core import resolve_database_url

        return resolve_database_url(self._given_url)

    def store(self, *, create: bool = False) -> EventStore:
        """Open the store on first use."""
        if self._store is None:
            from core import EventStore

            self._store = EventStore.open(self.url, create=create)
        return self._store

    def close(self) -> None:
        """Release the store's connections."""
        if self._store is not None:
            self._store.close()


def _fail(message: str, hint: str | None, code: int) -> NoReturn:
    from core import mask_urls

    click.secho(f"error: {mask_urls(message)}", fg="red", err=True)
    if hint:
        click.echo(f"hint: {mask_urls(hint)}", err=True)
    sys.exit(code)


class _TimelineGroup(click.Group):
    """A group that lists commands in the order a new user needs them and maps errors to exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # registration order: the order a new user needs them

    def invoke(self, ctx: click.Context) -> Any:
        from core.errors import ConflictError, InputError, StoreUnavailable, TimelineError

        try:
            return super().invoke(ctx)
        except InputError as error:
            _fail(str(error), error.hint, EXIT_INPUT)
        except ConflictError as error:
            _fail(str(error), error.hint, EXIT_PROBLEM)
        except StoreUnavailable as error:
            _fail(str(error), error.hint, EXIT_UNAVAILABLE)
        except TimelineError as error:
            _fail(str(error), error.hint, EXIT_PROBLEM)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (`dtl log | head`): not an error
            sys.exit(0)
        except Exception as error:
            if os.environ.get("DTL_DEBUG"):
                raise
            _fail(
                f"unexpected {type(error).__name__}: {error}",
                "this is a bug in dtl; run again with DTL_DEBUG=1 for the traceback and report it",
                EXIT_PROBLEM,
            )


@click.group(cls=_TimelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "url",
    metavar="URL",
    help="Database URL (default: $DTL_DATABASE_URL, else sqlite:///timeline.db).",
)
@click.version_option(package_name="diplomatic-timeline")
@click.pass_context
def main(ctx: click.Context, url: str | None) -> None:
    """Diplomatic Timeline: who had promised what, as of which date, and says who.

    Start with `dtl init`, register your articles with `dtl source add`, then
    record what they report with `dtl append` or `dtl import`.
    """
    app = AppContext(url)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register() -> None:
    from cli import log_commands, replay_commands, source_commands

    main.add_command(log_commands.init)
    main.add_command(source_commands.source)
    main.add_command(log_commands.append)
    main.add_command(log_commands.import_events)
    main.add_command(replay_commands.state)
    main.add_command(replay_commands.count)
    main.add_command(replay_commands.timeline)
    main.add_command(replay_commands.diff)
    main.add_command(replay_commands.history)
    main.add_command(log_commands.log)
    main.add_command(log_commands.verify)
    main.add_command(log_commands.export)


_register()
