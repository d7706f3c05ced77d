"""`paiban build`: records → plan → HTML → PDF, written atomically, then checked.

The stages run in order, each from typed records of the one before; the functions here are the
Python API behind the CLI.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from typeset import fonts, plan, records, render
from typeset.errors import UserError


@dataclass
class BuildResult:
    pdf: Path
    plan: plan.IssuePlan
    html: Path | None = None
    notes: list[str] = field(default_factory=list)


@contextmanager
def atomic_target(target: Path):
    """Yield a temporary path next to `target`; rename it into place only on success, so an
    interrupted build leaves the previous file or none, never a partial one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build(issue_folder: Path | str, out_dir: Path | str, *, write_html: bool = False) -> BuildResult:
    """Build an issue folder into `out_dir/<issue>.pdf`; a UserError leaves no PDF behind."""
    fonts.check_all()
    issue = records.load_issue(issue_folder)
    issue_plan = plan.plan_issue(issue)
    html = render.render_html(issue_plan)
    out_dir = Path(out_dir)
    target = out_dir / f"{issue.name}.pdf"
    result = BuildResult(pdf=target, plan=issue_plan)
    if write_html:
        result.html = out_dir / f"{issue.name}.html"
        with atomic_target(result.html) as tmp:
            tmp.write_text(html, encoding="utf-8")
    with atomic_target(target) as tmp:
        render.write_pdf(issue_plan, html, tmp)
        check_fonts(tmp)
    result.notes = [note for page in issue_plan.pages for note in page.notes]
    return result


def embedded_fonts(pdf: Path) -> list[tuple[str, bool]]:
    """(BaseFont name, embedded?) of every font in the PDF."""
    import pikepdf

    found = []
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            for font in page.Resources.get("/Font", {}).values():
                descendants = font.get("/DescendantFonts")
                described = descendants[0] if descendants else font
                descriptor = described.get("/FontDescriptor", {})
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found.append((str(font.BaseFont).lstrip("/"), embedded))
    return found


def check_fonts(pdf: Path) -> None:
    """Every embedded font is one of the roles' families, embedded and subset; else UserError."""
    allowed = {r.family.replace(" ", "-") for r in fonts.role_map().values()}
    for name, embedded in embedded_fonts(pdf):
        prefix, _, family = name.partition("+")
        if not any(family.startswith(a) for a in allowed):
            raise UserError(f"the PDF uses font '{family or name}', which is not a role in fonts/roles.toml "
                            "(a character fell back to another font?)")
        if not embedded or not family:
            raise UserError(f"font '{name}' is not embedded as a subset")
