"""Preflight of the plan: underfull pages, pictures (missing, under-resolved), overset text."""

from __future__ import annotations

import math
from collections import Counter

from typeset.model.findings import Finding
from typeset.model.layout import MM
from typeset.plan import IssuePlan, rules
from typeset.plan.pictures import PlacedPicture

UNDERFULL_LINES = 2
MIN_PPI = rules.MIN_PPI      # a picture under this at its placed size is an error in print


def check_plan(plan) -> list[Finding]:
    """Underfull pages (empty grid lines the planner could not fill within the house limits)
    and the page designer's rules the plan breaks (typeset.plan.rules)."""
    findings = rules.findings(plan)
    for page_plan in plan.pages:
        number = page_plan.page.number
        pitch = page_plan.layout.grid.pitch_pt
        if page_plan.empty_lines > UNDERFULL_LINES:
            mm = page_plan.empty_lines * pitch / MM
            where = "the page"
            if page_plan.empty_span:
                first, wide = page_plan.empty_span
                where = f"栏 {first + 1}–{first + wide}, beside the column that runs down to it"
            findings.append(Finding(
                "warning", "underfull", f"underfull (版面不满): {page_plan.empty_lines} empty grid lines "
                f"({mm:.0f} mm) at the foot of {where}", number, None,
                "add copy or a picture, enlarge a headline or a picture, or move an article here"))
        if page_plan.empty_columns:
            columns = page_plan.layout.grid.columns
            findings.append(Finding(
                "warning", "underfull", f"underfull (版面不满): the items fill {columns - page_plan.empty_columns} of "
                f"{columns} 栏; {page_plan.empty_columns} 栏 at the right stay empty", number, None,
                "add copy or an item, or move an article here"))
    return findings


def picture_findings(placed: list[PlacedPicture], severity: str) -> list[Finding]:
    """Missing pictures (errors) and pictures under MIN_PPI at their placed size (`severity`)."""
    findings = []
    for p in placed:
        article = p.module.record
        if not p.exists:
            findings.append(Finding("error", "picture", f"缺图 picture file {p.file} does not exist",
                                    p.page, article.slug, "add the file to the issue folder or remove the "
                                    "picture from the record", article.title))
        elif p.ppi is not None and p.ppi < MIN_PPI:
            box = p.box
            findings.append(Finding(
                severity, "picture", f"图片 {p.file} is {p.ppi:.0f} ppi at its placed size "
                f"({box.w / MM:.0f} × {box.h / MM:.0f} mm from {p.size_px[0]} × {p.size_px[1]} px); print "
                f"needs {MIN_PPI} ppi", p.page, article.slug,
                f"supply a larger original (at least {math.ceil(box.w / 72 * MIN_PPI)} px wide) or place it smaller",
                article.title))
    return findings


def overset_findings(plan: IssuePlan, overset: set[str]) -> list[Finding]:
    findings = []
    for page in plan.pages:
        for module in page.modules:
            if module.record.slug in overset and module.fit.jump_to:
                article = module.record
                placed = Counter()
                for p in plan.pages:
                    for m in p.modules:
                        if m.record.slug == article.slug:
                            placed.update(ch for ch in m.text() if not ch.isspace())
                lost = sum((Counter(ch for ch in article.text() if not ch.isspace()) - placed).values())
                findings.append(Finding("error", "overset", f"溢出 overset: about {lost} characters of the "
                                        "article do not fit on the last page and are not set",
                                        page.page.number, article.slug,
                                        "cut the article, or give the issue a page to continue on", article.title))
    return findings
