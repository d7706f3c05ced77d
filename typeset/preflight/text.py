"""Preflight of the text: each record's characters are all printed, once, in its module's
rectangle, each in the font of its role (WeasyPrint drops text that does not fit silently)."""

from __future__ import annotations

import bisect
import functools
import subprocess
from collections import Counter
from pathlib import Path
from typing import Iterator

from typeset.compose import HANGING
from typeset.model.findings import Finding, article_finding
from typeset.system import fonts

from . import pdftext
from .pdffonts import SUBSET_PREFIX


def _letters(text: str) -> Counter:
    """How often each character but whitespace occurs (counted in C, the spaces dropped after)."""
    counts = Counter(text)
    for ch in [ch for ch in counts if ch.isspace()]:
        del counts[ch]
    return counts


def expected_text(module) -> str:
    """What a module prints, as the planner composed it (the jump lines included)."""
    return module.printed_text()


def check_plan_text(plan) -> list[Finding]:
    """The planned modules of each record, together, hold exactly its text (nothing lost or
    set twice across a jump)."""
    placed: dict[str, Counter] = {}
    for page_plan in plan.pages:
        for module in page_plan.modules:
            placed.setdefault(module.record.slug, Counter()).update(_letters(module.text()))
    findings = []
    for slug, article in plan.issue.articles.items():
        expected, found = _letters(article.text()), placed.get(slug, Counter())
        if expected != found:
            missing, extra = expected - found, found - expected
            parts = [f"missing {_diff_text(missing)}" if missing else "", f"extra {_diff_text(extra)}" if extra else ""]
            findings.append(article_finding("error", "text", "溢出/丢字 the plan does not hold the record's text: "
                                     + "; ".join(p for p in parts if p), article=article,
                                     hint="report this as a planner bug, with the issue folder"))
    return findings


class _Centres:
    """A page's characters by the centres of their boxes (relative to the 版心), sorted from
    the top, so the characters inside a module's rectangle are found without reading all."""

    SLACK = 0.5     # points a centre may lie outside the rectangle

    def __init__(self, chars: list[dict], ox: float, oy: float):
        placed = sorted((((c["top"] + c["bottom"]) / 2 - oy, (c["x0"] + c["x1"]) / 2 - ox, i)
                         for i, c in enumerate(chars)))
        self.ys = [y for y, _, _ in placed]
        self.placed, self.chars = placed, chars

    def inside(self, rect: tuple[float, float, float, float], hang: float = 0.0) -> list[dict]:
        """The characters whose centre lies in `rect` (x0, y0, x1, y1), in reading order of
        the PDF's content stream. A 、，。 whose centre lies up to `hang` past the right edge
        belongs to it too: the house style may hang one past the column (clreq)."""
        lo = bisect.bisect_left(self.ys, rect[1] - self.SLACK)
        hi = bisect.bisect_right(self.ys, rect[3] + self.SLACK)
        left, right = rect[0] - self.SLACK, rect[2] + self.SLACK
        found = sorted(i for _, x, i in self.placed[lo:hi]
                       if left <= x <= right or (right < x <= right + hang and self.chars[i]["text"] in HANGING))
        return [self.chars[i] for i in found]


def _poppler_text(pdf_path: Path, page: int, rect: tuple[float, float, float, float]) -> str:
    """Text of a rectangle (points, from the page's top-left) read by poppler's pdftotext."""
    x0, y0, x1, y1 = rect
    out = subprocess.run(
        ["pdftotext", "-q", "-f", str(page), "-l", str(page), "-r", "72", "-x", str(int(x0)), "-y", str(int(y0)),
         "-W", str(int(x1 - x0 + 1.999)), "-H", str(int(y1 - y0 + 1.999)), "-nopgbrk", str(pdf_path), "-"],
        capture_output=True, check=False)
    return out.stdout.decode("utf-8", errors="replace")


def _diff_text(counter: Counter, limit: int = 12) -> str:
    items = sorted(counter.items(), key=lambda kv: -kv[1])
    shown = "".join(ch * min(n, 3) for ch, n in items[:limit])
    more = f" … ({sum(counter.values())} in all)" if len(items) > limit else f" ({sum(counter.values())})"
    return f"'{shown}'{more}"


def check_text(pdf_path: Path | str, plan, *, extractor: str = "auto",
               pdf_pages: list | None = None) -> list[Finding]:
    """Each module's rectangle holds exactly its article's characters (whitespace ignored), each
    set in the font of its role.

    extractor: "auto" (glyph positions from the content streams, typeset.pdftext: the same
    boxes as pdfplumber, ~20× faster, and it reads pages pdfplumber cannot), "pdfplumber",
    "poppler" (pdftotext per rectangle; no font check). `pdf_pages`: pdftext.pages of the PDF
    when already read; a page already `checked` (check_page_text) keeps its findings."""
    pdf_path = Path(pdf_path)
    findings: list[Finding] = []
    if extractor == "pdfplumber":
        import pdfplumber

        with pdfplumber.open(pdf_path) as pdf:
            pages = [(p.page_number, _trim_origin(p), p.chars, None) for p in pdf.pages]
    else:
        pages = [(p.page_number, p.trim_origin(), p.chars if extractor == "auto" else [],
                  p.checked if extractor == "auto" else None)
                 for p in (pdftext.pages(pdf_path) if pdf_pages is None else pdf_pages)]
    if len(pages) != len(plan.pages):
        findings.append(Finding("error", "text", f"the PDF has {len(pages)} pages, the plan "
                                f"{len(plan.pages)}", None, None, "render the issue again"))
    for (page_number, origin, chars, checked), page_plan in zip(pages, plan.pages):
        findings += checked if checked is not None else _check_page(page_number, origin, chars, page_plan,
                                                                    pdf_path, extractor)
    return findings


def check_page_text(page: pdftext.Page, page_plan) -> list[Finding] | None:
    """check_text of one page read from a PDF of its own, against its plan page; None when it
    has to be read by poppler (no character read), which needs the issue's PDF file."""
    if _needs_poppler("auto", page.chars, page_plan):
        return None
    return _check_page(page.page_number, page.trim_origin(), page.chars, page_plan, None, "auto")


def _needs_poppler(extractor: str, chars: list[dict], page_plan) -> bool:
    return extractor == "poppler" or (
        extractor == "auto" and not chars and any(_letters(m.article.text()) for m in page_plan.modules))


def _check_page(page_number: int, origin: tuple[float, float], chars: list[dict], page_plan,
                pdf_path: Path | None, extractor: str) -> list[Finding]:
    """The text and role findings of one page (`page_number` in `pdf_path`, read by poppler
    only when no character was read)."""
    findings: list[Finding] = []
    number = page_plan.page.number
    layout = page_plan.layout
    ox, oy = origin[0] + layout.area_left, origin[1] + layout.area_top
    use_poppler = _needs_poppler(extractor, chars, page_plan)
    centres = _Centres(chars, ox, oy)
    # a hung mark starts at the edge: its full-width box's centre lies ½ em out
    hang = layout.em * 0.75 if layout.compose.hang_punctuation else 0.0
    for module in page_plan.modules:
        r = module.rect
        rect = (r.x, r.y, r.x + r.w, r.y + r.h)
        if use_poppler:
            text = _poppler_text(pdf_path, page_number, (rect[0] + ox, rect[1] + oy, rect[2] + ox, rect[3] + oy))
        else:
            inside = centres.inside(rect, hang)
            text = "".join(c["text"] for c in inside)
            findings += _check_roles(module, inside, number)
        expected, found = _letters(expected_text(module)), _letters(text)
        if expected == found:
            continue
        missing, extra = expected - found, found - expected
        parts = []
        if missing:
            parts.append(f"missing {_diff_text(missing)}")
        if extra:
            parts.append(f"extra {_diff_text(extra)}")
        lost = not found
        findings.append(article_finding(
            "error", "text", ("溢出/丢字 the module prints NO text" if lost else
                              "溢出/丢字 the printed text differs from the record: ") + "; ".join(parts),
            page=number, article=module.article,
            hint=("text was lost in rendering (overflow or a clipped column): rebuild; if it "
                  "persists, shorten the article or report the layout bug" if missing else
                  "characters of another module or of the fallback faces landed in this module: "
                  "check the proof")))
    return findings


@functools.cache
def _pdf_font_roles() -> dict[str, str]:
    """PDF font name (as WeasyPrint writes it from Pango: 'Noto-Sans-CJK-SC-Bold') → role."""
    names = {}
    for role in fonts.role_map().values():
        name = role.family + ("" if role.style == "Regular" else f" {role.style}")
        names.setdefault(name.replace(" ", "-"), role.role)
    return names


def _module_roles(module) -> Iterator[tuple[str, str]]:
    """(role, text) of what a module prints, as the composer set it."""
    for line, _ in module.lines():
        for box in line.boxes:
            yield box.role, box.text


def _check_roles(module, chars: list[dict], page: int) -> list[Finding]:
    """Each character is set in the font of its role (黑体 headlines, 书宋 body, 楷体 byline)."""
    known = _pdf_font_roles()
    resolved = fonts.resolve_all()
    expected: Counter = Counter()
    for role, text in _module_roles(module):
        face = resolved.get(role)
        if face is None or face.file is None:
            continue
        table = fonts.cmap(str(face.file), face.index)
        expected.update((role, ch) for ch in text if not ch.isspace() and ord(ch) in table)
    role_of = {name: known.get(SUBSET_PREFIX.sub("", name)) for name in {c["fontname"] for c in chars}}
    # a ligature glyph (the 2 em "——") carries two characters
    found = Counter((role_of[c["fontname"]], ch) for c in chars
                    if role_of[c["fontname"]] and not c["text"].isspace() for ch in c["text"])
    # the same face may serve two roles (书宋 and 标宋 share a family, weights differ): compare
    # by the face's name, so only a character in a different face counts
    missing, extra = expected - found, found - expected
    if not missing:
        return []
    findings = []
    by_role: dict[str, Counter] = {}
    for (role, ch), n in missing.items():
        by_role.setdefault(role, Counter())[ch] += n
    names = {v: k for k, v in known.items()}
    for role, counter in by_role.items():
        face = fonts.role_map()[role]
        went = Counter()
        for (other_role, ch), n in extra.items():
            if ch in counter:
                went[names.get(other_role, other_role)] += n
        where = "、".join(f"{name} ({n})" for name, n in went.most_common(3)) or "other fonts"
        findings.append(article_finding(
            "error", "roles", f"字体 {sum(counter.values())} characters that {face.name} ({face.family} "
            f"{face.style}) should set, e.g. {_diff_text(counter, 8)}, are set in {where}",
            page=page, article=module.article,
            hint="the CSS font-family of the role did not apply (an escaped or misspelt family name "
                 "in the stylesheet?); check the HTML with --html"))
    return findings


def _trim_origin(pdf_page) -> tuple[float, float]:
    """(x, top) of the trim box's top-left from pdfplumber's page origin (the media box)."""
    media = [float(v) for v in pdf_page.mediabox]
    trim_obj = pdf_page.page_obj.attrs.get("TrimBox")
    if not trim_obj:
        return 0.0, 0.0
    from pdfminer.pdftypes import resolve1

    trim = [float(resolve1(v)) for v in resolve1(trim_obj)]
    return trim[0] - media[0], max(media[1], media[3]) - max(trim[1], trim[3])

