"""What an archive's validator checks of a PDF/A-3a file, read from the PDF alone (pikepdf).

Each rule gives one finding per thing wrong (per image, per font, per attachment), with its
page where it has one, so `paiban check` can run them on any archive, and the build on the
archive it just wrote. The number of articles comes from the archive's own attached
digital-edition index (`*.articles.json`), else from its bookmarks (one per article).
"""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf

from typeset.model.findings import Finding

LANG = "zh-CN"
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def _finding(message: str, page: int | None = None, hint: str = "") -> Finding:
    """An error; `page` is the PDF's page number (1-based), told in the message: a Finding's
    page is a 版次, which the PDF alone does not give."""
    where = f"PDF page {page}: " if page is not None else ""
    return Finding("error", "archive", where + message, None, None, hint)


def _resources(pdf: pikepdf.Pdf):
    """(page number, resource dictionary) of every page and of the forms it draws."""
    seen: set = set()

    def walk(resources, number):
        if not isinstance(resources, pikepdf.Dictionary):
            return
        yield number, resources
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield from walk(xobject.get("/Resources"), number)

    for number, page in enumerate(pdf.pages, 1):
        yield from walk(page.obj.get("/Resources"), number)


def interpolation(pdf: pikepdf.Pdf) -> list[Finding]:
    """PDF/A forbids /Interpolate true on images (ISO 19005-3, 6.2.8)."""
    found, seen = [], set()
    for number, resources in _resources(pdf):
        for name, xobject in (resources.get("/XObject") or {}).items():
            if xobject.get("/Subtype") == "/Image" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                if xobject.get("/Interpolate") is True:
                    found.append(_finding(f"PDF/A: image {name} has /Interpolate true", number,
                                          "set image-rendering: crisp-edges on archive pictures"))
    return found


def article_count(pdf: pikepdf.Pdf) -> int:
    """Articles in the issue: the attached index's list, else the bookmarks."""
    for name, spec in pdf.attachments.items():
        if name.endswith(".articles.json"):
            try:
                return len(json.loads(spec.get_file().read_bytes())["articles"])
            except (ValueError, KeyError):
                break
    with pdf.open_outline() as outline:
        return len(outline.root)


def _elements(element):
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def tagging(pdf: pikepdf.Pdf) -> list[Finding]:
    """Level A: marked (MarkInfo), a structure tree, one Art per article."""
    found = []
    mark = pdf.Root.get("/MarkInfo")
    if not isinstance(mark, pikepdf.Dictionary) or mark.get("/Marked") is not True:
        found.append(_finding("PDF/A-3a: the catalog's MarkInfo does not say /Marked true"))
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        found.append(_finding("PDF/A-3a: no structure tree (StructTreeRoot)", hint="render with pdf/a-3a"))
        return found
    arts = sum(1 for e in _elements(root) if e.get("/S") == "/Art")
    expected = article_count(pdf)
    if arts != expected:
        found.append(_finding(f"structure tree: {arts} Art elements for {expected} articles"))
    return found


def language(pdf: pikepdf.Pdf) -> list[Finding]:
    lang = str(pdf.Root.get("/Lang", ""))
    if lang != LANG:
        return [_finding(f"PDF/A-3a: the document language (/Lang) is {lang!r}, not {LANG}",
                         hint='<html lang="zh-CN">')]
    return []


def fonts(pdf: pikepdf.Pdf) -> list[Finding]:
    """Every font embedded (Type 3 excepted: its glyphs are in the file) with a ToUnicode map."""
    found, seen = [], set()
    for number, resources in _resources(pdf):
        for name, font in (resources.get("/Font") or {}).items():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            base = str(font.get("/BaseFont", name))
            if font.get("/Subtype") != "/Type3":
                described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                descriptor = described.get("/FontDescriptor") or {}
                if not any(key in descriptor for key in FONT_FILES):
                    found.append(_finding(f"PDF/A: font {base} is not embedded", number))
            if "/ToUnicode" not in font:
                found.append(_finding(f"PDF/A: font {base} has no ToUnicode map (its text cannot be "
                                      "read as Unicode)", number))
    return found


def metadata(pdf: pikepdf.Pdf) -> list[Finding]:
    """The Info dictionary's title and the XMP dc:title say the same."""
    info = str(pdf.docinfo.get("/Title", "")) if pdf.trailer.get("/Info") is not None else ""
    xmp = pdf.open_metadata().get("dc:title", "") if "/Metadata" in pdf.Root else ""
    if info != str(xmp):
        return [_finding(f"PDF/A: the Info title {info!r} and the XMP dc:title {str(xmp)!r} differ")]
    return []


def attachments(pdf: pikepdf.Pdf) -> list[Finding]:
    """PDF/A-3: every embedded file says its AFRelationship and is listed in the catalog's /AF."""
    listed = {spec.objgen for spec in pdf.Root.get("/AF", [])}
    found = []
    for name, spec in pdf.attachments.items():
        if "/AFRelationship" not in spec.obj:
            found.append(_finding(f"PDF/A-3: attachment {name} has no AFRelationship"))
        elif spec.obj.objgen not in listed:
            found.append(_finding(f"PDF/A-3: attachment {name} is not in the catalog's /AF"))
    return found


RULES = (interpolation, tagging, language, fonts, metadata, attachments)


def check(pdf_path: Path | str) -> list[Finding]:
    """Every rule on the PDF at `pdf_path`."""
    with pikepdf.open(pdf_path) as pdf:
        return [f for rule in RULES for f in rule(pdf)]


def check_if_archive(pdf_path: Path | str) -> list[Finding]:
    """The rules, on a PDF whose XMP claims PDF/A (for `paiban check FILE.pdf`)."""
    with pikepdf.open(pdf_path) as pdf:
        claims = "/Metadata" in pdf.Root and pdf.open_metadata().get("pdfaid:part") is not None
    return check(pdf_path) if claims else []
