"""Preflight (预飞): checks on the records before rendering and on the PDF after it.

What is checked, and why (engine-notes.md):

- 缺字 (missing glyphs), before rendering: every character of every field must be in the cmap
  of the role font that sets it. Noto CJK stops at 65,535 glyphs, so many CJK Extension B
  characters have no glyph; Pango then falls back to another installed face. A character one
  of the fallback faces (HanaMinA/B, fonts-hanazono) has is a warning; a character no face
  has would print as a .notdef box (tofu): an error naming the character and its code point.
- 缺字 in the PDF: tofu still extracts as the right character (the ToUnicode map is intact), so
  the content streams are decoded to glyph ids. WeasyPrint 70 writes every font as Type0 with
  Identity-H — except when Pango reported a missing glyph: then it gives the character an unused
  glyph id (the font's glyph count, capped at 0xFFFF — Noto CJK has 65,535 glyphs, so every
  missing character of a Noto face shares code 0xFFFF) and writes an embedded CMap
  (/WP-Encod-0) mapping that code to CID 0, the .notdef. pdfminer/pdfplumber cannot read that
  CMap and return NO characters for the whole page; poppler can.
- Text completeness: the characters in each module's rectangle must be the article's
  characters (a multiset, whitespace ignored): WeasyPrint drops text that does not fit silently.
- 字体 (fonts): embedded, subset, only the role families and the fallback faces, never a whole
  font program (HarfBuzz subsetting failure), and a sane file size.
- Underfull pages (empty grid lines at the foot of a page) from the plan.

`run(path, as_json)` is `paiban check ISSUE|PDF [--json]`.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import subprocess
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Container, Iterator, Literal

from typeset import fonts
from typeset.errors import UserError
from typeset.fonts import FontRole
from typeset.layouts import MM
from typeset.records import Article, LoadedIssue

Severity = Literal["error", "warning"]

# Which role sets which field of a record (the templates and the planner agree on this). A 主题
# is checked in 黑体: the planner sets one in 标宋 only when that face has all its characters.
FIELD_ROLES = {"kicker": "heiti", "title": "heiti", "subtitle": "heiti", "dateline": "heiti",
               "paragraphs": "shusong", "byline": "kaiti", "caption": "kaiti", "credit": "kaiti"}
FIELD_NAMES = {"kicker": "引题", "title": "主题", "subtitle": "副题", "dateline": "电头",
               "paragraphs": "正文", "byline": "署名", "caption": "图片说明", "credit": "摄影署名",
               "section": "版名", "paper": "报名", "editor": "责任编辑", "designer": "美编",
               "proofreader": "校对"}
WHOLE_FONT_BYTES = 4_000_000        # a subset font program of a newspaper page is far smaller
BYTES_PER_GLYPH = 20_000            # … and a CJK glyph outline is ~0.3–2 KB
PAGE_BYTES_WARN = 20_000_000
UNDERFULL_LINES = 2
SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")


# --- the report -------------------------------------------------------------------------------

@dataclass
class Finding:
    """One problem: how bad, which check, what is wrong, where (版次, article slug), what to do."""

    severity: Severity
    check: str
    message: str
    page: int | None = None
    article: str | None = None
    hint: str = ""
    title: str | None = None        # the article's 主题, for the report

    def where(self) -> str:
        parts = []
        if self.page is not None:
            parts.append(f"第{self.page}版")
        if self.article:
            parts.append(f"稿件 {self.article}" + (f"《{self.title}》" if self.title else ""))
        return " · ".join(parts)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    source: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self) -> str:
        head = f"预飞 preflight: {self.source}" if self.source else "预飞 preflight"
        lines = [head]
        order = sorted(self.findings, key=lambda f: (f.severity != "error", f.page or 0, f.article or ""))
        for f in order:
            label = "错误 error" if f.severity == "error" else "注意 warning"
            where = f.where()
            lines.append(f"{label} [{f.check}]{' ' + where if where else ''}: {f.message}")
            if f.hint:
                lines.append(f"    → {f.hint}")
        verdict = "通过 passed" if self.ok else "未通过 FAILED"
        lines.append(f"{verdict}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)

    def as_json(self) -> str:
        return json.dumps({"source": self.source, "ok": self.ok, "errors": len(self.errors),
                           "warnings": len(self.warnings),
                           "findings": [asdict(f) for f in self.findings],
                           "timings": {k: round(v, 4) for k, v in self.timings.items()}},
                          ensure_ascii=False, indent=2)


def _finding(severity: Severity, check: str, message: str, *, page: int | None = None,
             article: Article | None = None, hint: str = "") -> Finding:
    return Finding(severity, check, message, page, article.slug if article else None, hint,
                   article.title if article else None)


# --- fonts: cmaps and fallback faces ----------------------------------------------------------

@functools.cache
def cmap(file: str, index: int = 0) -> Container[int]:
    """The code points a face maps (cached per face), as HarfBuzz's own set: reading it takes
    ~1 ms a face, making a Python set of its ~45,000 code points 3 ms more, fontTools took
    0.1–0.7 s."""
    import uharfbuzz

    return uharfbuzz.Face(uharfbuzz.Blob.from_file_path(file), index).unicodes


def _has(role: FontRole, char: str) -> bool:
    return role.file is not None and ord(char) in cmap(str(role.file), role.index)


@functools.cache
def fallback_for(char: str) -> FontRole | None:
    """The first fallback face that has `char`, or None."""
    return next((face for face in fonts.fallbacks() if _has(face, char)), None)


def allowed_families() -> set[str]:
    """Font families a page may embed: the roles' and the fallback faces' (PDF spelling)."""
    names = {r.family for r in (*fonts.role_map().values(), *fonts.fallback_map().values())}
    return {n.replace(" ", "-") for n in names} | {n.replace(" ", "") for n in names}


# --- check_records ----------------------------------------------------------------------------

def _fields(article: Article) -> Iterator[tuple[str, str, str]]:
    """(field label, role, text) of every field of an article that gets printed."""
    for name in ("kicker", "title", "subtitle", "dateline"):
        value = getattr(article, name)
        if value:
            yield name, FIELD_ROLES[name], value
    for i, paragraph in enumerate(article.paragraphs, 1):
        yield f"paragraphs.{i}", "shusong", paragraph
    if article.byline:
        yield "byline", "kaiti", article.byline
    for i, picture in enumerate(article.pictures, 1):
        for name in ("caption", "credit"):
            value = getattr(picture, name)
            if value:
                yield f"pictures.{i}.{name}", "kaiti", value


def _field_label(name: str) -> str:
    base = name.split(".")[-1] if name.startswith("pictures") else name.split(".")[0]
    chinese = FIELD_NAMES.get(base, "")
    return f"{chinese} ({name})" if chinese else name


def _context(text: str, i: int) -> str:
    return "…" + text[max(0, i - 6):i + 7] + "…"


def _check_text(text: str, field: str, role_key: str, *, article: Article | None = None,
                page: int | None = None) -> list[Finding]:
    findings: list[Finding] = []
    role = fonts.font(role_key)
    label = _field_label(field)
    seen: set[str] = set()
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cc":
            findings.append(_finding(
                "error", "control", f"control character U+{ord(ch):04X} in {label} at position {i + 1} "
                f"({_context(text, i)!r})", page=page, article=article,
                hint=f"delete it from the field '{field}' (re-import or run the text through typeset.text.normalize)"))
            continue
        if category == "Cf":
            findings.append(_finding(
                "warning", "control", f"invisible format character U+{ord(ch):04X} "
                f"({unicodedata.name(ch, 'unnamed')}) in {label}", page=page, article=article,
                hint=f"delete it from the field '{field}'"))
            continue
        if ch.isspace() or ch in seen or ord(ch) in cmap(str(role.file), role.index):
            continue
        seen.add(ch)
        count = text.count(ch)
        times = f" ({count}×)" if count > 1 else ""
        fallback = fallback_for(ch)
        if fallback:
            findings.append(_finding(
                "warning", "glyphs", f"缺字 '{ch}' (U+{ord(ch):04X}){times} in {label} is not in "
                f"{role.name} ({role.family}); set from fallback face {fallback.family}",
                page=page, article=article,
                hint="check the proof: the fallback face is a Ming style that may not match the "
                     "role; if the character is a variant, use the standard form"))
        else:
            findings.append(_finding(
                "error", "glyphs", f"缺字 '{ch}' (U+{ord(ch):04X}){times} in {label} "
                f"({_context(text, i)!r}): not in {role.name} ({role.family}) nor in any fallback "
                f"face ({', '.join(f.family for f in fonts.fallback_map().values())}); it would print as a blank box (tofu)",
                page=page, article=article,
                hint="replace the character (a common variant, or 字 + description), or install a "
                     "face that has it (e.g. fonts-babelstone-han) and add it as a fallback"))
    return findings


def check_records(issue: LoadedIssue) -> list[Finding]:
    """Glyph coverage and control characters of every printed field, before rendering."""
    findings: list[Finding] = []
    page_of = {slug: page.number for page in issue.issue.pages for slug in page.articles}
    for page in issue.issue.pages:
        for name in ("section", "editor", "designer", "proofreader"):
            value = getattr(page, name)
            if value:
                findings += _check_text(value, name, "heiti", page=page.number)
    findings += _check_text(issue.issue.paper, "paper", "heiti")
    for slug, article in issue.articles.items():
        for name, role, text in _fields(article):
            findings += _check_text(text, name, role, article=article, page=page_of.get(slug))
    return findings


# --- PDF fonts: encodings, ToUnicode, glyph ids ---------------------------------------------

_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _utf16(token: bytes) -> str:
    data = bytes.fromhex(token.strip(b"<>").decode())
    return data.decode("utf-16-be", errors="replace")


def parse_tounicode(data: bytes) -> dict[int, str]:
    """Code → text of a ToUnicode CMap (bfchar and bfrange sections)."""
    result: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        tokens = _HEX.findall(block)
        for src, dst in zip(tokens[0::2], tokens[1::2]):
            result[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for m in re.finditer(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", block):
            lo, hi, dst = int(m[1], 16), int(m[2], 16), m[3]
            if dst.startswith(b"["):
                for code, item in zip(range(lo, hi + 1), _HEX.findall(dst)):
                    result[code] = _utf16(item)
            else:
                raw = bytes.fromhex(dst.strip(b"<>").decode())
                base = int.from_bytes(raw, "big")
                for k, code in enumerate(range(lo, hi + 1)):
                    value = (base + k).to_bytes(len(raw), "big")
                    result[code] = value.decode("utf-16-be", errors="replace")
    return result


def parse_cid_cmap(data: bytes) -> dict[int, int]:
    """Code → CID of an embedded encoding CMap (cidchar and cidrange sections)."""
    result: dict[int, int] = {}
    for block in re.findall(rb"begincidchar(.*?)endcidchar", data, re.S):
        for m in re.finditer(rb"<([0-9A-Fa-f]+)>\s*(\d+)", block):
            result[int(m[1], 16)] = int(m[2])
    for block in re.findall(rb"begincidrange(.*?)endcidrange", data, re.S):
        for m in re.finditer(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\d+)", block):
            lo, hi, cid = int(m[1], 16), int(m[2], 16), int(m[3])
            for k, code in enumerate(range(lo, hi + 1)):
                result[code] = cid + k
    return result


@dataclass
class PdfFont:
    """What the checks need to know of one font dictionary of the PDF."""

    name: str                        # BaseFont, e.g. ABCDEF+Noto-Serif-CJK-SC
    subtype: str
    two_byte: bool
    to_cid: dict[int, int] | None    # None: Identity (code = CID)
    cid_to_gid: bytes | None         # CIDToGIDMap stream (Type2), None: Identity
    to_unicode: dict[int, str]
    embedded: bool
    program_bytes: int               # length of the embedded font program
    program_key: tuple | None

    @property
    def family(self) -> str:
        return SUBSET_PREFIX.sub("", self.name)

    @property
    def subset(self) -> bool:
        return bool(SUBSET_PREFIX.match(self.name))

    def glyph(self, code: int) -> int:
        """The glyph id a code draws (0: .notdef)."""
        cid = code if self.to_cid is None else self.to_cid.get(code, 0)
        if self.cid_to_gid is not None:
            i = 2 * cid
            return int.from_bytes(self.cid_to_gid[i:i + 2], "big") if i + 2 <= len(self.cid_to_gid) else 0
        return cid

    def codes(self, data: bytes) -> list[int]:
        if self.two_byte:
            return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)


def _stream_length(stream) -> int:
    try:
        return int(stream.get("/Length1") or stream.get("/Length") or len(stream.read_raw_bytes()))
    except Exception:
        return 0


def _load_font(obj) -> PdfFont:
    import pikepdf

    subtype = str(obj.get("/Subtype", ""))
    name = str(obj.get("/BaseFont", "/(unnamed)")).lstrip("/")
    described, two_byte, to_cid, cid_to_gid = obj, False, None, None
    if subtype == "/Type0":
        two_byte = True
        described = obj.DescendantFonts[0]
        encoding = obj.get("/Encoding")
        if isinstance(encoding, pikepdf.Stream):
            to_cid = parse_cid_cmap(encoding.read_bytes())
        elif encoding is not None and str(encoding) not in ("/Identity-H", "/Identity-V"):
            to_cid = None        # a predefined CMap (not written by WeasyPrint): assume identity
        gid_map = described.get("/CIDToGIDMap")
        if isinstance(gid_map, pikepdf.Stream):
            cid_to_gid = gid_map.read_bytes()
    descriptor = described.get("/FontDescriptor", {})
    program = next((descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor), None)
    to_unicode = {}
    if "/ToUnicode" in obj and isinstance(obj.ToUnicode, pikepdf.Stream):
        to_unicode = parse_tounicode(obj.ToUnicode.read_bytes())
    return PdfFont(name=name, subtype=subtype, two_byte=two_byte, to_cid=to_cid, cid_to_gid=cid_to_gid,
                   to_unicode=to_unicode, embedded=program is not None,
                   program_bytes=_stream_length(program) if program is not None else 0,
                   program_key=program.objgen if program is not None else None)


def check_glyphs_and_fonts(pdf_path: Path | str, pdf_pages: list | None = None) -> list[Finding]:
    """.notdef glyphs (缺字) and the fonts (embedded, subset, allowed families, not whole), and
    the file size. Needs only the PDF; `pdf_pages`: pdftext.pages of it when already read."""
    from typeset import pdftext

    pdf_path = Path(pdf_path)
    findings: list[Finding] = []
    allowed = allowed_families()
    used_fonts: dict[tuple, PdfFont] = {}
    glyphs_per_font: dict[tuple, set[int]] = {}
    pages = pdftext.pages(pdf_path) if pdf_pages is None else pdf_pages
    for page in pages:
        number = page.page_number
        for key, use in page.uses.items():
            font = used_fonts.setdefault(key, use.font)
            glyphs_per_font.setdefault(font.program_key or key, set()).update(
                font.glyph(c) for c in use.codes)
            if not font.two_byte:
                continue
            missing = [(c, n) for c, n in use.codes.items() if font.glyph(c) == 0]
            if missing:
                chars = [font.to_unicode.get(c, "?") for c, _ in missing]
                listed = "、".join(f"'{ch}' (U+{ord(ch[0]):04X})" if ch != "?" else f"code {c:04X}"
                                  for ch, (c, _) in zip(chars, missing))
                total = sum(n for _, n in missing)
                shared = (" (WeasyPrint gives every missing character of a face the same code, so "
                          "only the first is named)" if font.to_cid is not None else "")
                findings.append(Finding(
                    "error", "notdef", f"缺字 {total} .notdef glyph(s) (tofu, printed as blank boxes) "
                    f"in font {font.family}: {listed}{shared}", number, None,
                    "the font lacks the character: replace it in the record or install a fallback "
                    "face that has it (see `paiban check ISSUE` for the article and field)"))
    seen: set = set()
    for font in used_fonts.values():
        key = font.program_key or font.name
        if key in seen:
            continue
        seen.add(key)
        family = font.family
        if not font.embedded:
            findings.append(Finding("error", "fonts", f"字体 font {font.name} is not embedded", None, None,
                                    "a print PDF must embed every font; check the font installation"))
        elif not font.subset:
            findings.append(Finding("error", "fonts", f"字体 font {font.name} is embedded whole, not as a subset",
                                    None, None, "check the WeasyPrint log for subsetting errors"))
        if not any(family.startswith(a) for a in allowed):
            findings.append(Finding(
                "error", "fonts", f"字体 the PDF uses font '{family}', which is neither a role of "
                "fonts/roles.toml nor a fallback face", None, None,
                "a character or a style fell back to another installed font: find it (pdffonts, "
                "`paiban check ISSUE`) and set it in a role font"))
        glyphs = len(glyphs_per_font.get(font.program_key or (), ()) or ()) or 1
        if font.embedded and (font.program_bytes > WHOLE_FONT_BYTES
                              or font.program_bytes > max(1_000_000, BYTES_PER_GLYPH * glyphs)):
            findings.append(Finding(
                "error", "fonts", f"字体 font {family} is embedded (nearly) whole: a "
                f"{font.program_bytes / 1e6:.1f} MB font program for {glyphs} glyphs used", None, None,
                "HarfBuzz failed to subset it (WeasyPrint logs 'Unable to subset'); LXGW WenKai fails past "
                "~870 distinct glyphs — use fewer characters in 楷体 or another Kai face"))
    size = pdf_path.stat().st_size
    if size > PAGE_BYTES_WARN * max(len(pages), 1):
        findings.append(Finding("warning", "size", f"the PDF is {size / 1e6:.1f} MB for {len(pages)} page(s) "
                                f"(over {PAGE_BYTES_WARN / 1e6:.0f} MB a page)", None, None,
                                "look for whole fonts or oversized pictures"))
    return findings


# --- text completeness ------------------------------------------------------------------------

def _letters(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace())


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
            findings.append(_finding("error", "text", "溢出/丢字 the plan does not hold the record's text: "
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

    def inside(self, rect: tuple[float, float, float, float]) -> list[dict]:
        """The characters whose centre lies in `rect` (x0, y0, x1, y1), in reading order of
        the PDF's content stream."""
        lo = bisect.bisect_left(self.ys, rect[1] - self.SLACK)
        hi = bisect.bisect_right(self.ys, rect[3] + self.SLACK)
        left, right = rect[0] - self.SLACK, rect[2] + self.SLACK
        found = sorted(i for _, x, i in self.placed[lo:hi] if left <= x <= right)
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
    when already read."""
    from typeset import pdftext

    pdf_path = Path(pdf_path)
    findings: list[Finding] = []
    if extractor == "pdfplumber":
        import pdfplumber

        with pdfplumber.open(pdf_path) as pdf:
            pages = [(p.page_number, _trim_origin(p), p.chars) for p in pdf.pages]
    else:
        pages = [(p.page_number, p.trim_origin(), p.chars if extractor == "auto" else [])
                 for p in (pdftext.pages(pdf_path) if pdf_pages is None else pdf_pages)]
    if len(pages) != len(plan.pages):
        findings.append(Finding("error", "text", f"the PDF has {len(pages)} pages, the plan "
                                f"{len(plan.pages)}", None, None, "render the issue again"))
    for (page_number, (ox, oy), chars), page_plan in zip(pages, plan.pages):
        number = page_plan.page.number
        layout = page_plan.layout
        ox, oy = ox + layout.area_left, oy + layout.area_top
        use_poppler = extractor == "poppler" or (
            extractor == "auto" and not chars and any(_letters(m.article.text()) for m in page_plan.modules))
        centres = _Centres(chars, ox, oy)
        for module in page_plan.modules:
            r = module.rect
            rect = (r.x, r.y, r.x + r.w, r.y + r.h)
            if use_poppler:
                text = _poppler_text(pdf_path, page_number,
                                     (rect[0] + ox, rect[1] + oy, rect[2] + ox, rect[3] + oy))
            else:
                inside = centres.inside(rect)
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
            findings.append(_finding(
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
        table = cmap(str(face.file), face.index)
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
        findings.append(_finding(
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


def check_plan(plan) -> list[Finding]:
    """Underfull pages (empty grid lines the planner could not fill within the house limits)
    and the page designer's rules the plan breaks (typeset.pagerules)."""
    from typeset import pagerules

    findings = pagerules.findings(plan)
    for page_plan in plan.pages:
        number = page_plan.page.number
        pitch = page_plan.layout.grid.pitch_pt
        if page_plan.empty_lines > UNDERFULL_LINES:
            mm = page_plan.empty_lines * pitch / MM
            findings.append(Finding(
                "warning", "underfull", f"underfull (版面不满): {page_plan.empty_lines} empty grid lines "
                f"({mm:.0f} mm) at the foot of the page", number, None,
                "add copy or a picture, enlarge a headline or a picture, or move an article here"))
    return findings


def check_pdf(pdf_path: Path | str, plan, *, extractor: str = "auto") -> list[Finding]:
    """All PDF checks against the plan it was rendered from."""
    from typeset import pdftext

    pdf_pages = pdftext.pages(pdf_path)     # the content streams parsed once, for both checks
    return (check_plan_text(plan) + check_text(pdf_path, plan, extractor=extractor, pdf_pages=pdf_pages)
            + check_glyphs_and_fonts(pdf_path, pdf_pages) + check_plan(plan))


# --- whole runs -------------------------------------------------------------------------------

def check_pdf_file(pdf: Path | str) -> Report:
    """The checks that need only a PDF: .notdef glyphs, fonts, size."""
    start = time.perf_counter()
    findings = check_glyphs_and_fonts(pdf)
    return Report(findings, source=str(pdf), timings={"pdf": time.perf_counter() - start})


def check_issue(folder: Path | str) -> Report:
    """Build the issue into a temporary folder and return the preflight report; errors that
    stop a build (records, fonts, overset) become findings."""
    from typeset.build import PreflightFailed, build

    with tempfile.TemporaryDirectory(prefix="paiban-check-") as tmp:
        try:
            return build(folder, tmp).report
        except PreflightFailed as failed:
            return failed.report
        except UserError as e:
            check = "overset" if "溢出" in str(e) else "records"
            return Report([Finding("error", check, str(e), hint="fix the record and run again")],
                          source=str(folder))


def run(path: Path, as_json: bool = False) -> int:
    """`paiban check ISSUE|PDF [--json]`: print the report; 1 if any error, else 0."""
    path = Path(path)
    if path.is_dir():
        report = check_issue(path)
    elif path.is_file() and path.suffix.lower() == ".pdf":
        report = check_pdf_file(path)
    else:
        report = Report([Finding("error", "input", f"{path}: not an issue folder or a PDF file",
                                 hint="give an issue folder (with issue.toml) or a .pdf")], source=str(path))
    print(report.as_json() if as_json else report.text())
    return 1 if report.errors else 0
