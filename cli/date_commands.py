"""The command that shows how a relative date phrase resolves, as `dtl append --occurred-text` would resolve it."""

from __future__ import annotations

import click

from cli.context import command
from cli.options import json_option
from cli.output import echo_json, safe_text

__all__ = ["date_command"]


@command("date")
@click.argument("phrase")
@click.option("--anchor", help="The day the phrase was written, YYYY-MM-DD (default: today).")
@json_option("Print the resolution as JSON.")
def date_command(phrase: str, anchor: str | None, as_json: bool) -> None:
    """Show what a relative date such as "last week" means, written on the anchor day.

    Prints the EDTF value `dtl append --occurred-text PHRASE` would store, its
    earliest and latest day, and the rule used. A phrase that may mean more
    than one day ("Saturday", "soon", "next week") is refused with exit 2
    rather than guessed.
    """
    from service.timeline import Timeline

    resolution = Timeline.resolve_date(phrase, anchor)
    if as_json:
        echo_json(resolution.to_json())
        return
    day = resolution.anchor
    click.secho(safe_text(f"{phrase!r} written on {day:%A} {day.isoformat()}"), bold=True)
    for label, value in (
        ("edtf", resolution.edtf),
        ("earliest", f"{resolution.earliest.isoformat()} ({resolution.earliest:%A})"),
        ("latest", f"{resolution.latest.isoformat()} ({resolution.latest:%A})"),
        ("rule", resolution.rule),
    ):
        click.echo(f"{label:<9} {safe_text(value)}")
