"""The command that shows how a relative date phrase resolves, as `dtl append --occurred-text` would resolve it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click

from cli.output import echo_json, safe_text

__all__ = ["EXPLICIT_DATE_HINT", "date_command", "parse_anchor", "unresolved_hint"]

EXPLICIT_DATE_HINT = "give the date explicitly as EDTF (2025-03-08, or 2025-03-03/2025-03-09 for a span)"


def parse_anchor(value: str, flag: str) -> date:
    """Return the day a YYYY-MM-DD anchor names, or raise an input error naming the flag."""
    from core import InputError, Location

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{value!r} is not a day", Location(field=flag), hint="give it as YYYY-MM-DD, such as 2025-03-10"
        ) from None


def unresolved_hint(advice: str | None, explicit: str = EXPLICIT_DATE_HINT) -> str:
    """Say how to get past a phrase that names no day: rephrase it if that would do, or give the date."""
    return f"{advice}, or {explicit}" if advice else explicit


@click.command("date")
@click.argument("phrase")
@click.option("--anchor", help="The day the phrase was written, YYYY-MM-DD (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the resolution as JSON.")
def date_command(phrase: str, anchor: str | None, as_json: bool) -> None:
    """Show what a relative date such as "last week" means, written on the anchor day.

    Prints the EDTF value `dtl append --occurred-text PHRASE` would store, its
    earliest and latest day, and the rule used. A phrase that may mean more
    than one day ("Saturday", "soon", "next week") is refused with exit 2
    rather than guessed.
    """
    from cli.relative_dates import UnresolvedPhrase, resolve
    from core import InputError, Location

    day = parse_anchor(anchor, "--anchor") if anchor else datetime.now(UTC).date()
    try:
        resolution = resolve(phrase, day)
    except UnresolvedPhrase as error:
        raise InputError(str(error), Location(field="PHRASE"), hint=unresolved_hint(error.advice)) from None
    if as_json:
        echo_json(resolution.to_json())
        return
    click.secho(safe_text(f"{phrase!r} written on {day:%A} {day.isoformat()}"), bold=True)
    for label, value in (
        ("edtf", resolution.edtf),
        ("earliest", f"{resolution.earliest.isoformat()} ({resolution.earliest:%A})"),
        ("latest", f"{resolution.latest.isoformat()} ({resolution.latest:%A})"),
        ("rule", resolution.rule),
    ):
        click.echo(f"{label:<9} {safe_text(value)}")
