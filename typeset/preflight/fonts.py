"""Preflight of a PDF's glyphs and fonts: 缺字 (.notdef glyphs: tofu still extracts as the right
character, so the content streams are decoded to glyph ids) and 字体 (embedded, subset, only the
role families and the fallback faces, never a whole font program), and a sane file size."""

from __future__ import annotations

from pathlib import Path

from typeset.model.findings import Finding

from . import pdftext
from .pdffonts import PdfFont
from .records import allowed_families

WHOLE_FONT_BYTES = 4_000_000        # a subset font program of a newspaper page is far smaller
BYTES_PER_GLYPH = 20_000            # … and a CJK glyph outline is ~0.3–2 KB
PAGE_BYTES_WARN = 20_000_000


def check_glyphs_and_fonts(pdf_path: Path | str, pdf_pages: list | None = None) -> list[Finding]:
    """.notdef glyphs (缺字) and the fonts (embedded, subset, allowed families, not whole), and
    the file size. Needs only the PDF; `pdf_pages`: pdftext.pages of it when already read."""
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
        elif not font.program_sound:
            findings.append(Finding("error", "fonts", f"字体 font {font.name}'s embedded program is not a font "
                                    "(damaged or left out): its text would not print", None, None,
                                    "build again; if it stays, report it with the issue folder"))
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

