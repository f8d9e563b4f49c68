"""The explorer shows the example log as of any day: deep links, the actor panel, back and forward, the keyboard.

One `dtl serve --public-read` over the example log serves every test here (none of them writes). Each page
is watched: no request may leave the server's origin and the console may show no error (conftest).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.browser.conftest import Watched

POLAND_QUOTE = "Poland, for example, has offered logistics support despite ruling out putting troops on the ground."


def _stance(page: Any, code: str) -> str:
    return str(page.locator(f"#member-{code} td.stance").inner_text())


def _members(page: Any) -> set[str]:
    return set(page.eval_on_selector_all("#members tbody tr", "rows => rows.map(row => row.dataset.actor)"))


def _asked(page: Any) -> dict[str, str]:
    """The question the page's address holds."""
    return dict(parse_qsl(urlsplit(page.url).query))


def _shows_day(page: Any, day: str) -> None:
    page.wait_for_function(
        "day => document.querySelector('#question-said').textContent.includes('as of ' + day)", arg=day
    )
    page.wait_for_selector("#members tbody tr")


def test_a_deep_link_as_of_12_march_shows_italy_declined_poland_supporting_and_no_denmark(watched: Watched) -> None:
    page = watched.open("?stream=ukraine-coalition&as_of=2025-03-12")
    _shows_day(page, "2025-03-12")
    assert _stance(page, "IT") == "declined"
    assert _stance(page, "PL") == "supporting"
    assert "DK" not in _members(page)
    assert page.locator("#member-PL th button").inner_text() == "Poland"
    assert page.input_value("#as-of-date") == "2025-03-12"
    assert page.locator("#size-participants .figure").inner_text() == "about 20"
    watched.screenshot("explorer-2025-03-12.png")


def test_as_of_17_march_denmark_is_in_and_more_than_30_is_reported_beside_the_named_floor(watched: Watched) -> None:
    page = watched.open("?as_of=2025-03-17")
    _shows_day(page, "2025-03-17")
    assert _stance(page, "DK") == "supporting"
    size = page.locator("#size-participants").inner_text()
    assert "more than 30" in size
    assert "named floor: 9" in size
    claims = page.locator("#sizes ol.claims").first.inner_text()
    assert "about 20" in claims
    assert "more than 30" in claims
    assert page.locator("#stance-counts").inner_text().startswith("supporting: 9")
    # both charts drawn from our own server's SVG, shown as images
    for chart in ("#size-chart", "#stance-chart"):
        assert page.eval_on_selector(chart, "image => image.naturalWidth") > 300
    assert page.locator("#timeline-events > li").count() == 47
    assert page.locator("#audit-findings > li").count() > 0


def test_clicking_poland_shows_the_quote_behind_its_facts_and_a_reload_shows_the_same_view(watched: Watched) -> None:
    page = watched.open("?as_of=2025-03-17")
    page.click("#member-PL th button")
    panel = page.locator("#actor-panel")
    panel.wait_for(state="visible")
    assert page.locator("#actor-title").inner_text() == "Poland (PL)"
    facts = page.locator("#actor-facts").inner_text()
    assert "stance: supporting" in facts
    assert "offer: logistics" in facts
    assert "ruled out: troops" in facts
    quote = page.locator("#actor-events blockquote", has_text="Poland, for example")
    assert quote.inner_text() == POLAND_QUOTE
    assert "unverified" in page.locator("#actor-events").inner_text()  # the example ships without its texts
    watched.screenshot("explorer.png")  # docs/explorer.png is a copy, for the README
    page.locator("#actor-facts button", has_text="ft-0310-pl-logistics").first.click()  # a fact's event, in the panel
    focused = page.evaluate("() => document.activeElement.querySelector('blockquote')?.textContent")
    assert focused == POLAND_QUOTE
    assert "ft-0310-pl-logistics" in page.locator("#actor-history").inner_text()
    assert _asked(page) == {"stream": "ukraine-coalition", "as_of": "2025-03-17", "actor": "PL"}

    page.reload()
    watched.wait_for_state()
    page.locator("#actor-panel").wait_for(state="visible")
    assert page.locator("#actor-title").inner_text() == "Poland (PL)"
    assert page.input_value("#as-of-date") == "2025-03-17"


def test_back_and_forward_restore_the_views(watched: Watched) -> None:
    page = watched.open("?as_of=2025-03-12")
    page.fill("#as-of-date", "2025-03-17")  # fires change: a new question, a new address
    _shows_day(page, "2025-03-17")
    page.wait_for_selector("#member-DK")
    page.click("#member-DK th button")
    page.locator("#actor-panel").wait_for(state="visible")
    assert _asked(page) == {"stream": "ukraine-coalition", "as_of": "2025-03-17", "actor": "DK"}

    page.go_back()
    page.locator("#actor-panel").wait_for(state="hidden")
    assert _asked(page) == {"stream": "ukraine-coalition", "as_of": "2025-03-17"}
    page.go_back()
    _shows_day(page, "2025-03-12")
    page.wait_for_selector("#member-DK", state="detached")
    assert page.input_value("#as-of-date") == "2025-03-12"
    assert _stance(page, "IT") == "declined"

    page.go_forward()
    _shows_day(page, "2025-03-17")
    page.wait_for_selector("#member-DK")
    page.go_forward()
    page.locator("#actor-panel").wait_for(state="visible")
    assert page.locator("#actor-title").inner_text() == "Denmark (DK)"


def _tab_to(page: Any, selector: str, most: int = 80) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_keyboard_alone_reaches_the_date_controls_and_the_actor_panel(watched: Watched) -> None:
    page = watched.open("?as_of=2025-03-12")
    _tab_to(page, "#as-of-range")
    page.keyboard.press("ArrowRight")  # one day later: a new question
    _shows_day(page, "2025-03-13")
    assert _asked(page) == {"stream": "ukraine-coalition", "as_of": "2025-03-13"}
    _tab_to(page, "#as-of-date")
    _tab_to(page, "#member-PL th button")
    page.keyboard.press("Enter")
    page.locator("#actor-panel").wait_for(state="visible")
    page.wait_for_function("() => document.activeElement.id === 'actor-title'")
    assert "Poland" in page.locator("#actor-title").inner_text()
    _tab_to(page, "#actor-close")
    page.keyboard.press("Enter")
    page.locator("#actor-panel").wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.dataset.actor") == "PL"  # focus goes back to the row's button


def test_at_phone_width_the_page_needs_no_sideways_scrolling(watched: Watched) -> None:
    page = watched.page
    page.set_viewport_size({"width": 390, "height": 844})
    watched.open("?as_of=2025-03-17&actor=PL")
    page.locator("#actor-panel").wait_for(state="visible")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    watched.screenshot("explorer-phone.png", full_page=True)
