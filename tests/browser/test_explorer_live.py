"""The explorer follows the log while open: events appended by `dtl` in another process change what it shows.

These tests write to their module's log (its own `dtl serve --public-read` over the example log), in order:
a retraction of Denmark's pledge, then an event whose quote holds markup and terminal escapes.
"""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Server, Watched

# the acceptance bound: what an append changes is on the page within 2 s of the append's commit
LIVE_MS = 2_000
HOSTILE_QUOTE = "<script>window.pwned = 1</script> \x1b[31mred\x1b[0m <b>bold</b> <img src=x onerror=alert(1)>"


def test_a_retraction_appended_elsewhere_changes_the_open_view_and_known_at_before_it_keeps_the_old_belief(
    watched: Watched, server: Server
) -> None:
    page = watched.open("?as_of=2025-03-17")
    page.wait_for_selector("#member-DK")
    page.click("#member-DK th button")
    page.locator("#actor-panel").wait_for(state="visible")
    before = int(page.locator("#stance-counts li").first.inner_text().split(": ")[1])

    appended = server.dtl(
        "append",
        "event.retracted",
        "--data",
        '{"target": "ft-0317-dk-troops", "reason": "the pledge was misread"}',
        "--occurred",
        "2025-03-18",
        "--source",
        "ft-2025-03-17",
    )
    position = appended["appended"]["position"]

    page.wait_for_selector("#member-DK", state="detached", timeout=LIVE_MS)
    page.wait_for_function(
        "() => document.querySelector('#live').textContent.startsWith('1 new event: event.retracted')"
    )
    assert page.locator("#stance-counts li").first.inner_text() == f"supporting: {before - 1}"
    page.wait_for_function("() => document.querySelector('#actor-standing').textContent.startsWith('not a member')")
    assert "set aside" in page.locator("#actor-events").inner_text()
    watched.screenshot("explorer-after-retraction.png")

    # what the log said just before the retraction: Denmark's pledge still stands
    page.fill("#known-at", str(position - 1))
    page.press("#known-at", "Enter")
    page.wait_for_selector("#member-DK")
    assert page.locator("#member-DK td.stance").inner_text() == "supporting"
    page.wait_for_function("() => document.querySelector('#actor-standing').textContent.startsWith('supporting')")
    query = page.url.split("?", 1)[1]
    assert f"known_at={position - 1}" in query

    page.go_back()  # the view without known-at: Denmark is gone again
    page.wait_for_selector("#member-DK", state="detached")
    assert page.input_value("#known-at") == ""


def test_quotes_holding_markup_and_terminal_escapes_render_as_text(watched: Watched, server: Server) -> None:
    page: Any = watched.open("?as_of=2025-03-17")
    server.dtl(
        "append",
        "position.in_talks",
        "--actor",
        "Portugal",
        "--occurred",
        "2025-03-16",
        "--source",
        "ft-2025-03-17",
        "--quote",
        HOSTILE_QUOTE,
        "--unverified",
    )
    page.wait_for_selector("#member-PT")
    page.click("#member-PT th button")
    page.locator("#actor-panel").wait_for(state="visible")
    quote = page.locator("#actor-events blockquote").first
    shown = quote.text_content()
    assert shown == HOSTILE_QUOTE.replace("\x1b", "\u241b")  # the escape character shown as a symbol
    assert "<script>" in shown
    assert page.locator("#actor-panel script, #actor-panel b, #actor-panel img").count() == 0
    assert page.evaluate("() => window.pwned") is None
    assert "unverified" in page.locator("#actor-events .status").first.inner_text()
    assert page.locator("#timeline-events blockquote", has_text="<script>").count() == 1
