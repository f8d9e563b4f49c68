"""`dtl token`: the bearer tokens of the HTTP API (`dtl serve`), each with a role; a secret is shown once."""

from __future__ import annotations

import click

from cli.context import AppContext, DoorCommand, pass_app
from cli.options import json_option
from cli.output import echo_json, echo_table, safe_text

__all__ = ["token"]


@click.group()
def token() -> None:
    """Create, list and revoke the bearer tokens of the HTTP API (`dtl serve`).

    Roles: reader reads; writer also appends, imports and registers sources;
    admin also manages tokens. A request sends `Authorization: Bearer SECRET`,
    and each event it appends records the token's NAME as who recorded it.
    """


@token.command("create", cls=DoorCommand)
@click.argument("name")
@click.option("--role", required=True, metavar="ROLE", help="reader, writer or admin.")
@json_option("Print the name, role and secret as JSON.")
@pass_app
def create(app: AppContext, name: str, role: str, as_json: bool) -> None:
    """Create a token NAME with a role and print its secret, once: only its hash is kept."""
    issued = app.timeline.create_token(name, role)
    if as_json:
        echo_json({"name": issued.token.name, "role": issued.token.role, "secret": issued.secret})
        return
    click.echo(issued.secret)
    click.echo(
        safe_text(f"created token {issued.token.name!r} ({issued.token.role}): the secret above is shown only now"),
        err=True,
    )


@token.command("list", cls=DoorCommand)
@json_option("Print the tokens as JSON (never a secret).")
@pass_app
def list_tokens(app: AppContext, as_json: bool) -> None:
    """List the tokens, live and revoked, oldest first (never their secrets)."""
    listed = app.timeline.tokens()
    if as_json:
        echo_json(
            {
                "tokens": [
                    {"name": t.name, "role": t.role, "created_at": t.created_at, "revoked_at": t.revoked_at}
                    for t in listed
                ]
            }
        )
        return
    rows = [(t.name, t.role, t.created_at, t.revoked_at or "live") for t in listed]
    echo_table(["NAME", "ROLE", "CREATED", "REVOKED"], rows, empty="(no tokens)")


@token.command("revoke", cls=DoorCommand)
@click.argument("name")
@pass_app
def revoke(app: AppContext, name: str) -> None:
    """Revoke the live token NAME: requests sending it are refused from now on."""
    revoked = app.timeline.revoke_token(name)
    click.echo(safe_text(f"revoked token {revoked.name!r} ({revoked.role}) at {revoked.revoked_at}"))
