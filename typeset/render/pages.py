"""A page at a time: each 版 rendered by WeasyPrint alone, in parallel processes, reused when its
HTML is unchanged, and the issue assembled from the page PDFs with pikepdf.

The planner fixes every page and every jump line before rendering, so the pages of an issue are
independent: the HTML of one page (render_html with `only`) carries the same stylesheets and the
same page as the whole issue's HTML, and WeasyPrint sets it the same. The page's HTML (with the
PDF options and a salt for what it does not carry: fonts, program) is the key of its PDF, so a
watching process renders again only the pages an edit touched.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import multiprocessing
import signal
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from typeset.model.errors import UserError
from typeset.model.findings import Finding

from . import shared_fonts
from .html import HtmlMemo
from .pdf import findings_of, font_config, render_warnings


@dataclass
class PageJob:
    """One page to render: its HTML, what identifies it (the HTML, or the HTML with machine
    paths left out), WeasyPrint's PDF options, and what the files the HTML names hold (a
    picture saved again under its name changes the page, not its HTML)."""

    html: str
    identity: str
    base_url: str
    options: dict = field(default_factory=dict)
    files: str = ""
    index: int = 0              # the page's place in the issue (0: the first 版)
    fonts_left_out: bool = False    # the fonts' programs left for `assemble` to embed (shared_fonts)

    def key(self, salt: str) -> str:
        digest = hashlib.sha256(salt.encode() + b"\0" + self.identity.encode())
        digest.update(repr(sorted(self.options.items())).encode() + b"\0" + self.files.encode())
        digest.update(b"\0fonts left out" if self.fonts_left_out else b"")
        return digest.hexdigest()


@dataclass
class RenderedPage:
    pdf: bytes
    warnings: list[str]
    read: object = None         # what preflight read and found of the PDF, kept with it (render_pages' `check`)


class PageCache:
    """The last rendered PDF of every page, by key; `salt` stands for what the HTML does not
    carry (the program, the fonts). Only the pages of the latest build are kept (`keep`), so a
    long watch holds one issue's pages, not every version of them. `rendered` counts the pages
    WeasyPrint set (the tests read it; `on_render` is told each page's key)."""

    def __init__(self, salt: str = "", on_render: Callable[[str], None] | None = None):
        self.salt = salt
        self.pages: dict[str, RenderedPage] = {}
        self.plans: dict = {}        # the pages' plans, for plan.plan_issue's memo
        self.html = HtmlMemo()       # the pages' HTML, for html.page_html
        self.rendered = 0
        self.on_render = on_render

    def keep(self, keys: set[str]) -> None:
        self.pages = {k: v for k, v in self.pages.items() if k in keys}


# The pages and the check of one render_pages call, set before its workers are forked: each
# worker finds them in its copy of this process, so a task is a page's index (not its HTML, nor
# the plan the check reads, pickled through a pipe) and a result is the page's PDF and findings.
_forked: tuple[list[PageJob], Callable | None] = ([], None)


def _render(job: PageJob, check: Callable[[int, bytes], object] | None) -> RenderedPage:
    import weasyprint

    fonts = shared_fonts.left_out(shared_fonts.known_files()) if job.fonts_left_out else nullcontext()
    with render_warnings() as messages, fonts:
        identifier = hashlib.sha256(job.identity.encode("utf-8")).hexdigest()[:32].encode("ascii")
        pdf = weasyprint.HTML(string=job.html, base_url=job.base_url).write_pdf(
            pdf_identifier=identifier, font_config=font_config(), **job.options)
    return RenderedPage(pdf, list(messages), check(job.index, pdf) if check is not None else None)


def _render_forked(index: int) -> RenderedPage:
    jobs, check = _forked
    return _render(jobs[index], check)


def _start_forked() -> None:
    """A page worker ends at once when stopped, not through the handler it inherited (`paiban`
    turns SIGTERM into an exception that unwinds a build: the parent's build), and leaves
    Ctrl-C to its parent, which stops it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_importing() -> None:
    _start_forked()
    import weasyprint  # noqa: F401


def _executor(processes: int, start: Callable[[], None] = _start_forked) -> cf.ProcessPoolExecutor:
    """Forked page workers. Not multiprocessing.Pool: its map() waits for ever when a worker
    dies (a crash, the OOM killer) or a result cannot be unpickled (its result thread ends);
    the executor fails instead."""
    return cf.ProcessPoolExecutor(processes, multiprocessing.get_context("fork"), initializer=start)


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """The queued pages dropped and the workers stopped now."""
    for worker in list((getattr(pool, "_processes", None) or {}).values()):     # no public API for them
        worker.terminate()
    pool.shutdown(cancel_futures=True)          # its thread sees the workers gone, and ends


def _results(pool: cf.ProcessPoolExecutor, results) -> list[RenderedPage]:
    """The pages `results` yields; on Ctrl-C or any error the workers are stopped at once, and a
    worker that died is one line."""
    try:
        rendered = list(results)
    except BaseException as e:
        _stop(pool)
        if isinstance(e, cf.process.BrokenProcessPool):
            raise UserError(f"a page worker ended without its page ({e}); build again, or with --jobs 1") from None
        raise
    pool.shutdown()
    return rendered


def _in_workers(processes: int, order: list[int]) -> list[RenderedPage]:
    """The pages of `_forked` rendered in forked processes, in `order`."""
    pool = _executor(processes)
    return _results(pool, pool.map(_render_forked, order))


class PagePool:
    """Page workers that render each page as soon as it is planned, while the next one is
    planned (a fresh `paiban build --jobs N`). Forked when the first page is sent, before the
    rest are planned, they are sent each page's job and check (pickled: the check holds its
    page's plan)."""

    def __init__(self, processes: int):
        shared_fonts.known_files()
        # WeasyPrint is imported by each worker as it starts (0.8 s), while this process plans
        self.pool = _executor(processes, _start_importing)
        self.futures: list[cf.Future] = []
        self.jobs: list[PageJob] = []

    def submit(self, job: PageJob, check: Callable[[int, bytes], object] | None = None) -> None:
        self.jobs.append(job)
        self.futures.append(self.pool.submit(_render, job, check))

    def pages(self) -> list[RenderedPage]:
        """Every page sent, rendered, in order."""
        return _results(self.pool, (future.result() for future in self.futures))

    def stop(self) -> None:
        """Stopped now, its pages dropped (a build that failed before it took them)."""
        _stop(self.pool)


def render_pages(jobs: list[PageJob], processes: int = 1, cache: PageCache | None = None,
                 check: Callable[[int, bytes], object] | None = None) -> list[RenderedPage]:
    """Every page's PDF, in order: from `cache` when its key is there, else rendered — in
    `processes` forked worker processes when more than one page is to be rendered. `check(index,
    pdf)` is run on each page rendered, where it was rendered (a worker), and its result kept
    with the page (`read`): what preflight reads and finds of the page."""
    global _forked
    keys = [job.key(cache.salt if cache else "") for job in jobs]
    done: dict[str, RenderedPage] = dict(cache.pages) if cache else {}
    todo = {k: job for k, job in zip(keys, jobs) if k not in done}
    if processes > 1 and len(todo) > 1:
        import weasyprint  # noqa: F401  (imported once, before the fork: the workers start warm)

        shared_fonts.known_files()

        # workers forked from this process: the fonts, caches, templates and plan loaded here are
        # theirs at no cost; one page per task, the longest pages first, so that the last tasks
        # are short and the workers end together
        _forked = (list(todo.values()), check)
        order = sorted(range(len(todo)), key=lambda i: -len(_forked[0][i].html))
        try:
            by_index = dict(zip(order, _in_workers(min(processes, len(todo)), order)))
        finally:
            _forked = ([], None)
        rendered = [by_index[i] for i in range(len(todo))]
    else:
        rendered = [_render(job, check) for job in todo.values()]
    for key, page in zip(todo, rendered):
        done[key] = page
        if cache is not None:
            cache.rendered += 1
            if cache.on_render:
                cache.on_render(key)
    if cache is not None:
        cache.pages.update({k: done[k] for k in todo})
        cache.keep(set(keys))
    return [done[k] for k in keys]


def page_findings(pages: list[RenderedPage]) -> list[Finding]:
    return findings_of([m for page in pages for m in page.warnings])


def assemble(pages: list[RenderedPage], target: Path) -> None:
    """The issue PDF from its page PDFs: the first page's document (its Info, XMP metadata,
    output intents, language) with the other pages appended, each with its own resources (its
    fonts subset to the page, or, where a page left them out, one subset of each face shared by
    the pages: shared_fonts), written with a content-derived file ID."""
    import io

    import pikepdf

    opened = [pikepdf.open(io.BytesIO(page.pdf)) for page in pages]
    try:
        issue = opened[0]
        dests = _dests(issue, issue, 0)
        for other in opened[1:]:
            offset = len(issue.pages)
            issue.pages.extend(other.pages)
            dests += _dests(other, issue, offset)
        _set_dests(issue, dests)
        shared_fonts.embed(issue)
        issue.save(target, deterministic_id=True)
    finally:
        for pdf in opened:
            pdf.close()


def _dests(source, issue, offset: int) -> list[tuple[str, object]]:
    """The named destinations (the articles' anchors) of `source`, pointing at its pages as
    copied into `issue` from `offset` on."""
    import pikepdf

    names = source.Root.get("/Names", {}).get("/Dests", {}).get("/Names", [])
    index = {page.objgen: i for i, page in enumerate(source.pages)}
    found = []
    for name, dest in zip(names[::2], names[1::2]):
        page = issue.pages[offset + index[dest[0].objgen]].obj
        found.append((str(name), pikepdf.Array([page, *[pikepdf.Name(str(v)) if isinstance(v, pikepdf.Name)
                                                          else v for v in list(dest)[1:]]])))
    return found


def _set_dests(pdf, dests: list[tuple[str, object]]) -> None:
    """The name tree of destinations, sorted; the first of a repeated name wins, as in one render."""
    import pikepdf

    if not dests:
        return
    first: dict[str, object] = {}
    for name, dest in dests:
        first.setdefault(name, dest)
    flat = pikepdf.Array()
    for name in sorted(first):
        flat.extend([pikepdf.String(name), first[name]])
    if "/Names" not in pdf.Root:
        pdf.Root.Names = pikepdf.Dictionary()
    pdf.Root.Names.Dests = pikepdf.Dictionary(Names=flat)


def split_page(issue_pdf: Path, index: int, target: Path) -> None:
    """Page `index` of `issue_pdf` as a PDF of its own (as printing plants take a 版): the
    issue's document with every other page removed, so its output intent, metadata and fonts
    are the issue's."""
    import pikepdf

    with pikepdf.open(issue_pdf) as pdf:
        kept = pdf.pages[index].objgen
        dests = [(name, dest) for name, dest in _dests(pdf, pdf, 0) if dest[0].objgen == kept]
        for other in reversed(range(len(pdf.pages))):
            if other != index:
                del pdf.pages[other]
        if "/Names" in pdf.Root:         # no destination may keep a removed page (and its fonts)
            del pdf.Root.Names["/Dests"]
        _set_dests(pdf, dests)
        pdf.save(target, deterministic_id=True)
