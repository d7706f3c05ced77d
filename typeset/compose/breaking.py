"""Breaking: a paragraph's clusters (the units never broken or spaced apart) and where its lines
end, by the rules of typography.md (禁则, squeeze in before pushing out, 孤字, compression)."""

from __future__ import annotations

import functools
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

    def _gap(self, i: int) -> float:
        a, b = self.c[i], self.c[i + 1]
        kinds = {a.kind, b.kind}
        if kinds == {"han", "word"} and a.gap_ok and b.gap_ok:
            return self.style.han_latin_gap_em * self.em
        return 0.0

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
        for i in range(s, v - 1):
            if self.c[i].kind == "space":
                slack -= max(0.0, self.em / 2 - self.c[i].width)
            if self.gap[i] > 0:
                slack -= max(0.0, self.em / 2 - self.gap[i])
        return max(0.0, slack) / slots / self.em

    def han_pair(self, s: int, v: int) -> bool:
        """Do two Han characters meet among clusters s..v-1 (pdftotext may part them)?"""
        return any(self.c[i].kind == "han" and self.c[i + 1].kind == "han" for i in range(s, v - 1))

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

