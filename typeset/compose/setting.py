"""The Chinese line composer: breaks paragraphs into lines by the rules of typography.md.

WeasyPrint cannot justify Chinese and breaks greedily, so the program breaks the lines itself,
measuring with HarfBuzz on the same font file and face WeasyPrint embeds, and renders every
line as one non-wrapping block whose spacing is explicit; WeasyPrint then only places glyphs.

How a line is rendered, and why it can be measured exactly:
- WeasyPrint shapes the text of every element (each text box) separately with Pango, and
  Pango itemizes a box by script: Common characters (punctuation, digits, ——, ……) take the
  script of the neighbouring strong characters, an all-Common box stays Common. Script and
  language change glyphs ("——" between Han is one 2 em glyph, alone it is 1.69 em). So the
  composer decides the text boxes of a line and measures each one the way Pango will shape it
  (`Measure.shape`); the final spacing is solved on those exact widths.
- `letter-spacing: X` adds X after every glyph cluster of a box. The line carries the even
  inter-character spacing X; a halted mark is `<span class="h">` (OpenType `halt`, ½ em);
  a Latin word or number, and a dash/ellipsis pair that shapes as two glyphs, is a
  `<span class="w">` with letter-spacing 0 (never stretched inside) whose margins carry the
  Han–Latin gap and the spacing after it; a stretched word space is a span of its own.

Pure and fast: no rendering, no HTML (typeset.render.lines writes a Line as HTML).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from typeset.model.layout import HouseStyle

from .breaking import (
    CAPPED_CHAR_GAP_EM,
    EPS,
    INTERIOR_BRACKETS,
    INTERIOR_COMMAS,
    MAX_CHAR_GAP_EM,
    Paragraph,
    clusters_of,
)
from .shaping import measure


@dataclass(frozen=True)
class Box:
    """One text box of a line as WeasyPrint will shape it: text in one role, one spacing.

    Spacing is relative to the line's letter-spacing X: a plain box has X after every glyph
    cluster, X + `extra` when `extra` is not None; a w-span (`word`) has none inside, X +
    `extra` in its right margin and `margin_left` (absolute) before it.
    """

    text: str
    role: str
    halt: bool = False
    extra: float | None = None
    margin_left: float = 0.0
    word: bool = False


@dataclass(frozen=True)
class PlacedCluster:
    """Where one cluster of a line sits: x from the column's left edge, advance in pt."""

    text: str
    x: float
    advance: float
    halt: bool


@dataclass(frozen=True)
class Line:
    """One composed line; `width` runs from the column's left edge to the right edge of
    the last visible glyph (a source space kept at the line end is zero width) — but not of a
    hanging mark (`hang`): that one starts at `width`, the column's edge, and sits outside."""

    boxes: tuple[Box, ...]
    placed: tuple[PlacedCluster, ...]
    role: str
    size_pt: float
    spacing: float      # the line's letter-spacing (even inter-character stretch)
    indent: float
    width: float
    last: bool
    hang: bool = False

    def text(self) -> str:
        return "".join(b.text for b in self.boxes)


class _LineSetter:
    """Decides the compression and the spacing of one line, then places it exactly."""

    def __init__(self, para: Paragraph, s: int, e: int, width: float, indent: float,
                 justify: bool, space_target: float | None = None, hang: bool = False):
        self.p, self.s, self.e = para, s, e
        # a hanging mark (the last cluster) is outside the justified part, at ½ em
        self.hang = hang and e - s > 1
        self.v = e - 1 if self.hang else para.visible_end(s, e)
        self.width, self.indent, self.justify = width, indent, justify
        self.halt = para.halted[s:e]
        if self.hang:
            self.halt[-1] = True
        # extra[k]: spacing after cluster s+k beyond the even X (gaps, word spaces)
        self.extra = [para.gap[i] if i < self.v - 1 else 0.0 for i in range(s, e)]
        if space_target is not None:
            for k in self._spaces():
                self.extra[k] = space_target - para.c[s + k].width

    def _spaces(self) -> list[int]:
        return [k for k in range(self.v - self.s - 1) if self.p.c[self.s + k].kind == "space"]

    def _gaps(self) -> list[int]:
        return [k for k in range(self.v - self.s - 1) if self.p.gap[self.s + k] > 0]

    def natural_width(self) -> float:
        c = self.p.c[self.s:self.v]
        return self.indent + sum(
            (x.half if h else x.width) + d for x, h, d in zip(c, self.halt, self.extra))

    def set(self) -> Line:
        need = self.natural_width() - self.width
        if need > EPS:
            self._shrink(need)
        elif self.justify and need < -EPS:
            self._stretch(-need)
        return self._place()

    def _halt_one(self, k: int) -> float:
        c = self.p.c[self.s + k]
        self.halt[k] = True
        return c.width - c.half

    def _shrink(self, need: float) -> None:
        """clreq order: line-end mark; word spaces → ¼ em; brackets; ，、；; gaps → ⅛ em."""
        p, s, last = self.p, self.s, self.v - 1 - self.s
        if not self.halt[last] and p.end_saving(s + last):
            need -= self._halt_one(last)
        if need > EPS and not self.halt[0] and p.start_saving(s):
            need -= self._halt_one(0)
        taken = 0.0
        if need > EPS:
            taken = self._adjust(self._spaces(), need, lambda k: p.em / 4 - p.c[s + k].width)
            need -= taken
        for marks in (INTERIOR_BRACKETS, INTERIOR_COMMAS):
            for k in range(last - 1, 0, -1):
                if need <= EPS:
                    break
                if p.c[s + k].text in marks and not self.halt[k] and p.interior_saving(s + k):
                    need -= self._halt_one(k)
        if need > EPS:
            need -= self._adjust(self._gaps(), need, lambda k: -p.gap[s + k] / 2)
        if need < -EPS and taken:
            need += self._adjust(self._spaces(), -need, lambda k: 0.0, stretch=True)

    def _stretch(self, slack: float) -> None:
        """clreq order: word spaces up to ½ em; Han–Latin gaps up to ½ em; the rest is X,
        except what X would take past the house style's cap, which spaces and gaps take."""
        p, s = self.p, self.s
        slack -= self._adjust(self._spaces(), slack,
                              lambda k: p.em / 2 - p.c[s + k].width, stretch=True)
        slack -= self._adjust(self._gaps(), slack, lambda k: p.em / 2 - p.gap[s + k],
                              stretch=True)
        wide = self._spaces() + self._gaps()
        slots = self.v - self.s - 1
        over = slack - p.style.char_stretch_cap_em * p.em * slots
        if wide and over > EPS:
            for k in wide:
                self.extra[k] += over / len(wide)

    def _adjust(self, ks: list[int], amount: float, limit, stretch: bool = False) -> float:
        """Move extra[k] for k in ks evenly toward limit(k) by at most `amount` in total."""
        sign = 1 if stretch else -1
        room = [max(0.0, sign * (limit(k) - self.extra[k])) for k in ks]
        total = sum(room)
        if total <= EPS:
            return 0.0
        share = min(1.0, amount / total)
        for k, r in zip(ks, room):
            self.extra[k] += sign * r * share
        return total * share

    def _boxes(self) -> list[Box]:
        """The line's text boxes; the spacing after cluster k is X + extra[k].

        A w-span carries that in its right margin; the extra before a w-span rides on the
        span's left margin, so the Han text box before it is not split (a split could leave
        an all-Common box behind, which Pango shapes differently).
        """
        p, s, n = self.p, self.s, self.e - self.s
        boxes: list[Box] = []
        plain: list[str] = []      # text of the plain box being collected
        plain_role = ""
        carry = 0.0

        def flush():
            if plain:
                boxes.append(Box("".join(plain), plain_role))
                plain.clear()

        for k in range(n):
            c, extra = p.c[s + k], self.extra[k]
            if c.kind == "word" or c.split:
                flush()
                boxes.append(Box(c.text, c.role, extra=extra, margin_left=carry, word=True))
                carry = 0.0
                continue
            nxt = p.c[s + k + 1] if k + 1 < n else None
            if nxt is not None and (nxt.kind == "word" or nxt.split):
                carry, extra = extra, 0.0
            own = extra if abs(extra) > EPS else None
            if self.halt[k] or own is not None or c.role != plain_role:
                flush()
            if self.halt[k] or own is not None:
                boxes.append(Box(c.text, c.role, halt=self.halt[k], extra=own))
            else:
                plain.append(c.text)
                plain_role = c.role
        flush()
        return boxes

    def _place(self) -> Line:
        """Solve the even spacing X on the exact box widths, then place every cluster.

        Positions are linear in X (`_layout`), so one layout gives X. An X that would part two
        Han characters in pdftotext (MAX_CHAR_GAP_EM) is capped at CAPPED_CHAR_GAP_EM and the
        rest goes to the line's gaps that are not between two Han characters, or, on a line
        without one, is left over: the line is short (the breaker's total fit avoids such lines). A hanging mark gets a negative
        left margin that cancels the spacing after the cluster before it, so it starts
        exactly at the column's edge.
        """
        em = self.p.em
        boxes = self._boxes()
        layout = _layout(boxes, em)
        spacing = 0.0
        if self.justify:
            spacing = self._solve(layout)
            if spacing >= (MAX_CHAR_GAP_EM - EPS) * em and self.p.han_pair(self.s, self.v):
                spacing = CAPPED_CHAR_GAP_EM * em
                spread = self._spread_over_others(spacing)
                if spread:
                    boxes, layout = spread, _layout(spread, em)
        if self.hang:
            before = self.extra[self.v - 1 - self.s]
            boxes[-1] = replace(boxes[-1], margin_left=-(spacing + before))
            layout = _layout(boxes, em)
        placed, pos = [], 0
        for k in range(self.e - self.s):
            c = self.p.c[self.s + k]
            x0, slots, _ = layout[pos]
            adv = sum(a for _, _, a in layout[pos:pos + len(c.text)])
            placed.append(PlacedCluster(c.text, self.indent + x0 + spacing * slots, adv, self.halt[k]))
            pos += len(c.text)
        end = placed[self.v - 1 - self.s]
        return Line(tuple(boxes), tuple(placed), _main_role(self.p.c[self.s:self.e]), em,
                    spacing, self.indent, end.x + end.advance, last=not self.justify,
                    hang=self.hang)

    def _spread_over_others(self, spacing: float) -> list[Box] | None:
        """With X fixed, widen the gaps beside a word, a word space or a dash pair evenly so
        the line ends at the edge — those next to a full-width mark only when the line has no
        other (`Paragraph.spreadable`); the new boxes, or None when the line has no such gap.

        Giving a cluster its own spacing splits a text box, which can change how Pango
        shapes it (a lone —— is narrower), so the widening is solved on the split boxes:
        positions are linear in it, two layouts (1 and 2 pt) give it."""
        s, em = self.s, self.p.em
        rank = self.p.spreads(s, self.v)
        others = [k for k in range(self.v - s - 1) if rank and self.p.spreadable(s + k) == rank]
        if not others:
            return None
        base = list(self.extra)

        def widened(d: float) -> list[Box]:
            for k in others:
                self.extra[k] = base[k] + d
            return self._boxes()

        end1 = self._right(_layout(widened(1.0), em), spacing)
        end2 = self._right(_layout(widened(2.0), em), spacing)
        if end2 - end1 <= EPS:
            self.extra = base
            return None
        return widened(1.0 + (self.width - self.indent - end1) / (end2 - end1))

    def _solve(self, layout: list[tuple[float, int, float]]) -> float:
        """The even spacing X that ends the line's justified part at the column's edge."""
        end0, end1 = self._right(layout, 0.0), self._right(layout, 1.0)
        return (self.width - self.indent - end0) / (end1 - end0) if end1 - end0 > EPS else 0.0

    def _right(self, layout: list[tuple[float, int, float]], spacing: float) -> float:
        """Where the last visible cluster ends with letter-spacing `spacing`."""
        end = sum(len(c.text) for c in self.p.c[self.s:self.v])
        last_start = end - len(self.p.c[self.v - 1].text)
        x0, slots, _ = layout[last_start]
        return x0 + spacing * slots + sum(a for _, _, a in layout[last_start:end])


def _main_role(clusters) -> str:
    counts: dict[str, int] = {}
    for c in clusters:
        counts[c.role] = counts.get(c.role, 0) + len(c.text)
    return max(counts, key=counts.get)


def _layout(boxes: list[Box], size_pt: float) -> list[tuple[float, int, float]]:
    """(pen x without letter-spacing, letter-spacing slots before it, advance) of every source
    character, shaped box by box as WeasyPrint does: with letter-spacing X the pen is at
    x + X · slots. Pango adds the box's spacing after each glyph cluster of a plain box, and
    once after a w-span (its right margin).

    A character inside a glyph cluster (the second "—" of a ligature) gets its cluster's x
    and advance 0, so the advances of a line's characters add up to its glyph advances.
    """
    out: list[tuple[float, int, float]] = []
    x, slots = 0.0, 0
    for box in boxes:
        extra = box.extra or 0.0
        x += box.margin_left
        glyphs = measure(box.role, size_pt).shape(box.text, box.halt)
        for g, (start, adv, _) in enumerate(glyphs):
            end = glyphs[g + 1][0] if g + 1 < len(glyphs) else len(box.text)
            out.append((x, slots, adv))
            out.extend((x, slots, 0.0) for _ in range(start + 1, end))
            x += adv
            if not box.word:
                x += extra
                slots += 1
        if box.word:
            x += extra
            slots += 1
    return out

# --- public entry points -------------------------------------------------------------------

class Lines(Sequence):
    """The lines of one paragraph or headline: broken at once, each spaced and placed when
    first read. The planner asks for the number of lines at every width it tries; only the
    widths it chooses are ever set."""

    def __init__(self, para: Paragraph, width: float,
                 specs: list[tuple[int, int, float, bool, float | None, bool]]):
        self._para, self._width = para, width
        self._specs = specs    # per line: (start, end, indent, justify, word-space target, hang)
        self._set: list[Line | None] = [None] * len(specs)

    def __len__(self) -> int:
        return len(self._specs)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        line = self._set[i]
        if line is None:
            s, e, indent, justify, space_target, hang = self._specs[i]
            line = self._set[i] = _LineSetter(self._para, s, e, self._width, indent, justify,
                                              space_target, hang).set()
        return line


@functools.lru_cache(maxsize=1024)      # bounded: flat memory over a long batch
def _shared_paragraph(spans: tuple[tuple[str, str], ...], size_pt: float,
                      style: HouseStyle) -> tuple[Paragraph, float]:
    """A paragraph's clusters and sums, shared by every width it is broken at, with the
    width of its widest word: a width too narrow for that word needs its own clusters."""
    para = Paragraph(clusters_of(list(spans), size_pt, style, math.inf), size_pt, style)
    return para, max((c.width for c in para.c if c.kind == "word"), default=0.0)


def _paragraph(spans: list[tuple[str, str]], size_pt: float, style: HouseStyle,
               max_width: float) -> Paragraph:
    para, widest_word = _shared_paragraph(tuple(spans), size_pt, style)
    if widest_word <= max_width - size_pt:     # no word split (see _word_clusters)
        return para
    return Paragraph(clusters_of(spans, size_pt, style, max_width), size_pt, style)


def compose_paragraph(spans: list[tuple[str, str]] | str, width_pt: float, size_pt: float,
                      style: HouseStyle = HouseStyle(), indent: bool = True) -> Lines:
    """Break one paragraph into justified lines (the last one is set natural, not justified).

    `spans` are (text, role) pieces, e.g. a 黑体 dateline run-in then the 书宋 body. The lines'
    text joins to exactly the source: a source space at a break stays at the end of the
    earlier line, with zero width.
    """
    if isinstance(spans, str):
        spans = [(spans, "shusong")]
    return _composed(tuple((t, r) for t, r in spans if t), width_pt, size_pt, style, indent)


@functools.lru_cache(maxsize=4096)      # bounded: flat memory over a long batch
def _composed(spans: tuple[tuple[str, str], ...], width_pt: float, size_pt: float, style: HouseStyle,
              indent: bool) -> Lines:
    """compose_paragraph's lines, shared by every call with the same text, width and style: the
    planner asks again at the widths it tries, and a watching process (paiban watch, serve) sets
    only the paragraphs an edit changed; a Lines is read-only and sets each line once."""
    if not spans:
        return Lines(None, width_pt, [])
    first_indent = style.indent_em * size_pt if indent else 0.0
    # a word is split only when wider than the narrowest line it may have to fit: the first
    para = _paragraph(list(spans), size_pt, style, width_pt - first_indent)
    breaks = para.breaks(width_pt, first_indent)
    return Lines(para, width_pt, [(s, e, first_indent if i == 0 else 0.0, i < len(breaks) - 1, None,
                                   e in para.hung) for i, (s, e) in enumerate(breaks)])
