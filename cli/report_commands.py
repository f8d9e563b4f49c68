"""Commands that show the timeline: the offline HTML report and its two charts alone."""

from __future__ import annotations

import os
import shlex

import click

from cli.context import AppContext, command, pass_app
from cli.files import write_atomically
from cli.options import window_options
from cli.output import progress, safe_text

__all__ = ["chart", "report"]


@command()
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@window_options
@pass_app
def report(app: AppContext, out: str, stream: str, start: str | None, end: str | None, known_at: str | None) -> None:
    """Write an offline HTML report: size and stance charts, the timeline with quotes, the audit.

    One self-contained file: the charts are inline SVG, nothing is fetched
    from the network, so it can be mailed or archived as it is.
    """
    named = shlex.quote(stream)
    see_more = {
        "timeline": f"`dtl timeline --stream {named} --to DAY` lists them, or `dtl report --from DAY --to DAY` "
        "writes a report of a narrower window in full.",
        "claims": "`dtl report --from DAY --to DAY` lists the claims of a narrower window in full.",
        "audit": f"`dtl audit --stream {named}` lists every finding.",
        "stances": f"`dtl history ACTOR --stream {named}` shows any actor's stances, event by event.",
    }
    answer = app.timeline.report(stream, start=start, end=end, known_at=known_at, progress=progress, see_more=see_more)
    write_atomically(out, lambda target: target.write(answer.html))
    tally = f"{answer.events} events, {answer.errors} audit errors, {answer.warnings} warnings"
    click.echo(safe_text(f"wrote {out} ({tally}); open it in any browser, it needs no network"), err=out == "-")


@command()
@click.argument("kind", type=click.Choice(["size", "stances"]))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="FILE.png or FILE.svg.")
@click.option(
    "--subject",
    type=click.Choice(["participants", "troops"]),
    default="participants",
    show_default=True,
    help="With size: which quantity.",
)
@window_options
@pass_app
def chart(
    app: AppContext,
    kind: str,
    out: str,
    subject: str,
    stream: str,
    start: str | None,
    end: str | None,
    known_at: str | None,
) -> None:
    """Draw one chart of the report alone: the reported size, or the stances, as PNG or SVG.

    size: every claim over time ("about" a band, "more than" an arrow up) with
    the named floor as a step line. stances: one row per actor, each stance a
    coloured segment.
    """
    from errors import InputError, Location

    fmt = os.path.splitext(out)[1].lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise InputError(f"no image format in {out!r}", Location(field="--out"), hint="end the name in .png or .svg")
    image = app.timeline.chart(kind, fmt, stream, subject=subject, start=start, end=end, known_at=known_at)
    write_atomically(out, lambda target: target.write(image), binary=True)
    click.echo(safe_text(f"wrote {out} ({kind} chart, {fmt.upper()}, {len(image):,} bytes)"))
