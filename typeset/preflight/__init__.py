"""Preflight (预飞): checks on the records before rendering and on the plan and the PDF after it.

What is checked, and why (engine-notes.md):
- records: 缺字 (every character in its role font's cmap, or a fallback face's) and control
  characters, before rendering;
- plan: the plan holds every record's text, underfull pages, pictures (missing, under 200 ppi);
- text: the characters in each module's rectangle are the article's, each in its role's font
  (WeasyPrint drops text that does not fit silently);
- fonts: .notdef glyphs (tofu still extracts as the right character, so the content streams are
  decoded to glyph ids), fonts embedded, subset, only the roles' and fallback faces;
- pdfx / pdfa: the print and archive variants' structure.
"""

from __future__ import annotations

import time
from pathlib import Path

from typeset.model.findings import Finding, Report

from . import pdfa_rules, pdffonts, pdftext
from .fonts import check_glyphs_and_fonts
from .pdfa import check_archive_pdf
from .pdfx import check_print_pdf, is_print_pdf, rgb_uses
from .plan import check_plan, overset_findings, picture_findings
from .records import check_records
from .text import check_page_text, check_plan_text, check_text

__all__ = ["check_pdf", "check_pdf_file", "check_glyphs_and_fonts", "check_archive_pdf", "check_print_pdf", "rgb_uses", "check_plan",
           "overset_findings", "picture_findings", "check_records", "check_plan_text", "check_text", "read_pages",
           "read_page"]


def check_pdf(pdf_path: Path | str, plan, *, extractor: str = "auto", pdf_pages: list | None = None) -> list[Finding]:
    """All PDF checks against the plan it was rendered from; `pdf_pages`: pdftext.pages of it
    when already read (the live page keeps them for the pages it did not render again), each from
    its page's own PDF: their fonts' programs are then taken from `pdf_path` (the issue's pages
    share one program per face there: render.shared_fonts)."""
    if pdf_pages is None:
        pdf_pages = pdftext.pages(pdf_path)     # the content streams parsed once, for both checks
    else:
        _programs_from(pdf_pages, pdf_path)
    return (check_plan_text(plan) + check_text(pdf_path, plan, extractor=extractor, pdf_pages=pdf_pages)
            + check_glyphs_and_fonts(pdf_path, pdf_pages) + check_plan(plan))


def _programs_from(pdf_pages: list, pdf_path: Path | str) -> None:
    """Each font of pages read elsewhere given its program as `pdf_path` holds it."""
    for page, programs in zip(pdf_pages, pdffonts.page_programs(pdf_path)):
        for use in page.uses.values():
            if use.font.name in programs:
                (use.font.embedded, use.font.program_bytes, use.font.program_key,
                 use.font.program_sound) = programs[use.font.name]


def read_pages(pdf: bytes) -> list[pdftext.Page]:
    """pdftext.pages of a PDF held in memory, its fonts' keys (object numbers, the same in two
    PDFs) prefixed by the PDF's hash: pages read from separate PDFs are checked together as the
    pages of one PDF are."""
    import hashlib
    import io

    document = hashlib.sha256(pdf).hexdigest()[:16]
    pages = pdftext.pages(io.BytesIO(pdf))
    fonts = {}
    for page in pages:
        page.uses = {(document, *key): use for key, use in page.uses.items()}
        fonts.update({id(use.font): use.font for use in page.uses.values()})
    for font in fonts.values():
        if font.program_key is not None:
            font.program_key = (document, *font.program_key)
    return pages


def read_page(pdf: bytes, page_plan) -> pdftext.Page:
    """The page of a one-page PDF as preflight reads it, its text checked against its plan page
    (`checked`): what a page worker returns, and the page cache keeps with the page."""
    page = read_pages(pdf)[0]
    page.checked = check_page_text(page, page_plan)
    return page


def unreadable_pdf(pdf: Path) -> str | None:
    """What keeps a PDF from being checked (damaged, encrypted, no page), or None."""
    import pikepdf

    try:
        with pikepdf.open(pdf) as doc:
            if len(doc.pages) == 0:
                return "the PDF has no pages"
    except pikepdf.PasswordError:
        return "the PDF is encrypted (password-protected): give the unencrypted PDF"
    except (pikepdf.PdfError, OSError, ValueError) as e:
        return f"not a readable PDF, damaged or truncated ({' '.join(str(e).split())[-120:]})"
    return None


def check_pdf_file(pdf: Path | str) -> Report:
    """The checks that need only a PDF: .notdef glyphs, fonts, size; an archive's PDF/A rules,
    a print PDF's PDF/X and press rules."""
    start = time.perf_counter()
    if problem := unreadable_pdf(Path(pdf)):
        return Report([Finding("error", "input", f"{pdf}: {problem}", hint="give the PDF paiban wrote, whole")],
                      source=str(pdf))
    findings = check_glyphs_and_fonts(pdf) + pdfa_rules.check_if_archive(pdf)
    if is_print_pdf(pdf):
        findings += check_print_pdf(Path(pdf))
    return Report(findings, source=str(pdf), timings={"pdf": time.perf_counter() - start})
