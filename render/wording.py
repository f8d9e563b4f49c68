"""Words for whether a quote checks out, one wording for every door and document."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from events import Source

__all__ = ["QUOTE_STATUS_LABELS", "quote_found_at", "quote_status_sentence"]

# short labels, where a status sits beside its quote (the report, a table cell)
QUOTE_STATUS_LABELS = {
    "verified": "verified",
    "not_found": "NOT FOUND in the text",
    "text_absent": "unverified: text not attached",
    "no_quote": "no quote",
}


def quote_status_sentence(
    source_id: str, source: Source | None, status: str, *, how_to_attach: str | None = None
) -> str:
    """Say in plain words whether a quote was verified, and (given the door's way to attach a text) how to verify it."""
    if source is None:
        return f"unverified: {source_id} is not a registered source"
    if status == "verified":
        return f"verified: the quote is in the stored text of {source_id}"
    if status == "not_found":
        return f"NOT FOUND: the quote is not in the stored text of {source_id}"
    if status == "no_quote":
        return f"unverified: no quote from {source_id} is cited"
    if source.sha256 is None:
        return f"unverified: {source_id} was registered without a sha256, so no text can be attached to it"
    attach = f"; verify with {how_to_attach}" if how_to_attach else ""
    return f"unverified: the text of {source_id} is not attached{attach}"


def quote_found_at(start: int | None, end: int | None, status: str) -> str:
    """Say where a quote stands in its source's text: its character span, or why it has none."""
    if start is not None:
        return f"chars {start}-{end}"
    return {"not_found": "NOT FOUND", "no_quote": "no quote"}.get(status, "text not attached")
