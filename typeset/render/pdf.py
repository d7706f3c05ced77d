"""HTML to PDF with WeasyPrint, its warnings (subsetting failures, missing glyphs) kept as
findings."""

from __future__ import annotations

import hashlib
import logging
import os
from contextlib import contextmanager
from pathlib import Path

from typeset.model.findings import Finding
from typeset.plan import IssuePlan

from . import shared_fonts


class _Warnings(logging.Handler):
    """WeasyPrint's warnings during a render."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextmanager
def render_warnings():
    """The list of WeasyPrint's warning messages logged inside the block."""
    warnings = _Warnings()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(warnings)
    try:
        yield warnings.messages
    finally:
        logger.removeHandler(warnings)


_font_config: tuple[tuple, object] | None = None


def font_config():
    """One WeasyPrint font configuration a process, shared by the documents it renders. A new
    one per document loads fontconfig's configuration again and starts Pango with cold caches:
    16 page documents took 17.7–18.1 s of CPU with one each, 16.7–17.1 s sharing one, with the
    same bytes. (A design's @font-face would add its fonts to it for the process's later
    documents; no design has one.) Made again in a forked process, and when a font file changed
    (a font package upgraded under `paiban watch`): Pango would keep the old faces."""
    global _font_config
    from weasyprint.text.fonts import FontConfiguration

    key = (os.getpid(), shared_fonts.files_state())
    if _font_config is None or _font_config[0] != key:
        _font_config = (key, FontConfiguration())
    return _font_config[1]


def findings_of(messages: list[str]) -> list[Finding]:
    return [Finding("warning", "render", f"WeasyPrint: {message}") for message in dict.fromkeys(messages)]


def write_pdf(plan: IssuePlan, html: str, target: Path, *, identity: str | None = None,
              **options) -> list[Finding]:
    """Render the HTML to `target` with WeasyPrint; the file ID derives from `identity` (the
    HTML by default), so the same HTML gives the same bytes. Returns WeasyPrint's warnings as
    findings."""
    import weasyprint  # imported here: it dominates start-up and not every command needs it

    with render_warnings() as messages:
        document = weasyprint.HTML(string=html, base_url=str(plan.issue.folder.resolve()))
        identifier = hashlib.sha256((identity or html).encode("utf-8")).hexdigest()[:32].encode("ascii")
        document.write_pdf(target, pdf_identifier=identifier, font_config=font_config(), **options)
    return findings_of(messages)
