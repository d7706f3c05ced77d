"""`paiban fonts`: the table's columns line up when cells hold Chinese (two columns a character)."""

from __future__ import annotations

import unicodedata

import pytest
from conftest import paiban

from typeset.system import fonts

SEPARATORS = set("│┃┼├┤┬┴┌┐└┘╇╈╋")


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and fullwidth characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def separator_columns(line: str) -> tuple[int, ...]:
    """The display columns of a table line's vertical rules."""
    columns, at = [], 0
    for ch in line:
        if ch in SEPARATORS:
            columns.append(at)
        at += display_width(ch)
    return tuple(columns)


def assert_aligned(table: str) -> None:
    rows = [line for line in table.splitlines() if line.strip()]
    layouts = {separator_columns(line) for line in rows}
    assert len(layouts) == 1, f"columns do not line up: {sorted(layouts)}"


def test_fonts_table_lines_up_by_display_width():
    result = paiban("fonts")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for role in (*fonts.role_map().values(), *fonts.fallback_map().values()):
        row = next((line for line in lines if f" {role.name} " in line), None)
        assert row is not None and role.family in row, role.name      # one line per face, not wrapped
    assert sum(display_width(ch) == 2 for ch in result.stdout) > 10     # the test means something
    assert_aligned(result.stdout)


def test_the_check_sees_padding_by_characters():
    rows = [("书宋", "shusong"), ("Hanazono", "fallback")]
    by_len = "\n".join(f"│ {a.ljust(10)} │ {b.ljust(9)} │" for a, b in rows)    # ljust counts characters
    with pytest.raises(AssertionError, match="do not line up"):
        assert_aligned(by_len)
