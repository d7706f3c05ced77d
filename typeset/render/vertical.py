"""A vertical headline (compose.VerticalHeadline) as HTML: a box one em wide whose every
character is its own absolutely positioned block, one a cell, moved and turned as the composer
says. WeasyPrint has no vertical writing mode; it only places these glyphs.

A block's line box is one em high, so Pango puts the baseline where the face's ascent and
descent centre it; the block is moved so the baseline sits IDEOGRAPHIC_TOP em below the
cell's top, which puts the ideographic em box on the cell.
"""

from __future__ import annotations

import functools
import html

from typeset.compose import measure
from typeset.compose.vertical import IDEOGRAPHIC_TOP, VerticalHeadline

from .lines import _pt


@functools.cache
def _baseline_shift(role: str) -> float:
    """Em to move a one-em line box so its baseline is IDEOGRAPHIC_TOP below its top."""
    ascent, descent = measure(role, 1000.0).extents()
    return IDEOGRAPHIC_TOP - ((1 - (ascent + descent)) / 2 + ascent)


def vertical_html(headline: VerticalHeadline) -> str:
    em = headline.size_pt
    shift = _baseline_shift(headline.role) * em
    blocks = []
    for cell in headline.cells:
        length = cell.span * em if cell.turned else em       # the block's width before turning
        left = (em - length) / 2
        top = cell.row * em + (cell.span * em - em) / 2 + shift
        transform = []
        if cell.turned:
            transform.append("rotate(90deg)")
        if cell.stretch != 1.0:
            transform.append(f"scaleX({cell.stretch:.4f})")
        if cell.dx or cell.dy:
            transform.append(f"translate({_pt(cell.dx)},{_pt(cell.dy)})")
        style = f"left:{_pt(left)};top:{_pt(top)};width:{_pt(length)}"
        if transform:
            # about the centre of the cells: the block's centre, less the baseline shift
            style += f";transform:{' '.join(transform)};transform-origin:{_pt(length / 2)} {_pt(em / 2 - shift)}"
        blocks.append(f'<div class="vc" style="{style}">{html.escape(cell.text, quote=False)}</div>')
    return (f'<div class="vt r-{headline.role}" style="width:{_pt(em)};height:{_pt(headline.height)};'
            f'font-size:{_pt(em)};line-height:{_pt(em)}">{"".join(blocks)}</div>')


VERTICAL_CSS = (".vt { position: relative; white-space: pre; letter-spacing: 0; text-align: left; }\n"
                ".vt .vc { position: absolute; height: 1em; text-indent: 0; }")
