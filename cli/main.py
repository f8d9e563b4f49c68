"""The `dtl` command: builds the application once, runs a subcommand, maps the error tree onto exit codes.

Heavy modules (SQLAlchemy, pydantic, the projections) are imported inside the
commands that need them, so `dtl --help` starts fast. Command modules import
cli.context, never this module, so there is no import circle.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any, NoReturn

import click

from cli.context import EXIT_INPUT, EXIT_PROBLEM, EXIT_UNAVAILABLE, AppContext

__all__ = ["main"]


def _fail(message: str, hint: str | None, code: int) -> NoReturn:
    """Print an error (passwords masked, control characters escaped: it may quote hostile input) and exit."""
    from cli.output import safe_text
    from service.words import mask_urls

    click.secho(f"error: {safe_text(mask_urls(message))}", fg="red", err=True)
    if hint:
        click.echo(f"hint: {safe_text(mask_urls(hint))}", err=True)
    sys.exit(code)


class _TimelineGroup(click.Group):
    """A group that lists commands in the order a new user needs them and maps errors to exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # registration order: the order a new user needs them

    def invoke(self, ctx: click.Context) -> Any:
        from errors import ConflictError, InputError, NotInitialised, StoreUnavailable, TimelineError

        # A command runs once and exits, so the cyclic collector is off while it runs (`dtl serve` turns it
        # back on): its first pass after a replay would scan every object the answer holds, half a second
        # at a million events, to find no garbage (a replay makes no reference cycles; refcounting frees it).
        collecting = gc.isenabled()
        gc.disable()
        try:
            result = super().invoke(ctx)
            if isinstance(ctx.obj, AppContext):
                ctx.obj.answered()
            return result
        except InputError as error:
            _fail(str(error), error.hint, EXIT_INPUT)
        except ConflictError as error:
            _fail(str(error), error.hint, EXIT_PROBLEM)
        except NotInitialised as error:
            _fail(str(error), "run `dtl init` to create or upgrade the schema", EXIT_UNAVAILABLE)
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
        finally:
            if collecting:
                # what the command left (its answer, a snapshot kept) goes to the oldest generation unscanned:
                # left young, the first pass after (as the log closes) scanned all of it to find nothing
                gc.freeze()
                gc.unfreeze()
                gc.enable()


@click.group(cls=_TimelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "url",
    metavar="URL",
    help="Database URL (default: $DTL_DATABASE_URL, else sqlite:///timeline.db).",
)
@click.option(
    "--by",
    "recorded_by",
    metavar="NAME",
    envvar="DTL_RECORDED_BY",
    help="Who is recording: kept with every event appended (default: $DTL_RECORDED_BY, else the login name).",
)
@click.version_option(package_name="diplomatic-timeline")
@click.pass_context
def main(ctx: click.Context, url: str | None, recorded_by: str | None) -> None:
    """Diplomatic Timeline: who had promised what, as of which date, and says who.

    Start with `dtl init`, register your articles with `dtl source add`, then
    record what they report with `dtl append` or `dtl import`.
    """
    app = AppContext(url, recorded_by)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register() -> None:
    from cli import (
        copy_commands,
        date_commands,
        draft_commands,
        log_commands,
        provenance_commands,
        replay_commands,
        report_commands,
        serve_commands,
        source_commands,
        token_commands,
    )

    # in the order a new user needs them, each with the line `dtl --help` shows for it
    commands = [
        (log_commands.init, "Create the database or bring its schema up to date"),
        (source_commands.source, "Register sources, attach their texts, list and show them"),
        (log_commands.append, "Record one event a source reports, with its quote"),
        (log_commands.import_events, "Import events from a JSON Lines file in one transaction"),
        (draft_commands.draft, "Draft the events an article reports, to review, then import"),
        (replay_commands.state, "Who is in as of a date, with what, and how big it is said to be"),
        (replay_commands.count, "Every claim about the coalition's size, and says who"),
        (replay_commands.timeline, "Events in the order they happened, with sources and quotes"),
        (replay_commands.diff, "What changed between two dates"),
        (replay_commands.history, "One actor's positions over time, event by event"),
        (provenance_commands.why, "Why an actor stands where it does, down to the quotes"),
        (log_commands.log, "The events as recorded, and whether each quote checks out"),
        (log_commands.verify, "Recompute the hash chain; exit 1 at the first bad row"),
        (provenance_commands.audit, "Check the whole log for unsourced or doubtful facts"),
        (report_commands.report, "Write an offline HTML report: charts, timeline, audit"),
        (report_commands.chart, "Draw the size or the stances chart as PNG or SVG"),
        (log_commands.export, "Export the log as JSON Lines, CSV or TimelineJS3 JSON"),
        (copy_commands.copy, "Copy the whole log into an empty database, verified there"),
        (serve_commands.serve, "Serve the log over HTTP: the JSON API and the explorer"),
        (token_commands.token, "Create, list and revoke the HTTP API's bearer tokens"),
        (date_commands.date_command, 'Show how a phrase such as "last week" resolves to a date'),
    ]
    for command, summary in commands:
        command.short_help = summary
        main.add_command(command)


_register()


def run() -> None:
    """Run `dtl` as a process (the installed command, `python -m cli`): the command, then the exit.

    The interpreter's last collection as it exits would scan every object left (an answer, the
    snapshot kept of it) only to find nothing: they are frozen out of it first. Measured on a cold
    `dtl state` of 100k events: about 35 ms of 560.
    """
    try:
        main(prog_name="dtl")
    finally:
        gc.freeze()
