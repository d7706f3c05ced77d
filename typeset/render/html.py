"""HTML from the page plans through the layout's Jinja template.

The planner has decided every line and every rectangle; the template only places them
(absolute positions in points), so WeasyPrint lays out no paragraph itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Callable, Sequence

import jinja2

from typeset.model.fields import BOXED_KINDS, KIND_NAMES
from typeset.model.layout import MM
from typeset.plan import IssuePlan, ModulePlan, Rect
from typeset.sources.designs import load_layout
from typeset.system import cache as diskcache
from typeset.system.clock import source_date_epoch
from typeset.system.data import builtin_layouts, layout_dirs

from .lines import LINE_CSS, line_html
from .vertical import VERTICAL_CSS, vertical_html


def pt(value: float) -> str:
    return f"{value:.3f}pt"


def box(rect: Rect, origin: Rect | None = None) -> str:
    """CSS for an absolutely positioned rectangle, relative to `origin` when given."""
    x, y = (rect.x - origin.x, rect.y - origin.y) if origin else (rect.x, rect.y)
    return f"left:{pt(x)};top:{pt(y)};width:{pt(rect.w)};height:{pt(rect.h)}"


def _template_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the cache folder (keyed by their source): compiling the
    page template costs a fresh process more than rendering it."""
    folder = diskcache.cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None        # no writable cache: compile every time
    return jinja2.FileSystemBytecodeCache(str(folder))


@functools.cache
def _environment(folders: tuple[str, ...]) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(list(folders)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, bytecode_cache=_template_cache())
    env.globals.update(pt=pt, box=box, mm=MM, line_html=line_html, vertical_html=vertical_html, kind_names=KIND_NAMES, boxed_kinds=BOXED_KINDS)
    return env


def _stylesheets(plan: IssuePlan, bleed_mm: float = 0.0) -> list[str]:
    """base.css, the trim size (@page), then each design's style.css.

    `bleed_mm` grows the PDF page (MediaBox) around the trim on every side (the print
    variant: bleed plus a slug for the marks); WeasyPrint then writes the TrimBox.
    Pages of one trim size share one @page rule. Named pages are used only when the issue
    mixes trim sizes: WeasyPrint 70 sets Latin letters inside a named page in a fallback
    face (measured: DejaVu Serif for "KTV"), which the font check then rejects.
    """
    # every page's design, from the issue: the same for a page rendered before the next is planned
    layouts = list({layout.key: layout for layout in map(load_layout, (p.layout for p in plan.issue.issue.pages))}.values())
    sheets = [(builtin_layouts() / "base" / "base.css").read_text(encoding="utf-8")]
    bleed = f"; bleed: {bleed_mm:g}mm" if bleed_mm else ""
    if len({layout.page.trim_mm for layout in layouts}) == 1:
        w, h = layouts[0].page.trim_mm
        sheets.append(f"@page {{ size: {w}mm {h}mm; margin: 0{bleed} }}")
    else:
        for layout in layouts:
            w, h = layout.page.trim_mm
            sheets.append(f"@page {layout.key} {{ size: {w}mm {h}mm; margin: 0{bleed} }}\n"
                          f".page-{layout.key} {{ page: {layout.key} }}")
    sheets += [(layout.folder / "style.css").read_text(encoding="utf-8") for layout in layouts]
    return sheets


def document_date(plan: IssuePlan, epoch: int | None = None) -> str:
    """The PDF's creation date: SOURCE_DATE_EPOCH (the argument, else the environment
    variable) when given, else the issue date at midnight Beijing time — never "now", so the
    same records give the same bytes."""
    epoch = source_date_epoch(epoch)
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{plan.issue.issue.date.isoformat()}T00:00:00+08:00"


def render_html(plan: IssuePlan, *, epoch: int | None = None, variant: str = "",
                extra_css: tuple[str, ...] = (), bleed_mm: float = 0.0,
                picture_src: Callable[[ModulePlan, int], str | None] | None = None,
                proof: object | None = None, description: str = "",
                keywords: tuple[str, ...] = (), slug: str | None = None,
                only: Sequence[int] | None = None) -> str:
    """The whole issue as one HTML document, a <section class="page"> per page; with `only`
    (indexes into plan.pages) just those pages, with the same head and stylesheets, so each page
    is set as in the whole issue (typeset.render.pages renders an issue a page at a time).

    The output variants (typeset.output, typeset.pipeline) dress it: `variant` is the class of <html> (the
    layouts' colours switch on it, e.g. CMYK for "print"), `extra_css` goes into the
    document's own <style> (where an @color-profile must sit), `picture_src` gives each
    module's picture URLs (module, picture index) (None: a framed placeholder), `proof` the proof marks, `slug` (the
    print variant's time) the job line and colour bar in the slug outside the trim."""
    first_layout = plan.pages[0].layout
    template = _environment(tuple(map(str, layout_dirs()))).get_template(f"{first_layout.key}/{first_layout.template}")
    folder = plan.issue.folder.resolve()
    if picture_src is None:
        def picture_src(module: ModulePlan, index: int) -> str | None:
            return (folder / module.article.pictures[index].file).as_uri()
    return template.render(
        issue=plan.issue.issue, pages=plan.pages if only is None else [plan.pages[i] for i in only], line_css=LINE_CSS + "\n" + VERTICAL_CSS,
        stylesheets=_stylesheets(plan, bleed_mm) + list(extra_css), picture_src=picture_src,
        created=document_date(plan, epoch), variant=variant, proof=proof,
        description=description, keywords=keywords, first_module=_first_modules(plan),
        slug=slug,
    )


class HtmlMemo:
    """The HTML of the last build's pages, by what each is made of (page_html); a build keeps
    only the pages it used (`next_build`)."""

    def __init__(self):
        self.pages: dict[str, tuple[object, str]] = {}
        self.used: set[str] = set()

    def next_build(self) -> None:
        self.pages = {key: self.pages[key] for key in self.used}
        self.used = set()


def page_html(plan: IssuePlan, index: int, memo: HtmlMemo | None = None, **options) -> str:
    """The HTML of page `index` alone (render_html with `only`), taken from `memo` (paiban watch:
    the last build's pages) when nothing it is made of changed: the page's plan is the same
    object (the plan memo keeps an unchanged page's plan, and a plan is not changed after it is
    made), and the issue, the stylesheets, the options, the templates' files, the page's picture
    URLs and which of its modules begin an article are equal."""
    if memo is None or options.get("proof") is not None:
        return render_html(plan, only=[index], **options)
    page = plan.pages[index]
    src = options.get("picture_src")
    urls = [src(m, i) if src else m.article.pictures[i].file for m in page.modules for i in range(len(m.article.pictures))]
    first = sorted(slug for number, slug in _first_modules(plan) if number == page.page.number)
    context = [plan.issue.issue.model_dump_json(), str(plan.issue.folder), *_stylesheets(plan, options.get("bleed_mm", 0.0)),
               document_date(plan, options.get("epoch")),
               repr(sorted((k, v) for k, v in options.items() if k not in ("picture_src", "epoch"))),
               repr(urls), repr(first), repr(_templates_state()), str(id(page))]
    key = hashlib.sha256("\0".join(context).encode("utf-8")).hexdigest()
    kept = memo.pages.get(key)
    if kept is None or kept[0] is not page:
        kept = memo.pages[key] = (page, render_html(plan, only=[index], **options))
    memo.used.add(key)
    return kept[1]


def _templates_state() -> list[tuple[str, int]]:
    """Every template file of the design folders, with its modification time."""
    return sorted((str(path), path.stat().st_mtime_ns) for folder in layout_dirs() for path in Path(folder).rglob("*.j2"))


def _first_modules(plan: IssuePlan) -> set[tuple[int, str]]:
    """(版次, slug) of the first module of every record (a continued article's later parts are
    not): the one that carries the article's bookmark."""
    seen, first = set(), set()
    for page in plan.pages:
        for module in page.modules:
            if module.record.slug not in seen:
                seen.add(module.record.slug)
                first.add((page.page.number, module.article.slug))
    return first
