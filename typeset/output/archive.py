"""The archive variant's parts: the issue's records as a zip, the document's description, and the
XMP of the issue (pikepdf, after WeasyPrint)."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path

from typeset.model.records import LoadedIssue
from typeset.plan import IssuePlan

from .identity import document_uuid
from .tags import retag


def zip_name(name: str, folder: Path, path: Path) -> str:
    """`name/` and the file's path in the issue folder, normalized: relative, no `..` (a picture of
    the shared assets folder goes under its own folder name), so unzipping stays in `name/`."""
    parts = Path(os.path.normpath(os.path.relpath(path, folder))).parts
    return "/".join([name, *(p for p in parts if p not in ("..", ".", "/"))])


def records_zip(issue: LoadedIssue, when: dt.datetime) -> bytes:
    """The issue folder's records (issue.toml, articles, pictures) as a zip with fixed dates."""
    folder = issue.folder
    files = {folder / "issue.toml"} | {issue.record_file(slug) for slug in issue.articles}
    files |= {folder / p.file for a in issue.articles.values() for p in a.pictures if (folder / p.file).is_file()}
    buffer = io.BytesIO()
    stamp = (max(1980, when.year), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(zip_name(issue.name, folder, path), stamp)
            info.compress_type = zipfile.ZIP_STORED if path.suffix.lower() in (".jpg", ".jpeg", ".png") \
                else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def describe(plan: IssuePlan) -> tuple[str, tuple[str, ...]]:
    """The document's description and keywords (paper, date, issue number, pages, sections)."""
    issue = plan.issue.issue
    number = f" 第{issue.number}期" if issue.number else ""
    pages = "、".join(f"第{p.page.number}版 {p.page.section}" for p in plan.pages)
    description = (f"{issue.paper} {issue.date_line()}{number} · 共{len(plan.pages)}版: {pages} · "
                   f"{len(plan.issue.articles)}篇稿件")
    sections = tuple(dict.fromkeys(p.page.section for p in plan.pages))
    keywords = (issue.paper, issue.date.isoformat(), *( [f"第{issue.number}期"] if issue.number else []), *sections)
    return description, keywords


def finish_archive(pdf_path: Path, plan: IssuePlan, identifier: str) -> None:
    """The structure tree rebuilt (output.tags); XMP: the issue in Dublin Core (publisher, date,
    identifier, subjects), the page count (xmpTPg:NPages), a content-derived DocumentID."""
    import pikepdf
    from pikepdf.models.metadata import PdfMetadata

    issue = plan.issue.issue
    try:
        PdfMetadata.register_xml_namespace("http://ns.adobe.com/xap/1.0/t/pg/", "xmpTPg")
    except Exception:
        pass
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        retag(pdf, plan)
        if "/AF" in pdf.Root:       # WeasyPrint 70 lists every attachment twice in the catalog's /AF
            unique = {spec.objgen: spec for spec in pdf.Root.AF}
            pdf.Root.AF = pikepdf.Array(list(unique.values()))
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:publisher"] = [issue.paper]
            meta["dc:date"] = [issue.date.isoformat()]
            meta["dc:identifier"] = f"{plan.issue.name}" + (f" 第{issue.number}期" if issue.number else "")
            meta["dc:subject"] = list(dict.fromkeys(p.page.section for p in plan.pages))
            meta["dc:type"] = ["newspaper"]
            meta["dc:language"] = ["zh-CN"]
            meta["xmpMM:DocumentID"] = f"uuid:{document_uuid(identifier)}"
            meta["xmpMM:InstanceID"] = f"uuid:{document_uuid(identifier + ':archive')}"
            try:
                meta["xmpTPg:NPages"] = str(len(pdf.pages))
            except Exception:
                pass
        pdf.save(pdf_path, deterministic_id=True)
