"""Rendering: composed lines → HTML (lines), a vertical headline → HTML (vertical), the page plans → one HTML document through the
design's Jinja template (html), HTML → PDF with WeasyPrint (pdf), a page at a time in parallel
and reused when unchanged, assembled into the issue (pages)."""

from .html import HtmlMemo, document_date, page_html, render_html
from .lines import LINE_CSS, line_html
from .pages import PageCache, PageJob, PagePool, assemble, page_findings, render_pages, split_page
from .pdf import write_pdf
from .vertical import VERTICAL_CSS, vertical_html

__all__ = ["HtmlMemo", "document_date", "page_html", "render_html", "LINE_CSS", "line_html", "write_pdf", "PageCache", "PageJob", "PagePool",
           "assemble", "page_findings", "render_pages", "split_page", "VERTICAL_CSS", "vertical_html"]
