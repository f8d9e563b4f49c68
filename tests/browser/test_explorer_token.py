"""The explorer on a server that needs a token: entered once, kept in the tab's memory only, live updates too."""

from __future__ import annotations

from tests.browser.conftest import Server, Watched

PUBLIC_READ = False  # the module's server asks every read for a token (conftest)


def _only_refusals(watched: Watched) -> None:
    """Forget the console's report of the expected 401s, refusing any other error."""
    others = [error for error in watched.errors if "401" not in error]
    assert not others, others
    watched.errors.clear()


def test_a_reader_token_entered_once_is_kept_for_the_tab_only_and_the_page_follows_the_log(
    watched: Watched, server: Server
) -> None:
    assert server.reader_token is not None
    page = watched.page
    page.goto(f"{server.base}/?as_of=2025-03-17")
    page.locator("#token-form").wait_for(state="visible")
    assert "needs a reader token" in page.locator("#problem").inner_text()
    assert page.evaluate("() => document.activeElement.id") == "token"
    _only_refusals(watched)

    page.fill("#token", server.reader_token)
    page.press("#token", "Enter")
    watched.wait_for_state()
    assert page.locator("#token-form").is_hidden()
    assert page.locator("#member-DK td.stance").inner_text() == "supporting"
    kept = page.evaluate("() => [document.cookie, localStorage.length, sessionStorage.length]")
    assert kept == ["", 0, 0]

    # the subscription sends the token too: an event appended elsewhere shows up
    server.dtl(
        "append", "position.in_talks", "--actor", "Portugal", "--occurred", "2025-03-16", "--source", "ft-2025-03-17"
    )
    page.wait_for_selector("#member-PT")
    assert page.locator("#member-PT td.stance").inner_text() == "in talks"

    page.reload()  # the memory of the tab's page is gone: the token is asked for again
    page.locator("#token-form").wait_for(state="visible")
    _only_refusals(watched)
