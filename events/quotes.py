"""Finds quotes in source texts, forgiving white space, typographic quotes and dashes.

A quote is evidence only if it says something: at least three words. An
ellipsis (``...`` or ``…``) in a quote stands for omitted words: each part
around it must itself be three words or more, and the parts must appear in
that order within one paragraph of the text (paragraphs are separated by blank
lines). A quote that falls short of this is never found, whatever the text, so
the write-time check and every reader agree.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from itertools import islice

__all__ = ["MINIMUM_QUOTE_WORDS", "SourceText", "normalise_quote", "quote_shortfall", "source_text"]

MINIMUM_QUOTE_WORDS = 3

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026)\s*")


# ASCII needs no NFKC: only white space becomes a plain space and the backtick an apostrophe
_ASCII = str.maketrans({**{chr(code): " " for code in range(128) if chr(code).isspace()}, "`": "'"})
_SPACES = re.compile(" {2,}")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_SPACE = re.compile("[" + "".join(chr(code) for code in range(128) if chr(code).isspace() and code != 32) + "]")
# An ASCII quote differs from its normalised form only by white space other than single spaces, a
# backtick, or an ellipsis; without the first two it is its own normal form once stripped, or once cut
# at each ellipsis and each part stripped. (Two substring
# tests and a one-class search take a fifth of the time of one search with alternatives.)
_ASCII_FOLDED = re.compile(r"[\t-\r\x1c-\x1f`]")

# A word is a run of characters between spaces that holds a letter or a digit ("--" is none); in the scripts written
# without spaces between words (Thai, Lao, Myanmar, Khmer, kana, CJK ideographs) each character is one, or no quote
# in them could ever be long enough. (The lazy run stops at the next space: one pass over the part.)
_WORD = re.compile(r"(?:^| )[^ ]*?[^\W_]")
# enough words at the start of the part, all letters and digits: what most quotes begin with, found in one match
_PLAIN_START = re.compile(" ".join([r"[^\W_]+"] * (MINIMUM_QUOTE_WORDS - 1) + [r"[^\W_]"]))
_UNSPACED = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# A blank line (only white space between two line breaks, as str.splitlines breaks lines) or a paragraph separator.
# "\r\n" is one line break (an atomic group: a search never takes its "\r" and its "\n" as two, a blank line).
_LINE_BREAK = "(?>\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])"
_PARAGRAPH_BREAK = re.compile(rf"\u2029|{_LINE_BREAK}(?:[^\S\n\r\v\f\x1c-\x1e\x85\u2028\u2029]*{_LINE_BREAK})+")


@lru_cache(maxsize=4096)
def _normalise_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).translate(_TRANSLATE)
    return " " if folded.isspace() else folded


def _fold_run(found: re.Match[str]) -> str:
    return "".join(map(_normalise_char, found.group()))


def _normalise(text: str) -> str:
    """Return the normalised text alone: what _normalise_with_offsets gives, without the offsets, fast."""
    if text.isascii():
        folded = text.translate(_ASCII)
    else:  # news text is mostly ASCII: fold the runs of other characters one by one, the rest as _ASCII does
        # (translate is slow on a string that is not ASCII: two C-level passes do its work)
        folded = _ASCII_SPACE.sub(" ", _NON_ASCII.sub(_fold_run, text)).replace("`", "'")
    return _SPACES.sub(" ", folded).strip(" ")


def _normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """Return the normalised text and, for each of its characters, the index it came from."""
    out: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = _normalise_char(char)
        for piece in folded:
            if piece == " " and (not out or out[-1] == " "):
                continue
            out.append(piece)
            offsets.append(index)
    while out and out[-1] == " ":
        out.pop()
        offsets.pop()
    return "".join(out), offsets


def normalise_quote(quote: str) -> list[str]:
    """Return the normalised parts of a quote that must appear in order."""
    if quote.isascii() and "  " not in quote and _ASCII_FOLDED.search(quote) is None:
        if "..." not in quote:
            stripped = quote.strip(" ")
            return [stripped] if stripped else []
        # single spaces only: an ellipsis takes at most one on each side, which stripping the parts removes
        return [part for part in (piece.strip(" ") for piece in quote.split("...")) if part]
    parts = _ELLIPSIS.split(quote)
    normalised = [_normalise(part) for part in parts]
    return [part for part in normalised if part]


def _long_enough(part: str) -> bool:
    """Say whether a normalised part of a quote (single spaces) holds at least MINIMUM_QUOTE_WORDS words."""
    if _PLAIN_START.match(part) is not None:
        return True
    if not part.isascii():
        part = _UNSPACED.sub(r" \g<0> ", part)
    return sum(1 for _ in islice(_WORD.finditer(part), MINIMUM_QUOTE_WORDS)) == MINIMUM_QUOTE_WORDS


def quote_shortfall(quote: str) -> str | None:
    """Return why a quote can prove nothing whatever the text (too few words), or None when it is long enough."""
    parts = normalise_quote(quote)
    if not parts:
        return "the quote is empty"
    if len(parts) == 1:
        if _long_enough(parts[0]):
            return None
        return f"a quote must be at least {MINIMUM_QUOTE_WORDS} words long to prove anything"
    short = next((part for part in parts if not _long_enough(part)), None)
    if short is None:
        return None
    return (
        f"each part of a quote joined by an ellipsis must be at least {MINIMUM_QUOTE_WORDS} words long: "
        f"{short[:40]!r} is not"
    )


# Put where a paragraph breaks before a text is normalised: no white space, and no character folds into it.
_PARAGRAPH_MARK = "\x00"


def _normalised_paragraphs(text: str) -> tuple[str, list[int]]:
    """Return the normalised text and where each of its paragraphs but the first starts, normalising it once.

    A break is white space only, so the normalised text is the normalised paragraphs joined by single
    spaces: the text is normalised with each break marked, and cut at the marks (a text that holds the
    mark already has each paragraph normalised on its own, as fast with no offsets to track).
    """
    pieces: Iterable[str]
    if _PARAGRAPH_MARK in text:
        pieces = map(_normalise, _PARAGRAPH_BREAK.split(text))
    else:
        marked = _normalise(_PARAGRAPH_BREAK.sub(f" {_PARAGRAPH_MARK} ", text))
        pieces = (piece.strip(" ") for piece in marked.split(_PARAGRAPH_MARK))
    paragraphs = [paragraph for paragraph in pieces if paragraph]
    starts, position = [], 0
    for paragraph in paragraphs[:-1]:
        position += len(paragraph) + 1
        starts.append(position)
    return " ".join(paragraphs), starts


class SourceText:
    """A source's text, normalised once, in which quotes are looked up."""

    __slots__ = ("_normalised", "_offsets", "_paragraph_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._normalised, self._paragraph_starts = _normalised_paragraphs(text)
        # computed on the first locate: most quotes need none
        self._offsets: list[int] | None = None

    def _original_offsets(self) -> list[int]:
        """Return, for each character of the normalised text, the index in the original text it came from."""
        if self._offsets is None:
            self._offsets = _normalise_with_offsets(self.text)[1]
        return self._offsets

    def _paragraphs(self) -> list[int]:
        """Return where each paragraph but the first starts in the normalised text, in order."""
        return self._paragraph_starts

    def _span(self, parts: list[str]) -> tuple[int, int] | None:
        """Return where a quote's normalised parts run in the normalised text, or None if they do not qualify."""
        if not parts or not all(map(_long_enough, parts)):
            return None
        text = self._normalised
        if len(parts) == 1:
            found = text.find(parts[0])
            return None if found < 0 else (found, found + len(parts[0]))
        # Each paragraph in turn: the leftmost match of each part after the one before is the best there is, so a
        # paragraph where that fails holds no match, and the search moves on to the next.
        starts = self._paragraphs()
        cursor = 0
        while (start := text.find(parts[0], cursor)) >= 0:
            following = bisect_right(starts, start)
            limit = starts[following] if following < len(starts) else len(text)
            end = start + len(parts[0])
            if end <= limit:
                for part in parts[1:]:
                    found = text.find(part, end, limit)
                    if found < 0:
                        break
                    end = found + len(part)
                else:
                    return start, end
            if following == len(starts):
                return None
            cursor = limit
        return None

    def locate(self, quote: str) -> tuple[int, int] | None:
        """Return the span (start, end) of the quote in the original text, or None if absent or too short."""
        span = self._span(normalise_quote(quote))
        if span is None:
            return None
        offsets = self._original_offsets()
        return offsets[span[0]], offsets[span[1] - 1] + 1

    def contains(self, quote: str) -> bool:
        """Say whether the quote is evidence found in the text (see the module's docstring for what qualifies)."""
        parts = normalise_quote(quote)
        if len(parts) == 1:  # most quotes have no ellipsis: one search, no span to track
            return _long_enough(parts[0]) and parts[0] in self._normalised
        return self._span(parts) is not None


@lru_cache(maxsize=4096)
def source_text(text: str) -> SourceText:
    """Return a cached, normalised SourceText for a text."""
    return SourceText(text)
