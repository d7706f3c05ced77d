"""Findings: what a check found, where, and what to do; the report of a whole check."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

from typeset.model.errors import UserError

if TYPE_CHECKING:
    from typeset.model.records import Article

Severity = Literal["error", "warning"]


@dataclass
class Finding:
    """One problem: how bad, which check, what is wrong, where (版次, article slug), what to do."""

    severity: Severity
    check: str
    message: str
    page: int | None = None
    article: str | None = None
    hint: str = ""
    title: str | None = None        # the article's 主题, for the report

    def where(self) -> str:
        parts = []
        if self.page is not None:
            parts.append(f"第{self.page}版")
        if self.article:
            parts.append(f"稿件 {self.article}" + (f"《{self.title}》" if self.title else ""))
        return " · ".join(parts)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    source: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self) -> str:
        head = f"预飞 preflight: {self.source}" if self.source else "预飞 preflight"
        lines = [head]
        order = sorted(self.findings, key=lambda f: (f.severity != "error", f.page or 0, f.article or ""))
        for f in order:
            label = "错误 error" if f.severity == "error" else "注意 warning"
            where = f.where()
            lines.append(f"{label} [{f.check}]{' ' + where if where else ''}: {f.message}")
            if f.hint:
                lines.append(f"    → {f.hint}")
        verdict = "通过 passed" if self.ok else "未通过 FAILED"
        lines.append(f"{verdict}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)

    def as_json(self) -> str:
        return json.dumps({"source": self.source, "ok": self.ok, "errors": len(self.errors),
                           "warnings": len(self.warnings),
                           "findings": [asdict(f) for f in self.findings],
                           "timings": {k: round(v, 4) for k, v in self.timings.items()}},
                          ensure_ascii=False, indent=2)



def article_finding(severity: Severity, check: str, message: str, *, page: int | None = None,
                    article: Article | None = None, hint: str = "") -> Finding:
    """A finding about an article: its slug and 主题 go with it."""
    return Finding(severity, check, message, page, article.slug if article else None, hint,
                   article.title if article else None)


class PreflightFailed(UserError):
    """Preflight found errors; the report lists them all."""

    def __init__(self, report: Report):
        self.report = report
        first = report.errors[0]
        more = f" (+{len(report.errors) - 1} more; run: paiban check {report.source})" if len(report.errors) > 1 else ""
        where = f"{first.where()} " if first.where() else ""
        super().__init__(f"preflight: {where}{first.message}{more}".replace("\n", " "))
