"""A module's geometry: headline area, picture and caption, balanced text columns (no column
starting with the one-line tail of a paragraph when that can be avoided)."""

from __future__ import annotations

import itertools

from typeset.model.layout import Layout
from typeset.model.records import Article

from .model import CAPTION_AIR, BodyLine, Continuation, Fit, ModulePlan, Rect, TextColumn


def place_module(article: Article, fit: Fit, column: int, row: int, layout: Layout, pitch: float,
                  continuation: Continuation | None) -> ModulePlan:
    """Geometry of one module: headline area, picture + caption, balanced text columns."""
    x, y = layout.column_x(column), row * pitch
    rect = Rect(x, y, layout.span_width(fit.columns), fit.lines * pitch)
    head_rect = Rect(x, y, rect.w, fit.head_lines * pitch)
    text_lines = fit.lines - fit.head_lines
    under = fit.picture_lines + len(fit.caption) + (CAPTION_AIR if fit.picture_columns else 0)
    picture_rect = caption_rect = None
    if fit.picture_columns:
        picture_rect = Rect(x, y + head_rect.h, layout.span_width(fit.picture_columns), fit.picture_lines * pitch)
        caption_rect = Rect(x, picture_rect.y + picture_rect.h, picture_rect.w, len(fit.caption) * pitch)
    width, gutter = layout.text_columns(fit.columns, fit.text_columns)
    # A text column under the picture starts below it; the picture spans whole 基本栏, so in
    # 基本栏 text a column is under it when its index is below picture_columns.
    covered = [c < fit.picture_columns if fit.text_columns == fit.columns else bool(fit.picture_columns)
               for c in range(fit.text_columns)]
    capacities = _balance([text_lines - (under if covered[c] else 0) for c in range(fit.text_columns)], fit.body)
    columns, taken = [], 0
    for c, capacity in enumerate(capacities):
        top = y + head_rect.h + (under * pitch if covered[c] else 0)
        columns.append(TextColumn(Rect(x + c * (width + gutter), top, width, capacity * pitch),
                                  list(fit.body[taken:taken + capacity])))
        taken += capacity
    return ModulePlan(article, fit, column, row, rect, head_rect, picture_rect, caption_rect, columns, continuation)


def _balance(full: list[int], body: tuple[BodyLine, ...]) -> list[int]:
    """Lines in each text column: every column full or one line short (the body is fewer
    lines short of filling them than there are columns). The last columns end early, unless
    that starts a column with the one-line tail of a paragraph (a widow at the column top) and
    another choice of short columns avoids it."""
    short = sum(full) - len(body)
    open_columns = [c for c, lines in enumerate(full) if lines > 0]
    first = None
    for chosen in itertools.combinations(reversed(open_columns), short):   # the last ones first
        heights = [lines - (c in chosen) for c, lines in enumerate(full)]
        if not _widow(heights, body):
            return heights
        first = first or heights
    return first or full


def _widow(heights: list[int], body: tuple[BodyLine, ...]) -> bool:
    """Does a column after the first begin with the last line of a paragraph of several?"""
    top = 0
    for lines in heights[:-1]:
        top += lines
        if 0 < top < len(body) and body[top].line.last and body[top].cls == "" \
                and body[top - 1].paragraph == body[top].paragraph:
            return True
    return False
