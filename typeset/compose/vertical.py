"""Vertical headlines (竖题): a headline set top to bottom in one column of square cells.

WeasyPrint has no vertical writing mode, so every character is its own box in a cell of one
em, placed by the composer (clreq, vertical writing): Han characters upright; ，。、 in the
top-right quadrant of their cell; ：；！？ centred; brackets, quotes, —— and …… turned 90°
clockwise (their text stays the source's, so the PDF still reads and searches as written),
a dash stretched to the whole cell so —— is one unbroken rule; a number of one or two digits
upright in one cell (纵中横), a longer Latin word turned with the brackets. Where a glyph's
ink sits is read from the font (HarfBuzz extents of the face WeasyPrint embeds), so a mark is
placed by its ink, not by a guess about the font's design.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from typeset.model.chars import OPENING

from .shaping import measure

TOP_RIGHT = "，。、．"
CENTRED = "：；！？"
TURNED = OPENING + "）］｝〕〗】》〉」』”’" + "—…～-"   # brackets, quotes, dashes, ellipsis
EPS = 1e-6
IDEOGRAPHIC_TOP = 0.88      # em above the baseline: the top of a CJK face's ideographic em box


@dataclass(frozen=True)
class VerticalCell:
    """One box of a vertical headline: `text` in cells `row` .. `row + span - 1` (from the
    top), its glyph's origin moved by (dx, dy) pt from where the cell puts it, then scaled by
    `stretch` along its own line about the centre of its cells (a dash made one em long, two
    digits narrowed to the cell), then turned 90° clockwise about that centre when `turned`."""

    text: str
    row: int
    span: int = 1
    dx: float = 0.0
    dy: float = 0.0
    turned: bool = False
    stretch: float = 1.0


@dataclass(frozen=True)
class VerticalHeadline:
    cells: tuple[VerticalCell, ...]
    role: str
    size_pt: float
    rows: int           # cells down the column

    @property
    def height(self) -> float:
        return self.rows * self.size_pt

    def text(self) -> str:
        return "".join(c.text for c in self.cells)


def _pieces(text: str) -> list[str]:
    """The headline's boxes: one character each, a Latin word or number whole."""
    out: list[str] = []
    for ch in text:
        if ch.isascii() and ch.isalnum() and out and out[-1].isascii() and out[-1][-1:].isalnum():
            out[-1] += ch
        else:
            out.append(ch)
    return out


def compose_vertical(text: str, role: str, size_pt: float) -> VerticalHeadline:
    """Set `text` (a 主题 or 引题) vertically; a space between phrases is one empty cell."""
    m, em = measure(role, size_pt), size_pt
    cells: list[VerticalCell] = []
    row = 0
    for piece in _pieces(" ".join(text.split())):
        if piece == " ":
            row += 1
            continue
        if piece.isascii() and piece.isalnum() and len(piece) > 2:      # a word: turned whole
            span = max(1, math.ceil(m.width(piece) / em - 0.05))
            left, top, right, bottom = m.ink(piece, IDEOGRAPHIC_TOP)
            cells.append(VerticalCell(piece, row, span, dx=(span * em - (left + right)) / 2,
                                      dy=em / 2 - (top + bottom) / 2, turned=True))
            row += span
            continue
        left, top, right, bottom = m.ink(piece, IDEOGRAPHIC_TOP)
        if piece in TOP_RIGHT:
            cells.append(VerticalCell(piece, row, dx=0.75 * em - (left + right) / 2,
                                      dy=0.25 * em - (top + bottom) / 2))
        elif piece in CENTRED or (piece.isascii() and piece.isalnum()):
            # centred; two digits wider than the cell are narrowed to fit it
            cells.append(VerticalCell(piece, row, dx=em / 2 - (left + right) / 2, dy=em / 2 - (top + bottom) / 2,
                                      stretch=min(1.0, 0.9 * em / max(right - left, EPS))))
        elif piece in TURNED:
            ink = right - left
            stretch = em / ink if piece in "—-" and ink > 0 else 1.0
            # the ink stays where the font puts it along the line (a bracket's ink toward the
            # text it opens or closes) and is centred across it: after the turn, across the column
            dx = em / 2 - (left + right) / 2 if piece in "—-…" else 0.0
            cells.append(VerticalCell(piece, row, dx=dx, dy=em / 2 - (top + bottom) / 2,
                                      turned=True, stretch=stretch))
        else:
            cells.append(VerticalCell(piece, row))
        row += 1
    return VerticalHeadline(tuple(cells), role, size_pt, row)
