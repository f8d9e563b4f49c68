"""The command that copies the whole log into another database: the backup, and the move to PostgreSQL."""

from __future__ import annotations

import functools

import click

from cli.context import AppContext, command, pass_app
from cli.options import json_option
from cli.output import echo_json, progress, safe_text

__all__ = ["copy"]


@command()
@click.option("--to", required=True, metavar="URL", help="The empty database to copy into (a SQLite file is created).")
@json_option("Print where the copy went and its head as JSON.")
@pass_app
def copy(app: AppContext, to: str, as_json: bool) -> None:
    """Copy the whole log into an empty database, row for row, and verify the copy there.

    Positions, recorded times, hashes and source texts are copied as they are,
    so the copy has the same head hash: `dtl verify --expect HASH` passes on
    both. It is the backup (to a new SQLite file) and the way from SQLite to
    PostgreSQL and back. A copy that fails writes nothing; a database that
    already holds a log is refused.
    """
    answer = app.timeline.copy(to, progress=functools.partial(progress, threshold=50_000))
    if as_json:
        echo_json(answer.to_json())
        return
    report = answer.report
    click.echo(
        safe_text(
            f"copied {report.count} events and {answer.texts} source texts to {answer.to}; verified there: "
            f"head position {report.head_position} hash {report.head_hash}"
        )
    )
