"""Breaking: a paragraph's clusters (the units never broken or spaced apart) and where its lines
end, by the rules of typography.md (禁则, squeeze in before pushing out, 孤字, compression)."""

from __future__ import annotations

import bisect
import functools
import math
import unicodedata
from dataclasses import dataclass

from typeset.model.chars import CLOSING, DASH_PAIRS, NO_END, NO_START, OPENING
from typeset.model.layout import HouseStyle

from .shaping import IDEOGRAPHIC_SCRIPTS, measure, script_of

INTERIOR_BRACKETS = OPENING + "）］｝〕〗】》〉」』”’"
INTERIOR_COMMAS = "，、；"
HANGING = "、，。"
EPS = 1e-6
# poppler's pdftotext starts a new word where glyphs are more than 0.1 em apart, and WeasyPrint
# writes letter-spacing in whole thousandths of an em: an even spacing of 0.0995 em or more
# between two Han characters reads back as a space. A line that would need that much is
# tightened (squeeze in, hang a mark) and, failing that, set at CAPPED_CHAR_GAP_EM, a hair short.
MAX_CHAR_GAP_EM = 0.0995
CAPPED_CHAR_GAP_EM = 0.098
# The total-fit breaker's badness of a line (Knuth–Plass demerits are (LINE_PENALTY + b)²):
# a line whose Han spacing reaches the cap but whose other gaps (beside a word or a dash) can
# take the rest is flush but gappy; one that cannot is short, which a proofreader marks.
LINE_PENALTY = 10.0
GAPPY = 3000.0
SHORT = 1e6
ORPHAN = 1e5
HANG_COST = 20.0


@dataclass(frozen=True)
class Cluster:
    """Source characters that are never broken or spaced apart: one Han character or mark,
    a Latin word or number, a ——/…… pair, a space."""

    text: str
    role: str
    kind: str       # han | open | close | dash | word | space | other
    width: float    # nominal advance, inside Han text
    half: float     # advance with `halt` (== width when the font cannot compress it)
    gap_ok: bool    # a word that takes the Han–Latin gap / a Han character next to one
    split: bool = False  # a dash pair that shapes as two glyphs: rendered as a w-span

    @property
    def compressible(self) -> bool:
        return self.half < self.width - EPS


@functools.cache
def _is_word_char(ch: str) -> bool:
    if ch == " ":
        return False
    if ch.isascii():
        return ch.isprintable()
    return script_of(ch) in ("Latn", "Grek", "Cyrl", "Zinh") and not unicodedata.name(
        ch, "").startswith("FULLWIDTH")


def clusters_of(spans: list[tuple[str, str]], size_pt: float, style: HouseStyle,
              max_width: float) -> list[Cluster]:
    out: list[Cluster] = []
    for text, role in spans:
        m = measure(role, size_pt)
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if _is_word_char(ch):
                j = i + 1
                # a ’ between letters is an apostrophe (it’s), not a closing quote
                while j < n and (_is_word_char(text[j]) or (
                        text[j] == "’" and j + 1 < n and _is_word_char(text[j + 1]))):
                    j += 1
                out.extend(_word_clusters(text[i:j], role, m, style, max_width))
                i = j
                continue
            if text[i:i + 2] in DASH_PAIRS:
                pair = text[i:i + 2]
                width = m.width(pair, script="Hani")
                split = len(m.shape(pair, script="Hani")) > 1
                out.append(Cluster(pair, role, "dash", width, width, False, split=split))
                i += 2
                continue
            out.append(_single(ch, role, size_pt))
            i += 1
    return out


@functools.cache
def _single(ch: str, role: str, size_pt: float) -> Cluster:
    """The cluster of one character that is not part of a word or a dash pair."""
    if ch == " ":
        kind = "space"
    elif ch in OPENING:
        kind = "open"
    elif ch in CLOSING:
        kind = "close"
    elif script_of(ch) in IDEOGRAPHIC_SCRIPTS:
        kind = "han"
    else:
        kind = "other"
    m = measure(role, size_pt)
    width = m.width(ch, script="Hani")
    half = m.width(ch, halt=True, script="Hani") if kind in ("open", "close") else width
    return Cluster(ch, role, kind, width, min(half, width), kind == "han")


def _word_clusters(word, role, m, style, max_width):
    """A Latin word or number as one cluster; split only when it cannot share a line with
    1 em more (a mark that may not start the next line), into pieces that can."""
    has_letter = any(c.isalpha() for c in word)
    gap_ok = has_letter or style.digit_gap
    width = m.width(word)
    max_width -= m.size_pt
    if width <= max_width:
        return [Cluster(word, role, "word", width, width, gap_ok)]
    pieces, start = [], 0
    for end in range(1, len(word) + 1):
        if end > start + 1 and m.width(word[start:end]) > max_width:
            pieces.append(word[start:end - 1])
            start = end - 1
    pieces.append(word[start:])
    return [Cluster(p, role, "word", m.width(p), m.width(p), gap_ok) for p in pieces]


class Paragraph:
    """The clusters of one paragraph with prefix sums, so a line's width is O(1)."""

    def __init__(self, clusters: list[Cluster], size_pt: float, style: HouseStyle):
        self.c = clusters
        self.style = style
        self.em = size_pt
        n = len(clusters)
        self.halted = [False] * n
        self.hung: set[int] = set()    # ends of the lines whose last cluster hangs (breaks())
        if style.compress_adjacent:
            for i in range(n - 1):
                a, b = clusters[i], clusters[i + 1]
                if a.kind == "close" and b.kind in ("open", "close") and a.compressible:
                    self.halted[i] = True
                elif a.kind == "open" and b.kind == "open" and b.compressible:
                    self.halted[i + 1] = True
        self.gap = [self._gap(i) for i in range(n - 1)]
        self.adv = [c.half if h else c.width for c, h in zip(clusters, self.halted)]
        self._w = _prefix(self.adv)
        self._g = _prefix(self.gap)
        self._save = _prefix([self.interior_saving(i) for i in range(n)])
        self._grow = _prefix([self._growth(i) for i in range(n - 1)])
        self._pairs = _prefix([a.kind == "han" and b.kind == "han" for a, b in zip(clusters, clusters[1:])])
        self._dashes = _prefix([c.kind == "dash" for c in clusters])
        ranks = [self.spreadable(i) for i in range(n - 1)]
        self._spread = {rank: _prefix([r == rank for r in ranks]) for rank in (1, 2)}

    def _gap(self, i: int) -> float:
        a, b = self.c[i], self.c[i + 1]
        kinds = {a.kind, b.kind}
        if kinds == {"han", "word"} and a.gap_ok and b.gap_ok:
            return self.style.han_latin_gap_em * self.em
        return 0.0

    def _growth(self, i: int) -> float:
        """How far the spacing after cluster i grows before the Han spacing does: a word
        space and a Han–Latin gap up to ½ em."""
        grow = max(0.0, self.em / 2 - self.c[i].width) if self.c[i].kind == "space" else 0.0
        return grow + (max(0.0, self.em / 2 - self.gap[i]) if self.gap[i] > 0 else 0.0)

    def spreadable(self, i: int) -> int:
        """May the gap after cluster i take what a capped line's Han spacing cannot? 2: beside
        a Latin word or number, a word space or a ——/…… pair, not next to a full-width mark
        (its blank is its own: no extra gap after the comma of "获悉，2023"); 1: next to a mark,
        only when the line has no gap of the first kind; 0: between two Han characters."""
        a, b = self.c[i], self.c[i + 1]
        if a.kind == "han" and b.kind == "han":
            return 0
        if {a.kind, b.kind} & {"open", "close"}:
            return 1
        return 2 if {a.kind, b.kind} & {"word", "space", "dash"} else 1

    def interior_saving(self, i: int) -> float:
        c = self.c[i]
        if self.halted[i] or not c.compressible or not self.style.interior_compress:
            return 0.0
        if c.text in INTERIOR_BRACKETS or c.text in INTERIOR_COMMAS:
            return c.width - c.half
        return 0.0

    def visible_end(self, s: int, e: int) -> int:
        """End of the line's visible clusters: spaces at a line end take no width."""
        while e > s + 1 and self.c[e - 1].kind == "space":
            e -= 1
        return e

    def natural(self, s: int, e: int) -> float:
        v = self.visible_end(s, e)
        return self._w[v] - self._w[s] + self._g[v - 1] - self._g[s]

    def end_saving(self, i: int) -> float:
        c = self.c[i]
        ok = c.kind == "close" and self.style.line_end_half and not self.halted[i]
        return c.width - c.half if ok else 0.0

    def start_saving(self, i: int) -> float:
        c = self.c[i]
        ok = c.kind == "open" and self.style.line_start_bracket_half and not self.halted[i]
        return c.width - c.half if ok else 0.0

    def minimum(self, s: int, e: int) -> float:
        """The narrowest the line can be set with every allowed compression."""
        v = self.visible_end(s, e)
        if v - s == 1:
            return self.natural(s, e) - max(self.start_saving(s), self.end_saving(s))
        inner = self._save[v - 1] - self._save[s + 1]
        gaps = (self._g[v - 1] - self._g[s]) / 2       # Han–Latin gap → ⅛ em
        return (self.natural(s, e) - inner - gaps
                - self.start_saving(s) - self.end_saving(v - 1))

    def legal(self, i: int) -> bool:
        """May a line end after cluster i-1 and the next start with cluster i?"""
        a, b = self.c[i - 1], self.c[i]
        if b.kind == "space":
            return False          # a space at a break stays at the end of the earlier line
        if a.kind == "word" and b.kind == "word":
            return True           # only the pieces of an over-wide word meet like this
        if self.style.kinsoku == "off":
            return True
        if b.kind != "word" and b.text[0] in NO_START:
            return False
        if a.kind != "word" and a.text[-1] in NO_END:
            return False
        return not (self.style.kinsoku == "strict" and b.kind == "dash")

    def breaks(self, width: float, first_indent: float,
               justified: bool = True) -> list[tuple[int, int]]:
        """Greedy breaking: squeeze in before pushing out (先挤进，后推出), then 孤字.

        When `justified`, a line that would stretch its Han spacing to MAX_CHAR_GAP_EM or
        more squeezes in the next unit even where it could break, else hangs a 、，。 (the
        line's end goes to `hung`); `_LineSetter` caps what is left.
        """
        n = len(self.c)
        lines: list[tuple[int, int]] = []
        self.hung = set()
        s = 0
        while s < n:
            room = width - (first_indent if s == 0 else 0.0)
            e = s + 1
            while e < n and self.natural(s, e + 1) <= room + EPS:
                e += 1
            if e < n and not self.legal(e):
                e = self._squeeze(s, e, room) or self._push(s, e) or e
            if justified and e < n and self.loose(s, e, room):
                e = self._tighten(s, e, room)
            lines.append((s, e))
            s = e
        if self.style.no_orphan_char and len(lines) > 1:
            self._pull_orphan(lines, width, first_indent, justified)
        if justified and any(self._badness(s, e, width - (first_indent if s == 0 else 0.0), e in self.hung)
                             >= GAPPY for s, e in lines[:-1]):
            lines = self._total_fit(width, first_indent) or lines
        return lines

    def char_stretch(self, s: int, e: int, room: float, hang: bool = False) -> float:
        """The even Han spacing (em) that justifying line s..e to `room` takes when its word
        spaces and Han–Latin gaps have first grown to ½ em (0 for a line that must shrink).
        With `hang`, the line's last cluster hangs outside and is not counted."""
        v = e - 1 if hang else self.visible_end(s, e)
        slots = v - s - 1
        slack = room - self.natural(s, v)
        if slots <= 0 or slack <= EPS:
            return 0.0
        slack -= self._grow[v - 1] - self._grow[s]
        return max(0.0, slack) / slots / self.em

    def han_pair(self, s: int, v: int) -> bool:
        """Do two Han characters meet among clusters s..v-1 (pdftotext may part them)?"""
        return self._pairs[v - 1] > self._pairs[s]

    def spreads(self, s: int, v: int) -> int:
        """The best `spreadable` rank among the gaps of the line of clusters s..v-1 (0: none)."""
        return next((rank for rank in (2, 1) if self._spread[rank][v - 1] > self._spread[rank][s]), 0)

    def loose(self, s: int, e: int, room: float, hang: bool = False) -> bool:
        v = e - 1 if hang else self.visible_end(s, e)
        return (self.char_stretch(s, e, room, hang) >= MAX_CHAR_GAP_EM - EPS
                and self.han_pair(s, v))

    def _tighten(self, s: int, e: int, room: float) -> int:
        """A loose line s..e: squeeze in more (compressing its marks), else hang a 、，。."""
        k = self._squeeze(s, e, room)
        if k is not None:
            return k
        if self.style.hang_punctuation:
            k = self._hang(s, e, room)
            if k is not None:
                self.hung.add(k)
                return k
        return e

    def _hang(self, s: int, e: int, room: float) -> int | None:
        """The end k > e of a line whose clusters s..k-2 fit `room` (compressed if need be)
        and whose last cluster, one of 、，。 before a legal break, hangs outside at ½ em;
        the longest such line, if it is tighter than s..e."""
        n, found = len(self.c), None
        k = e + 1
        while k <= n and self.minimum(s, k - 1) <= room + EPS:
            mark, before = self.c[k - 1], self.c[k - 2]
            # a paragraph's last line is not justified: it hangs only a mark after a full line
            end_ok = self.legal(k) if k < n else abs(self.natural(s, k - 1) - room) <= EPS
            if (mark.text in HANGING and mark.compressible and before.kind != "space"
                    and k - 1 > s and end_ok):
                found = k
            k += 1
        if found is not None and (self.char_stretch(s, found, room, hang=True)
                                  < self.char_stretch(s, e, room)):
            return found
        return None

    def _squeeze(self, s: int, e: int, room: float) -> int | None:
        k = e + 1
        while k <= len(self.c) and self.minimum(s, k) <= room + EPS:
            if k == len(self.c) or self.legal(k):
                return k
            k += 1
        return None

    def _push(self, s: int, e: int) -> int | None:
        k = e - 1
        while k > s and not self.legal(k):
            k -= 1
        return k if k > s else None

    # --- total fit ---------------------------------------------------------------------------

    def _badness(self, s: int, e: int, room: float, hang: bool = False) -> float:
        """How badly the justified line s..e sits in `room`: a little for compressing its
        marks, more for stretching its Han spacing toward the cap, GAPPY at the cap when its
        other gaps take the rest, SHORT and more when nothing can (math.inf: it does not fit)."""
        v = e - 1 if hang else self.visible_end(s, e)
        if self._dashes[v] - self._dashes[s] == v - s:
            return math.inf     # a line of ——/…… alone: shaped without Han beside it, it narrows and cannot be justified
        natural = self.natural(s, v)
        if natural > room + EPS:
            least = self.minimum(s, v)
            if least > room + EPS:
                return math.inf
            return 50.0 * ((natural - room) / (natural - least)) ** 2
        if room - natural <= EPS:
            return 0.0
        if v - s <= 1:
            return SHORT
        stretch = self.char_stretch(s, e, room, hang)
        if stretch < MAX_CHAR_GAP_EM - EPS or not self.han_pair(s, v):
            return min(GAPPY / 2, 100.0 * (stretch / MAX_CHAR_GAP_EM) ** 3)
        rank = self.spreads(s, v)
        if rank:
            return GAPPY * (3 - rank) + 100.0 * stretch
        return SHORT * (1.0 + (stretch - CAPPED_CHAR_GAP_EM) * (v - s - 1))   # by the em it is short

    def _can_hang(self, s: int, e: int, room: float) -> bool:
        mark = self.c[e - 1]
        return (self.style.hang_punctuation and e - 1 > s + 1 and e < len(self.c) and self.legal(e)
                and mark.text in HANGING and mark.compressible and self.c[e - 2].kind != "space"
                and self.minimum(s, e - 1) <= room + EPS)

    def _total_fit(self, width: float, first_indent: float) -> list[tuple[int, int]] | None:
        """Knuth–Plass over the legal breaks: the lines whose summed demerits are least, so a
        line that cannot be justified takes a character from, or gives one to, the lines
        before it. Only lines from about 2.5 em short of the room to the most that can be
        squeezed in are tried (a shorter one is SHORT or GAPPY anyway), unless a start has no
        other. Sets `hung`; None when the paragraph has no way to be set."""
        n, em = len(self.c), self.em
        best = [math.inf] * (n + 1)
        came: list[tuple[int, bool]] = [(-1, False)] * (n + 1)
        best[0] = 0.0
        for s in range(n):
            if best[s] == math.inf:
                continue
            room = width - (first_indent if s == 0 else 0.0)
            for e in self._candidates(s, room, em):
                if e == n:
                    single = len("".join(c.text for c in self.c[s:n]).strip()) == 1
                    bad = 0.0 if self.minimum(s, n) <= room + EPS else math.inf
                    if single and s > 0 and self.style.no_orphan_char:
                        bad += ORPHAN
                    options = [(bad, False)]
                else:
                    options = [(self._badness(s, e, room), False)]
                    if self._can_hang(s, e, room):
                        options.append((self._badness(s, e, room, hang=True) + HANG_COST, True))
                for bad, hang in options:
                    total = best[s] + (LINE_PENALTY + bad) ** 2
                    if total < best[e]:
                        best[e], came[e] = total, (s, hang)
        if best[n] == math.inf:
            return None
        lines, e, self.hung = [], n, set()
        while e > 0:
            s, hang = came[e]
            lines.append((s, e))
            if hang:
                self.hung.add(e)
            e = s
        return lines[::-1]

    def _candidates(self, s: int, room: float, em: float) -> list[int]:
        """The legal ends of a line from s worth trying (see _total_fit): the scan starts
        where the advances alone come within 3.5 em of the room (gaps only add)."""
        n, short = len(self.c), room - 2.5 * em
        start = max(s + 1, bisect.bisect_left(self._w, self._w[s] + short - em, s + 1) - 1)
        for first in (start, s + 1):
            found, e = [], first
            while e <= n:
                if (e == n or self.legal(e)) and (first == s + 1 or self.natural(s, e) >= short):
                    found.append(e)
                if self.minimum(s, e) > room + EPS:
                    break
                e += 1
            if found or first == s + 1:
                return found or [min(e, n)]
        return []

    def _pull_orphan(self, lines, width, first_indent=0.0, justified=False):
        s, e = lines[-2]
        n = len(self.c)
        last_text = "".join(c.text for c in self.c[e:]).strip()
        if len(last_text) != 1:
            return
        room = width - (first_indent if s == 0 else 0.0)
        k = e - 1
        while k > s and not self.legal(k):
            k -= 1
        if k > s and self.natural(k, n) <= width + EPS:
            if justified and self.loose(s, k, room) and self.minimum(s, n) <= room + EPS:
                lines[-2:] = [(s, n)]     # the line above too loose: squeeze the character in
            else:
                lines[-2:] = [(s, k), (k, n)]
            self.hung.discard(e)


def _prefix(values: list[float]) -> list[float]:
    out = [0.0]
    for v in values:
        out.append(out[-1] + v)
    return out

