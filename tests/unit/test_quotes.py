"""Quotes that prove something: at least three words, and ellipsis fragments of three words or more, in order,
within one paragraph; the same rule when an event is written (contains) and when it is read (locate, QuoteChecker).
"""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import Source, SourceText
from events.quotes import _normalise, normalise_quote, quote_shortfall
from projections.audit import audit
from projections.verification import QuoteChecker
from tests.support import ARTICLES, recorded

# a small article of our own, three paragraphs: the second wraps over two lines, the third is set off by a line of
# spaces and Windows line ends
ARTICLE = (
    "Rome has turned the invitation down, officials said.\n"
    "\n"
    "Britain and France stand ready to station troops\n"
    "in Ukraine once a truce holds. Poland offers logistics.\r\n"
    "   \r\n"
    "Germany and Spain say it is too soon to commit either way."
)
TEXT = SourceText(ARTICLE)


def test_quotes_match_despite_white_space_typographic_quotes_and_ellipses() -> None:
    text = SourceText(
        "The UK prime minister will host a \u201cvirtual meeting\u201d of what he called\n\u201ca coalition\u201d."
    )
    assert text.locate('host a "virtual meeting"') is not None
    assert text.contains('will host a  \u201cvirtual meeting\u201d ... of what he called "a coalition"')
    assert not text.contains("host a physical meeting")
    assert not text.contains('of what he called "a coalition" ... will host a')  # parts out of order
    start, end = text.locate('a "virtual meeting" of') or (0, 0)
    assert text.text[start:end] == "a \u201cvirtual meeting\u201d of"


@pytest.mark.parametrize("quote", ["a", "Rome", "Germany and", "  Rome  has  ", "down, officials", "said. Britain"])
def test_a_quote_of_fewer_than_three_words_proves_nothing_though_it_is_in_the_text(quote: str) -> None:
    assert _normalise(quote) in TEXT._normalised
    assert not TEXT.contains(quote)
    assert TEXT.locate(quote) is None
    assert quote_shortfall(quote) == "a quote must be at least 3 words long to prove anything"


def test_punctuation_is_no_word() -> None:
    text = SourceText("Rome -- , . ! said no.")
    assert not text.contains("Rome -- , . !")
    assert text.contains("Rome -- , . ! said no.")


def test_three_words_are_enough() -> None:
    assert TEXT.contains("Rome has turned")
    assert TEXT.contains("Germany and Spain")
    assert quote_shortfall("Rome has turned") is None


@pytest.mark.parametrize(
    "quote",
    [
        "S...p...a...i...n",
        "R\u2026o\u2026m\u2026e",
        "Britain and France ... troops",
        "Britain ... station troops in Ukraine",
        "Britain and France stand ... in ... Poland offers logistics",
    ],
)
def test_ellipsis_fragments_of_fewer_than_three_words_prove_nothing(quote: str) -> None:
    assert not TEXT.contains(quote)
    assert TEXT.locate(quote) is None
    assert "each part of a quote joined by an ellipsis must be at least 3 words long" in (quote_shortfall(quote) or "")


def test_fragments_from_different_paragraphs_prove_nothing() -> None:
    # the shape of "Italy ... offered to deploy ... troops inside Ukraine": a name from one paragraph, a deed from
    # another
    assert not TEXT.contains("Rome has turned ... stand ready to station troops")
    assert not TEXT.contains("Poland offers logistics. ... too soon to commit")  # across a line of spaces, CR LF
    assert quote_shortfall("Rome has turned ... stand ready to station troops") is None  # long enough: not found


def test_fragments_in_order_within_one_paragraph_prove_the_quote_and_locate_spans_that_paragraph() -> None:
    quote = "Britain and France ... troops in Ukraine ... Poland offers logistics."
    assert TEXT.contains(quote)
    start, end = TEXT.locate(quote) or (0, 0)
    assert ARTICLE[start:end] == (
        "Britain and France stand ready to station troops\nin Ukraine once a truce holds. Poland offers logistics."
    )
    assert not TEXT.contains("Poland offers logistics. ... Britain and France stand")  # out of order


def test_a_later_paragraph_holding_every_fragment_is_found_when_the_first_holding_the_first_is_not() -> None:
    text = SourceText("At first the minister said no.\n\nLater the minister said yes, with conditions.")
    start, end = text.locate("the minister said ... yes, with conditions") or (0, 0)
    assert text.text[start:end] == "the minister said yes, with conditions"


def test_a_quote_without_an_ellipsis_is_verbatim_text_and_may_run_over_a_paragraph_break() -> None:
    assert TEXT.contains("down, officials said. Britain and France")  # nothing left out: all the words are there


@pytest.mark.parametrize(
    "separator", ["\n\n", "\r\n\r\n", "\n \t\n", "\r\r", "\u2029", "\n\u2028", "\n\u00a0\n", "\n\x0c"]
)
def test_blank_lines_and_paragraph_separators_part_paragraphs(separator: str) -> None:
    text = SourceText(f"Italy has declined to take part.{separator}Poland offered to deploy logistics units.")
    assert not text.contains("Italy has declined ... offered to deploy logistics")
    assert text.contains("Poland offered to ... deploy logistics units.")


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\r"])
def test_one_line_break_does_not_part_a_paragraph(line_break: str) -> None:
    # "\r\n" too (a text written on Windows), as str.splitlines takes it: one break, not a blank line
    text = SourceText(f"Italy has declined to take part,{line_break}but Poland offered to deploy logistics units.")
    assert text.contains("Italy has declined ... offered to deploy logistics")


def test_in_scripts_written_without_spaces_each_character_counts_as_a_word() -> None:
    text = SourceText("\u610f\u5927\u5229\u62d2\u7edd\u53c2\u52a0\u3002")  # "Italy refused to take part."
    assert text.contains("\u610f\u5927\u5229")  # three characters
    assert not text.contains("\u62d2\u7edd")  # two
    assert SourceText("Der Kanzler sagte, Deutschland w\u00e4rde helfen.").contains("Deutschland w\u00e4rde helfen")


@pytest.mark.parametrize("quote", ["", "   ", "...", " \u2026 ... "])
def test_an_empty_quote_proves_nothing(quote: str) -> None:
    assert not TEXT.contains(quote)
    assert quote_shortfall(quote) == "the quote is empty"


def _registered(source_id: str, text: str) -> dict[str, object]:
    data = {"source_id": source_id, "publisher": "Wire", "published": "2025-03-10"}
    data["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    return {"id": f"source:{source_id}", "type": "source.registered", "stream": "sources", "occurred": "2025-03-10",
            "data": data}  # fmt: skip


def _pledge(event_id: str, quote: str) -> dict[str, object]:
    return {"id": event_id, "type": "pledge.made", "occurred": "2025-03-10", "actor": "IT",
            "data": {"offers": ["troops"]}, "sources": [{"source": "a", "quote": quote}]}  # fmt: skip


def test_a_logged_quote_that_no_longer_qualifies_reads_as_not_found_and_the_audit_says_so() -> None:
    """A log written before the rule may hold such quotes: they are read as not found, never a crash."""
    events = recorded(
        [
            _registered("a", ARTICLE),
            _pledge("one-word", "Rome"),
            _pledge("letters", "S...p...a...i...n"),
            _pledge("two-paragraphs", "Rome has turned ... stand ready to station troops"),
            _pledge("proven", "Britain and France ... troops in Ukraine"),
        ]
    )
    checker = QuoteChecker({"a": ARTICLE})
    assert [checker.event_verified(event) for event in events[1:]] == [False, False, False, True]
    assert checker.quote_status("a", "Rome") == "not_found"
    sources = {"a": Source("a", "Wire", "2025-03-10", None, None, None, "source:a")}
    findings = audit(events, sources, {"a": ARTICLE})
    not_found = sorted(event for f in findings if f.kind == "quote_not_found" for event in f.events)
    assert not_found == ["letters", "one-word", "two-paragraphs"]


def test_the_fixture_articles_part_paragraphs_on_blank_lines() -> None:
    text = ARTICLES["nc-2025-03-10"].read_text(encoding="utf-8")
    assert len(SourceText(text)._paragraphs()) == len(re.split(r"\n\s*\n", text.strip())) - 1


# -- properties ------------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_fast_normalisation_equals_the_offset_tracking_one(text: str) -> None:
    from events.quotes import _normalise_with_offsets

    normalised, offsets = _normalise_with_offsets(text)
    assert _normalise(text) == normalised
    assert len(offsets) == len(normalised)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*"ab .`'\t\n\r\x0b\x1f", "...", "\u2026", "\u2019", "  "]), max_size=30).map("".join))
def test_the_ascii_shortcut_for_quotes_equals_the_general_normalisation(quote: str) -> None:
    from events.quotes import _ELLIPSIS

    general = [part for part in map(_normalise, _ELLIPSIS.split(quote)) if part]
    assert normalise_quote(quote) == general


_WORDS = st.sampled_from(["we", "are", "ready", "we", "ready", "--", "\u201cno\u201d", "a", ",", "\u5927"])
_SPACES = st.sampled_from([" ", " ", " ", "  ", "\n", "\t", "\u00a0"])
_BREAKS = st.sampled_from(["\n\n", "\n \n", "\r\n\r\n", "\u2029", "\n\n\n"])


@st.composite
def _articles(draw: st.DrawFn) -> str:
    paragraphs = draw(st.lists(st.lists(st.tuples(_WORDS, _SPACES), min_size=1, max_size=12), min_size=1, max_size=4))
    parts = ["".join(word + space for word, space in paragraph).strip() for paragraph in paragraphs]
    return "".join(part + draw(_BREAKS) for part in parts[:-1]) + parts[-1]


@st.composite
def _quotes(draw: st.DrawFn, article: str) -> str:
    """A quote cut from the article (perhaps over a paragraph break), perhaps with words left out, or made up."""
    if draw(st.booleans()):
        return " ... ".join(draw(st.lists(st.lists(_WORDS, min_size=1, max_size=4).map(" ".join), max_size=3)))
    start = draw(st.integers(0, len(article)))
    piece = article[start : start + draw(st.integers(0, 60))]
    cuts = sorted(draw(st.lists(st.integers(0, len(piece)), max_size=3)))
    pieces = [piece[a:b] for a, b in zip([0, *cuts], [*cuts, len(piece)], strict=True)]
    return draw(st.sampled_from([" ... ", "\u2026", "..."])).join(pieces)


def _words(part: str) -> int:
    """Count words the slow way: a token with a letter or digit is one word, each CJK ideograph another."""
    count = 0
    for token in part.split():
        ideographs = sum("\u4e00" <= char <= "\u9fff" for char in token)
        rest = "".join(char for char in token if not "\u4e00" <= char <= "\u9fff")
        count += ideographs + any(char.isalnum() for char in rest)
    return count


def _in_order(parts: list[str], paragraph: str) -> bool:
    cursor = 0
    for part in parts:
        found = paragraph.find(part, cursor)
        if found < 0:
            return False
        cursor = found + len(part)
    return True


def _oracle(article: str, quote: str) -> bool:
    """DESIGN.md's rule written out plainly: each paragraph normalised on its own, every word counted."""
    parts = normalise_quote(quote)
    if not parts or any(_words(part) < 3 for part in parts):
        return False
    if len(parts) == 1:
        return parts[0] in _normalise(article)
    paragraphs = re.split(r"\u2029|(?:\r\n|\n)(?:[ \t]*(?:\r\n|\n))+", article)
    return any(_in_order(parts, _normalise(paragraph)) for paragraph in paragraphs)


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_contains_and_locate_follow_the_rule_written_out_plainly(data: st.DataObject) -> None:
    article = data.draw(_articles())
    quote = data.draw(_quotes(article))
    text = SourceText(article)
    expected = _oracle(article, quote)
    assert text.contains(quote) == expected
    span = text.locate(quote)
    assert (span is not None) == expected
    if span is not None:
        parts = normalise_quote(quote)
        found = _normalise(article[span[0] : span[1]])
        assert found.startswith(parts[0])
        assert found.endswith(parts[-1])
        assert quote_shortfall(quote) is None


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(ARTICLE)), st.integers(0, 60), st.sampled_from(["", "...", " \u2026 ", "x"]))
def test_contains_agrees_with_locate(start: int, length: int, cut: str) -> None:
    piece = ARTICLE[start : start + length]
    quote = piece[: length // 2] + cut + piece[length // 2 :]
    assert TEXT.contains(quote) == (TEXT.locate(quote) is not None)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), _BREAKS, st.sampled_from(["\u00a8"])),
        max_size=8,
    ).map("".join)
)
def test_paragraphs_start_where_the_offsets_of_the_normalised_text_say(article: str) -> None:
    """The paragraphs, normalised one by one and joined by spaces, are the normalised text: no offsets needed."""
    from bisect import bisect_left

    from events.quotes import _PARAGRAPH_BREAK, _normalise_with_offsets

    # and a text holding the mark SourceText puts where paragraphs break, cut another way
    for text in (article, article.replace("a", "\x00")):
        normalised, offsets = _normalise_with_offsets(text)
        starts = sorted({bisect_left(offsets, found.end()) for found in _PARAGRAPH_BREAK.finditer(text)})
        source = SourceText(text)
        assert source._normalised == normalised
        assert source._paragraphs() == [start for start in starts if 0 < start < len(normalised)]
