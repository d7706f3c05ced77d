"""The proof (校样): what the page template needs to draw a proof's marks and its report page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from typeset.model.findings import Finding
from typeset.plan import IssuePlan


@dataclass
class Note:
    severity: str            # error | warning | changed | info
    label: str
    top: float = 0.0


SEVERITY_LABEL = {"error": "错误", "warning": "注意"}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _number(n: int) -> str:
    return CIRCLED[n - 1] if n <= len(CIRCLED) else f"({n})"


class ProofDress:
    """What the page template needs to draw a proof's marks and its report page."""

    def __init__(self, plan: IssuePlan, findings: list[Finding], *, version: str, built: str,
                 changes: list[dict] | None = None, diff_source: str | None = None,
                 overset: set[str] = frozenset(), marks: bool = True):
        self.plan, self.version, self.built, self.marks = plan, version, built, marks
        self.findings = sorted(findings, key=lambda f: (f.severity != "error", f.page or 0, f.article or "", f.check))
        self.errors = sum(f.severity == "error" for f in findings)
        self.warnings = sum(f.severity == "warning" for f in findings)
        self._changes = changes or []
        self.changed = {row["slug"]: row["change"] for row in self._changes if row["change"] != "removed"}
        self.diff_source = diff_source
        self.overset = set(overset)

    def _numbered(self):
        return ((n, f) for n, f in enumerate(self.findings, 1))

    def module_class(self, page, module) -> str:
        slug, number = module.record.slug, page.page.number
        classes = []
        if slug in self.changed:
            classes.append("proof-changed")
        mine = [f for f in self.findings if f.article in (slug, module.article.slug) and f.page in (None, number)]
        if any(f.severity == "error" for f in mine):
            classes.append("proof-error")
        elif mine:
            classes.append("proof-warning")
        return "".join(f" {c}" for c in classes)

    def module_notes(self, page, module) -> list[Note]:
        slug, number = module.record.slug, page.page.number
        notes = []
        if slug in self.changed:
            notes.append(Note("changed", f"改 {self.changed[slug]} since {self.diff_source or 'the last proof'}"))
        for n, f in self._numbered():
            if f.article in (slug, module.article.slug) and f.page in (None, number):
                notes.append(Note(f.severity, f"{_number(n)} {SEVERITY_LABEL[f.severity]} [{f.check}] "
                                  f"{_short(f.message)}"))
        for i, note in enumerate(notes):
            note.top = i * 12
        return notes

    def page_notes(self, page) -> list[Note]:
        number = page.page.number
        return [Note(f.severity, f"{_number(n)} {SEVERITY_LABEL[f.severity]} [{f.check}] {_short(f.message, 90)}")
                for n, f in self._numbered() if f.page == number and not f.article]

    def strip(self, page) -> list[str]:
        issue = self.plan.issue.issue
        number = f" 第{issue.number}期" if issue.number else ""
        items = [f"{issue.paper} {issue.date_line()}{number}", f"第{page.page.number}版 {page.page.section}",
                 f"版本 version {self.version}", f"排于 built {self.built}",
                 f"责任编辑 {page.page.editor or '—'}"]
        problems = sum(1 for f in self.findings if f.page in (None, page.page.number))
        items.append(f"预飞 {self.errors} 错误 {self.warnings} 注意 (见末页 report)" if problems else "预飞 通过")
        return items

    def summary(self) -> list[tuple[str, str]]:
        issue = self.plan.issue.issue
        pages = "、".join(f"第{p.page.number}版 {p.page.section}" for p in self.plan.pages)
        return [("报纸 paper", issue.paper), ("日期 date", issue.date_line()),
                ("期号 issue", str(issue.number or "—")), ("版面 pages", pages),
                ("稿件 articles", str(len(self.plan.issue.articles))),
                ("版本 version (records hash)", self.version), ("排于 built", self.built),
                ("对比 compared with", self.diff_source or "— (no --diff given)")]

    def changes(self) -> list[dict]:
        return self._changes


def _short(message: str, limit: int = 60) -> str:
    message = message.replace("\n", " ")
    return message if len(message) <= limit else message[:limit - 1] + "…"


def tofu_characters(findings: list[Finding]) -> set[str]:
    """Characters with no glyph in any face, from the preflight's 缺字 errors."""
    chars = set()
    for f in findings:
        if f.severity == "error" and f.check in ("glyphs", "notdef"):
            chars.update(re.findall(r"'(.)' \(U\+", f.message))
    return chars


def mark_tofu(html: str, chars: set[str]) -> str:
    """Wrap every character with no glyph in the body's text in a red proof mark."""
    if not chars:
        return html
    head, sep, body = html.partition("<body>")
    pattern = re.compile("|".join(re.escape(ch) for ch in chars))

    def text(match):   # text between tags only: never inside an attribute
        return pattern.sub(lambda m: f'<span class="proof-tofu">{m[0]}</span>', match[0])
    return head + sep + re.sub(r">[^<]+<", text, body)
