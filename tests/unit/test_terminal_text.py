"""Stored text on a terminal: every character that could forge a line or a cell, or reorder one, is escaped visibly."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from cli.output import echo_table, safe_text

# newline and tab forge rows and cells; the bidirectional controls reorder what a line shows; zero-width ones hide
FORGING = {
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\x0d",
    "\x0b": "\\x0b",
    "\x0c": "\\x0c",
    "\x1b": "\\x1b",
    "\x7f": "\\x7f",
    "\x85": "\\x85",
    "\x9b": "\\x9b",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
    **{chr(code): f"\\u{code:04x}" for code in range(0x202A, 0x202F)},
    **{chr(code): f"\\u{code:04x}" for code in range(0x2066, 0x206A)},
    **{chr(code): f"\\u{code:04x}" for code in (0x200E, 0x200F, 0x061C)},
    **{chr(code): f"\\u{code:04x}" for code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)},
}


@pytest.mark.parametrize(("character", "shown"), FORGING.items(), ids=[f"U+{ord(c):04X}" for c in FORGING])
def test_every_forging_character_is_escaped_visibly(character: str, shown: str) -> None:
    assert safe_text(f"a{character}b") == f"a{shown}b"


def test_ordinary_text_is_unchanged() -> None:
    text = "Poland (Polska) offers logistics — “not troops”, 30 % of 2025-03-10; Zürich, Kraków, 北京, עברית"
    assert safe_text(text) == text
    assert safe_text(None) == ""
    assert safe_text(7) == "7"


def test_a_text_shown_whole_keeps_its_line_breaks_and_nothing_else() -> None:
    assert safe_text("one\ntwo\t\u202ethree\u200b", keep_newlines=True) == "one\ntwo\\t\\u202ethree\\u200b"


def _printed(rows: list[list[object]]) -> str:
    @click.command()
    def table() -> None:
        echo_table(["POS", "ID", "VERIFIED"], rows)

    result = CliRunner().invoke(table, catch_exceptions=False)
    assert result.exit_code == 0
    return result.output


def test_a_stored_id_cannot_forge_a_row_of_a_table() -> None:
    forged = "gb-1\n99  2025-03-11  RU  fake-row  yes"
    lines = _printed([[1, forged, "no"], [2, "plain\t\u202eid", "no"]]).splitlines()
    assert len(lines) == 3  # the header and two rows
    assert lines[1].split() == ["1", "gb-1\\n99", "2025-03-11", "RU", "fake-row", "yes", "no"]
    assert "\\t\\u202eid" in lines[2]
