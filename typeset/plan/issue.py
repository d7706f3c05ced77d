"""Planning a whole issue: page after page, an article that does not fit continued on the next
page (转版), an overset on the last page an error (or, for the proof, marked)."""

from __future__ import annotations

import hashlib
from typing import Callable

from typeset.model.errors import UserError
from typeset.model.records import Article, LoadedIssue
from typeset.sources.designs import load_layout

from .model import Continuation, IssuePlan, ModulePlan, Overset
from .planner import Planner
from .rules import picture_size

# far more articles than a page is ever given (a page of 102 grid lines overflows well before): refused
# at once, before a search whose depth and time grow with the count (200 one-line articles: 9 s)
ARTICLES_MAX = 150


def _rest_of(article: Article, module: ModulePlan, from_page: int) -> tuple[Article, Continuation]:
    """The part of a jumping article that its module did not hold, as an article of its own."""
    kept = [b for b in module.fit.body if b.cls == ""]
    last = kept[-1].paragraph
    consumed = sum(len(b.line.text()) for b in kept if b.paragraph == last)
    first = (article.dateline or "") + article.paragraphs[0] if last == 0 else article.paragraphs[last]
    rest = article.paragraphs[last + 1:]
    mid_paragraph = consumed < len(first)
    if mid_paragraph:
        rest = (first[consumed:].lstrip(),) + rest
    part = article.model_copy(update={
        "slug": f"{article.slug}.{from_page}", "kicker": None, "subtitle": None, "dateline": None,
        "paragraphs": rest, "pictures": (), "priority": 9, "pin": None})
    return part, Continuation(module.record, from_page, mid_paragraph)


def _page_key(salt: str, issue: LoadedIssue, i: int, articles: list[Article], carried, overset_ok: bool) -> str:
    """What a page's plan depends on: the page and the next one's number (a jump names it), its
    design, its records and continued parts, its pictures' pixel sizes, the fonts
    (`salt`) and whether an overset may be marked."""
    pages = issue.issue.pages
    parts = [salt, str(overset_ok), pages[i].model_dump_json(), str(pages[i + 1].number if i + 1 < len(pages) else None),
             load_layout(pages[i].layout).model_dump_json()]
    for article in articles:
        parts.append(article.model_dump_json())
        parts += [repr(picture_size(issue.folder / picture.file)) for picture in article.pictures]
    parts += [f"{c.original.model_dump_json()}|{c.from_page}|{c.mid_paragraph}" for _, c in carried]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def plan_issue(issue: LoadedIssue, *, overset_ok: bool = False, memo: dict | None = None,
               salt: str = "", on_page: Callable[[IssuePlan], None] | None = None) -> IssuePlan:
    """Plan every page of an issue; an overset page continues an article on the next page.

    An overset on the last page is an error, unless `overset_ok` (the proof): then the page is
    planned as if it jumped to a page after it, and the article whose rest is not set is listed
    in `IssuePlan.overset` for the proof to mark. `memo` (paiban watch, serve): the last build's
    page plans by what they depend on (fonts as `salt`); a page whose inputs are unchanged is
    not planned again, and only this build's pages are kept in it. `on_page` is given the issue
    planned so far after each page (paiban build --jobs renders a page while the next is planned)."""
    pages = issue.issue.pages
    carried: list[tuple[Article, Continuation]] = []
    plans, overset, kept = [], set(), {}
    for i, page in enumerate(pages):
        articles = issue.page_articles(page) + [part for part, _ in carried]
        if len(articles) > ARTICLES_MAX:
            raise UserError(f"第{page.number}版 溢出 (overset): {len(articles)} articles do not fit one page (at most "
                            f"{ARTICLES_MAX}): split them over pages", where=str(issue.folder / "issue.toml"))
        key = _page_key(salt, issue, i, articles, carried, overset_ok) if memo is not None else None
        found = memo[key] if memo and key in memo else _plan_page(issue, i, articles, carried, overset_ok)
        if key is not None:
            kept[key] = found
        plan, carried, marked = found
        overset |= marked
        plans.append(plan)
        if on_page is not None:
            on_page(IssuePlan(issue, list(plans)))
    if memo is not None:
        memo.clear()
        memo.update(kept)
    return IssuePlan(issue, plans, overset)


def _plan_page(issue: LoadedIssue, i: int, articles: list[Article], carried, overset_ok: bool):
    """(the page's plan, the part it continues on the next page, the slugs it marks overset)."""
    pages = issue.issue.pages
    page = pages[i]
    planner = Planner(load_layout(page.layout), issue.folder)
    for part, continuation in carried:
        planner.continuations[part.slug] = continuation
    try:
        return planner.plan(page, articles), [], set()
    except Overset:
        last = i + 1 == len(pages)
        if last and not overset_ok:
            raise
        plan = planner.plan(page, articles, jump_to=page.number + 1 if last else pages[i + 1].number)
        jumping = next((m for m in plan.modules if m.fit.jump_to), None)
        if jumping and last:
            return plan, [], {jumping.record.slug}
        if jumping:
            return plan, [_rest_of(jumping.article, jumping, page.number)], set()
        return plan, [], set()
