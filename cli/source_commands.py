"""Commands that register sources, attach their texts and list them."""

from __future__ import annotations

from pathlib import Path

import click

from cli.main import AppContext
from cli.output import echo_json, echo_table

__all__ = ["source"]

pass_app = click.make_pass_decorator(AppContext)


def _read_text(path: str) -> str:
    """Read a source's text as UTF-8, naming the file when it cannot."""
    from core import InputError, Location

    try:
        return Path(path).read_bytes().decode("utf-8")
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", Location(file=path)) from None
    except UnicodeDecodeError as error:
        raise InputError(f"the file is not UTF-8 text (byte {error.start + 1})", Location(file=path)) from None


@click.group()
def source() -> None:
    """Register sources (articles, statements), attach their texts, list them."""


@source.command("add")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--sha256", "sha256", metavar="HEX", help="The text's sha256, when the text itself is not at hand.")
@click.option("--id", "source_id", required=True, help="A short id to cite the source by, such as ft-2025-03-10.")
@click.option("--publisher", required=True, help="Who published it.")
@click.option("--published", required=True, help="Publication date, YYYY-MM-DD.")
@click.option("--title", help="Title of the article.")
@click.option("--url", help="Where it can be read.")
@pass_app
def add(
    app: AppContext,
    path: str | None,
    sha256: str | None,
    source_id: str,
    publisher: str,
    published: str,
    title: str | None,
    url: str | None,
) -> None:
    """Register a source from its text at PATH, or by --sha256 alone (attach the text later)."""
    text = _read_text(path) if path else None
    result = app.store().register_source(
        source_id=source_id,
        publisher=publisher,
        published=published,
        title=title,
        url=url,
        sha256=sha256.lower() if sha256 else None,
        text=text,
    )
    state = "with its text" if text is not None else ("by sha256, text not attached" if sha256 else "without a text")
    if result.last is None:
        click.echo(f"source {source_id} is already registered with the same metadata; nothing changed")
    else:
        click.echo(f"registered source {source_id} ({state}) at position {result.last.position}")


@source.command("attach")
@click.argument("source_id", metavar="ID")
@click.argument("path", type=click.Path(dir_okay=False))
@pass_app
def attach(app: AppContext, source_id: str, path: str) -> None:
    """Attach the text at PATH to a source registered by sha256; its quotes are then verified."""
    attached = app.store().attach_source_text(source_id, _read_text(path), file=path)
    click.echo(f"attached the text of {attached.id} (sha256 {attached.sha256} matches); its quotes are now checked")


@source.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@pass_app
def list_sources(app: AppContext, as_json: bool) -> None:
    """List the registered sources and whether their texts are stored."""
    sources = app.store().sources()
    if as_json:
        echo_json(
            {
                "sources": [
                    {
                        "id": s.id,
                        "publisher": s.publisher,
                        "published": s.published,
                        "title": s.title,
                        "url": s.url,
                        "sha256": s.sha256,
                        "text": s.has_text,
                    }
                    for s in sources
                ]
            }
        )
        return
    rows = [(s.id, s.publisher, s.published, "yes" if s.has_text else "no", s.title or s.url or "") for s in sources]
    echo_table(["ID", "PUBLISHER", "PUBLISHED", "TEXT", "TITLE"], rows, empty="(no sources registered)")
