"""A module's geometry: headline area, picture and caption, balanced text columns (no column
starting with the one-line tail of a paragraph when that can be avoided, no 小标题 at the foot
of a column)."""

from __future__ import annotations

from typeset.model.layout import Layout
from typeset.model.records import Article

from .model import CAPTION_AIR, BodyLine, Continuation, Fit, ModulePlan, Rect, TextColumn, caption_depth

KEEP_WITH_SUBHEAD = 2     # lines of text a 小标题 keeps under it in its column


def place_module(article: Article, fit: Fit, column: int, row: int, layout: Layout, pitch: float,
                  continuation: Continuation | None) -> ModulePlan:
    """Geometry of one module: headline area, picture + caption, balanced text columns."""
    x, y = layout.column_x(column), row * pitch
    rect = Rect(x, y, layout.span_width(fit.columns), fit.lines * pitch)
    if fit.head_width:     # a 竖题 at the right, the text beside it from the module's top
        head_rect = Rect(x + rect.w - fit.head_width, y, fit.head_width, fit.head_lines * pitch)
        text_top, text_lines = y, fit.lines
    else:
        head_rect = Rect(x, y, rect.w, fit.head_lines * pitch)
        text_top, text_lines = y + head_rect.h, fit.lines - fit.head_lines
    depth = caption_depth(fit.caption, fit.slots)
    under = fit.picture_lines + depth + (CAPTION_AIR if fit.picture_columns else 0)
    picture_rect = caption_rect = None
    pictures, captions = [], []
    if fit.picture_columns:
        picture_rect = Rect(x, text_top, layout.span_width(fit.picture_columns), fit.picture_lines * pitch)
        caption_rect = Rect(x, picture_rect.y + picture_rect.h, picture_rect.w, depth * pitch)
        pictures = [(s.picture, Rect(x + s.x, picture_rect.y + s.y, s.w, s.h)) for s in fit.slots]
        captions = [(Rect(x + s.x, picture_rect.y + s.y + s.h, s.w, len(s.caption) * pitch), s.caption)
                    for s in fit.slots if s.caption]
        taken = sum(len(s.caption) for s in fit.slots)
        shared = fit.caption[taken:] if taken else fit.caption     # (one shared caption stays lazy)
        if shared:
            top = caption_rect.y + (depth - len(shared)) * pitch     # under the last row's own captions
            captions.append((Rect(x, top, caption_rect.w, len(shared) * pitch), shared))
    width, gutter = layout.text_columns(fit.columns, fit.text_columns, fit.head_width)
    covered = covered_columns(fit.columns, fit.text_columns, fit.picture_columns)
    capacities = _balance([text_lines - (under if covered[c] else 0) for c in range(fit.text_columns)], fit.body)
    columns, taken = [], 0
    for c, capacity in enumerate(capacities):
        top = text_top + (under * pitch if covered[c] else 0)
        columns.append(TextColumn(Rect(x + c * (width + gutter), top, width, capacity * pitch),
                                  list(fit.body[taken:taken + capacity])))
        taken += capacity
    return ModulePlan(article, fit, column, row, rect, head_rect, picture_rect, caption_rect, columns, continuation,
                      pictures, captions)


def covered_columns(columns: int, text_columns: int, picture_columns: int) -> list[bool]:
    """Which text columns start under the picture: it spans whole 基本栏, so in 基本栏 text a
    column is under it when its index is below picture_columns (变栏 text: all of them)."""
    return [c < picture_columns if text_columns == columns else bool(picture_columns) for c in range(text_columns)]


def balance(full: list[int], body: tuple[BodyLine, ...]) -> list[int] | None:
    """Lines in each text column, or None when no choice keeps every 小标题 with at least
    KEEP_WITH_SUBHEAD lines of what follows in its column.

    Columns are full or short; a column is short by more than one line only to keep a 小标题
    with its text. Among the choices that keep them, the fewest short lines, then no column
    after the first beginning with the one-line tail of a paragraph (a widow at the column
    top), then the short lines in the last columns."""
    n, k = len(body), len(full)
    if sum(full) < n:
        return None
    # best[c][t]: (cost, heights) of columns c.. holding body[t:], cost (short², widows, lateness)
    best: list[dict[int, tuple[tuple, list[int]]]] = [dict() for _ in range(k + 1)]
    best[k][n] = ((0, 0, 0), [])

    def solve(c: int, t: int):
        if t in best[c]:
            return best[c][t]
        found = None
        if c < k:
            heights = {n - t} | set(range(full[c] - KEEP_WITH_SUBHEAD - 1, full[c] + 1))
            for h in sorted((h for h in heights if 0 <= h <= min(full[c], n - t)), reverse=True):
                end = t + h
                if end < n and h and not _keeps_subheads(body, end):
                    continue
                rest = solve(c + 1, end)
                if rest is None:
                    continue
                short = full[c] - h
                cost = (rest[0][0] + short * short, rest[0][1] + (end < n and _widow_at(body, end)),
                        rest[0][2] + short * (k - c))
                if found is None or cost < found[0]:
                    found = (cost, [h] + rest[1])
        best[c][t] = found
        return found

    result = solve(0, 0)
    return result[1] if result else None


def _balance(full: list[int], body: tuple[BodyLine, ...]) -> list[int]:
    """balance, or when no choice keeps the 小标题 with their text (a module planned before
    they were kept), every column full or one line short with the last ones short."""
    kept = balance(full, body)
    if kept is not None:
        return kept
    heights, short = list(full), sum(full) - len(body)
    for c in reversed(range(len(full))):
        take = min(short, heights[c])
        heights[c] -= take
        short -= take
    return heights


def _keeps_subheads(body: tuple[BodyLine, ...], end: int) -> bool:
    """May a column end before body[end]? Not with a 小标题 among its last KEEP_WITH_SUBHEAD lines."""
    return all(body[j].cls != "subhead" for j in range(max(0, end - KEEP_WITH_SUBHEAD), end))


def _widow_at(body: tuple[BodyLine, ...], top: int) -> bool:
    """Does a column beginning with body[top] begin with the last line of a paragraph of several?"""
    return bool(0 < top < len(body) and body[top].line.last and body[top].cls == ""
                and body[top - 1].paragraph == body[top].paragraph)
