"""The command that drafts events from an article: JSON Lines an analyst reviews, then imports."""

from __future__ import annotations

import click

from cli.context import AppContext, DoorCommand, pass_app
from cli.files import read_text_file, write_atomically

__all__ = ["draft"]


@click.command("draft", cls=DoorCommand, field_words={"text": "FILE"})
@click.argument("path", metavar="FILE", required=False, type=click.Path(dir_okay=False))
@click.option("--source", "source", metavar="ID", help="Draft from a registered source's stored text.")
@click.option("--published", metavar="YYYY-MM-DD", help="When FILE was published: its date phrases are read from it.")
@click.option("--source-id", "source_id", metavar="ID", help="The source id FILE's drafts cite (default: its name).")
@click.option("--stream", metavar="S", help="The stream the drafts go to (default: the import's default stream).")
@click.option("--out", metavar="FILE", help="Write the drafts to a file instead of standard output.")
@click.option("--against", is_flag=True, help="Mark in its note each draft the log already holds.")
@pass_app
def draft(
    app: AppContext,
    path: str | None,
    source: str | None,
    published: str | None,
    source_id: str | None,
    stream: str | None,
    out: str | None,
    against: bool,
) -> None:
    """Draft the events an article reports, as JSON Lines to review and then `dtl import`.

    From a registered source (--source ID) or from FILE published on --published. Each draft quotes its
    sentence verbatim, dates it by the sentence's phrase ("on Saturday") read from the publication day (a
    sentence without one: the publication day), and names the rule that fired in its note.
    """
    if (path is None) == (source is None):
        raise click.UsageError("give FILE (with --published) or --source ID, one of them")
    if source is not None and (published is not None or source_id is not None):
        raise click.UsageError("--published and --source-id are for FILE; a registered source has its own")
    text = read_text_file(path, refuse_binary=True) if path is not None else None
    drafted = app.timeline.draft(
        source, text=text, published=published, source_id=source_id, file=path, stream=stream, against=against
    )
    lines = drafted.to_jsonl()
    if out is not None:
        write_atomically(out, lambda target: target.write(lines))
    else:
        click.echo(lines, nl=False)
    summary = f"{len(drafted.drafts)} drafts citing {drafted.source_id}"
    if against:
        summary += f"; {drafted.known} of them already in the log (marked in their note)"
    click.echo(summary, err=True)
