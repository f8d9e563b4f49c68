"""Commands that register sources, attach their texts, list them and show one with its quotes marked."""

from __future__ import annotations

import click

from cli.context import AppContext, DoorCommand, pass_app
from cli.files import read_text_file
from cli.options import json_option
from cli.output import echo_json, echo_table, safe_text

__all__ = ["source"]

# a source's text is read from the PATH argument
_TEXT_IS_PATH = {"text": "PATH"}


@click.group()
def source() -> None:
    """Register sources (articles, statements), attach their texts, list them."""


@source.command("add", cls=DoorCommand, field_words=_TEXT_IS_PATH)
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
    text = read_text_file(path) if path else None
    result = app.timeline.register_source(
        source_id=source_id,
        publisher=publisher,
        published=published,
        title=title,
        url=url,
        sha256=sha256,
        text=text,
        file=path,
    )
    state = "with its text" if text is not None else ("by sha256, text not attached" if sha256 else "without a text")
    if result.last is None:
        click.echo(safe_text(f"source {source_id} is already registered with the same metadata; nothing changed"))
    else:
        click.echo(safe_text(f"registered source {source_id} ({state}) at position {result.last.position}"))


@source.command("attach", cls=DoorCommand, field_words=_TEXT_IS_PATH)
@click.argument("source_id", metavar="ID")
@click.argument("path", type=click.Path(dir_okay=False))
@pass_app
def attach(app: AppContext, source_id: str, path: str) -> None:
    """Attach the text at PATH to a source registered by sha256; its quotes are then verified."""
    attached = app.timeline.attach_source(source_id, read_text_file(path), file=path)
    shown = f"attached the text of {attached.id} (sha256 {attached.sha256} matches); its quotes are now checked"
    click.echo(safe_text(shown))


@source.command("list", cls=DoorCommand)
@json_option("Print the sources as JSON.")
@pass_app
def list_sources(app: AppContext, as_json: bool) -> None:
    """List the registered sources and whether their texts are stored."""
    from service.answers import sources_document

    sources = app.timeline.sources()
    if as_json:
        echo_json(sources_document(sources))
        return
    rows = [(s.id, s.publisher, s.published, "yes" if s.has_text else "no", s.title or s.url or "") for s in sources]
    echo_table(["ID", "PUBLISHER", "PUBLISHED", "TEXT", "TITLE"], rows, empty="(no sources registered)")


@source.command("show", cls=DoorCommand)
@click.argument("source_id", metavar="ID")
@json_option("Print JSON: the text, and each quote's character offsets in it.")
@pass_app
def show(app: AppContext, source_id: str, as_json: bool) -> None:
    """Show a source: its metadata, the events citing it, and its text with each cited quote marked."""
    from service.words import quote_found_at, quote_status_sentence

    answer = app.timeline.show_source(source_id)
    if as_json:
        echo_json(answer.to_json())
        return
    info, text, spans = answer.source, answer.text, answer.spans
    click.secho(safe_text(f"{info.id}: {info.publisher}, published {info.published}"), bold=True)
    for label, value in (("title", info.title), ("url", info.url), ("sha256", info.sha256)):
        if value is not None:
            click.echo(safe_text(f"{label}: {value}"))
    click.echo(safe_text(f"registered by: {info.event_id}"))
    rows = [
        (span.position, span.event, span.type, span.quote or "", quote_found_at(span.start, span.end, span.status))
        for span in spans
    ]
    click.echo()
    echo_table(["POS", "EVENT", "TYPE", "QUOTE", "IN THE TEXT"], rows, empty="(no event cites this source)")
    click.echo()
    if text is None:
        click.echo(
            quote_status_sentence(source_id, info, "text_absent", how_to_attach=f"`dtl source attach {source_id} PATH`")
        )
        return
    click.echo(
        _marked(text, [(span.start, span.end) for span in spans if span.start is not None and span.end is not None])
    )


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    """Return the text made safe for a terminal, each quoted span bold and underlined (merged where they overlap)."""
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        if end <= cursor:
            continue
        start = max(start, cursor)
        marked = click.style(safe_text(text[start:end], keep_newlines=True), bold=True, underline=True)
        pieces += [safe_text(text[cursor:start], keep_newlines=True), marked]
        cursor = end
    pieces.append(safe_text(text[cursor:], keep_newlines=True))
    return "".join(pieces)
