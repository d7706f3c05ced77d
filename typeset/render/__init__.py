"""Rendering: composed lines → HTML (lines), the page plans → one HTML document through the
design's Jinja template (html), HTML → PDF with WeasyPrint (pdf)."""

from .html import document_date, render_html
from .lines import LINE_CSS, line_html
from .pdf import write_pdf

__all__ = ["document_date", "render_html", "LINE_CSS", "line_html", "write_pdf"]
