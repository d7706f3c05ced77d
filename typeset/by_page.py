"""The issue a page at a time, for the pipeline: each page's job (its HTML, keyed), rendered in
page workers or taken from the page cache, read and checked where it was rendered, and
assembled; a fresh `paiban build --jobs N` renders each page while the next is planned
(`Early`); the print PDF's 版 cut into PDFs of their own."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Callable

from typeset import preflight, render
from typeset.model.findings import Report
from typeset.plan import IssuePlan, PagePlan
from typeset.plan.pictures import PlacedPicture, placed_pictures
from typeset.system.files import atomic_target, staged


def page_job(plan: IssuePlan, index: int, placed: list[PlacedPicture], html_options: dict, pdf_options: dict,
             identity: tuple[str, str] | None = None, fonts_left_out: bool = False,
             memo: render.HtmlMemo | None = None) -> render.PageJob:
    """Page `index`'s job, keyed also by its pictures' files (size, time), so a picture saved
    again under its name renders its page again. `fonts_left_out`: the pages' fonts embedded
    once, when the issue is assembled (render.shared_fonts), not subset in every page. `memo`:
    the last build's page HTML (render.page_html)."""
    html = render.page_html(plan, index, memo, **html_options)
    number = plan.pages[index].page.number
    files = repr([(str(p.path), _file_state(p.path)) for p in placed if p.page == number and p.exists])
    return render.PageJob(html, html.replace(*identity) if identity else html, str(plan.issue.folder.resolve()),
                          pdf_options, files, index, fonts_left_out)


def page_jobs(plan: IssuePlan, placed: list[PlacedPicture], html_options: dict, pdf_options: dict,
              identity: tuple[str, str] | None = None, fonts_left_out: bool = False,
              memo: render.HtmlMemo | None = None) -> list[render.PageJob]:
    return [page_job(plan, index, placed, html_options, pdf_options, identity, fonts_left_out, memo)
            for index in range(len(plan.pages))]


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:         # removed since it was read: the next build sees it gone
        return None
    return st.st_size, st.st_mtime_ns


def check_page(page_plan: PagePlan, index: int, pdf: bytes):
    """What preflight reads and finds of a page's own PDF (render_pages' `check`)."""
    return preflight.read_page(pdf, page_plan)


def page_check(plan: IssuePlan) -> Callable[[int, bytes], object]:
    return lambda index, pdf: check_page(plan.pages[index], index, pdf)


def pages_read(plan: IssuePlan, pages: list[render.RenderedPage]) -> list:
    """Every page as preflight reads it, numbered in the issue: a page rendered again was read
    and checked where it was rendered, a page from the page cache keeps what was read and found
    of it (the same PDF bytes: the same page)."""
    for index, page in enumerate(pages):
        page.read = page.read or check_page(plan.pages[index], index, page.pdf)
        page.read.page_number = index + 1
    return [page.read for page in pages]


class Early:
    """The plain PDF's pages rendered while the issue is planned (a fresh `paiban build --jobs N`):
    each page goes to the page workers, with its plan for the check, as soon as it is planned,
    so the workers set page 1 while the parent plans page 2. The jobs are those render_by_page
    makes, so the PDF is the same bytes."""

    def __init__(self, processes: int, html_options: dict):
        self.pool = render.PagePool(processes)
        self.html_options = html_options
        self.taken = False

    def planned(self, plan: IssuePlan) -> None:
        """plan_issue's `on_page`: `plan` is the issue planned so far; its last page is new."""
        index = len(plan.pages) - 1
        job = page_job(plan, index, placed_pictures(plan), self.html_options, {}, fonts_left_out=True)
        self.pool.submit(job, functools.partial(check_page, plan.pages[index]))

    def pages(self) -> tuple[list[render.PageJob], list[render.RenderedPage]]:
        self.taken = True
        return self.pool.jobs, self.pool.pages()

    def stop(self) -> None:
        """The workers stopped, unless their pages were taken (a build that failed before)."""
        if not self.taken:
            self.pool.stop()


def render_by_page(plan: IssuePlan, placed: list[PlacedPicture], processes: int,
                   page_cache: render.PageCache | None, html_options: dict, pdf_options: dict,
                   identity: tuple[str, str] | None, report: Report, target: Path, read: bool,
                   early: Early | None = None) -> tuple[str, list[render.RenderedPage]]:
    """The issue rendered a page at a time (taken from `early`, else reused from the page cache,
    else in `processes` processes; with `read`, each page also read and checked there) and
    assembled into `target`; returns the document's identifier and the pages."""
    if early is not None:
        jobs, pages = early.pages()
    else:
        jobs = page_jobs(plan, placed, html_options, pdf_options, identity, fonts_left_out=True,
                         memo=page_cache.html if page_cache else None)
        pages = render.render_pages(jobs, processes, page_cache, page_check(plan) if read else None)
    report.findings += render.page_findings(pages)
    render.assemble(pages, target)
    return hashlib.sha256("".join(job.identity for job in jobs).encode()).hexdigest(), pages


def page_pdf_name(issue: str, page_number: int, variant: str) -> str:
    """One 版 as printing plants take it: `<issue>.p05.print.pdf`."""
    return f"{issue}.p{page_number:02d}.{variant}.pdf"


def write_page_pdfs(issue_plan: IssuePlan, issue_pdf: Path) -> None:
    """Each 版 cut from the checked issue PDF (its temporary, inside the build's all-or-nothing)."""
    for index, page in enumerate(issue_plan.pages):
        with atomic_target(issue_pdf.parent / page_pdf_name(issue_plan.issue.name, page.page.number, "print")) as tmp:
            render.split_page(staged(issue_pdf), index, tmp)
