"""PDF/A-3a structure of an archive PDF (pikepdf): pdfaid in XMP, the output intent, one bookmark
per article, the records attached, and what a validator checks of it (pdfa_rules)."""

from __future__ import annotations

from pathlib import Path

from typeset.model.findings import Finding

from . import pdfa_rules


def outline_titles(pdf) -> list[str]:
    with pdf.open_outline() as outline:
        titles = []

        def walk(items):
            for item in items:
                titles.append(item.title)
                walk(item.children)
        walk(outline.root)
    return titles


def check_archive_pdf(pdf_path: Path, plan) -> list[Finding]:
    """PDF/A-3u structure: pdfaid in XMP, the output intent, fonts embedded (preflight checks the
    fonts), one bookmark per article, the records attached."""
    import pikepdf

    findings: list[Finding] = []
    with pikepdf.open(pdf_path) as pdf:
        xmp = pdf.open_metadata()
        if xmp.get("pdfaid:part") != "3" or xmp.get("pdfaid:conformance") != "A":
            findings.append(Finding("error", "archive", f"PDF/A: the XMP says pdfaid part "
                                    f"{xmp.get('pdfaid:part')} conformance {xmp.get('pdfaid:conformance')}, not 3/A"))
        if not any(str(i.get("/S")) == "/GTS_PDFA1" for i in pdf.Root.get("/OutputIntents") or []):
            findings.append(Finding("error", "archive", "PDF/A: no /GTS_PDFA1 output intent"))
        titles = outline_titles(pdf)
        if len(titles) != len(plan.issue.articles):
            findings.append(Finding("error", "archive", f"bookmarks: {len(titles)} outline entries for "
                                    f"{len(plan.issue.articles)} articles"))
        names = set(pdf.attachments)
        if not any(n.endswith(".records.zip") for n in names):
            findings.append(Finding("error", "archive", "the issue's records are not attached"))
    return findings + pdfa_rules.check(pdf_path)
