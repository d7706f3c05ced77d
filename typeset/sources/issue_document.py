"""The issue document: a whole issue as one JSON object, {"issue": …, "articles": […]}, as an
editorial system exchanges it (`$defs/IssueDocument` of `paiban schema`).

`paiban import DUMP --json` and `paiban export content/<issue>` print one; `paiban import
issue.json -o content/<issue>` writes it as an issue folder: issue.toml and one
articles/<slug>.json per article (the article records as they came). Pictures are named by
their file relative to the folder and are not part of the document: put them in the folder.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pydantic import ValidationError

from typeset.model.errors import UserError
from typeset.model.records import Issue, IssueDocument, LoadedIssue

from .folder_writer import toml_string, write_records
from .issue_folder import json_record, read_text
from .messages import describe


def document_of(issue: LoadedIssue) -> IssueDocument:
    """A loaded issue folder as one document, its articles in page order."""
    return IssueDocument(issue=issue.issue, articles=tuple(issue.articles.values()))


def document_json(document: IssueDocument) -> dict:
    """The document as plain JSON data; a field left at its default is left out, as it would
    be in a hand-written record."""
    return document.model_dump(mode="json", exclude_defaults=True)


def dumps(data: dict) -> str:
    """JSON text as paiban writes it: UTF-8 characters, not escapes; two-space indent."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def read_document(path: Path) -> IssueDocument:
    """An issue document file, checked: every error is one line with the field's JSON path."""
    source = read_text(path)
    json_record(source, path, 'an issue document {"issue": …, "articles": […]}')     # one object, or one line
    try:
        # JSON mode: JSON has no date type, so a date is an ISO string there (strict elsewhere)
        document = IssueDocument.model_validate_json(source)
    except ValidationError as e:
        raise UserError(describe(e), where=str(path)) from None
    listed = [slug for page in document.issue.pages for slug in page.articles]
    slugs = [a.slug for a in document.articles]
    for i, slug in enumerate(slugs):
        if any(c in slug for c in "/\\") or slug.startswith(".") or not slug.strip():
            raise UserError(f"field 'articles.{i}.slug': '{slug}' cannot be a file name: use letters, "
                            "digits and - (e.g. p5-01)", where=str(path))
        if slug in slugs[:i]:
            raise UserError(f"field 'articles.{i}.slug': '{slug}' is used twice", where=str(path))
        if slug not in listed:
            raise UserError(f"field 'articles.{i}.slug': '{slug}' is on no page: list it in a page's "
                            "articles", where=str(path))
    for slug in listed:
        if slug not in slugs:
            raise UserError(f"the pages list article '{slug}', which is not in 'articles'", where=str(path))
    return document


def issue_toml(issue: Issue) -> str:
    """issue.toml of an issue record (paper, date, number, then one [[pages]] table a page)."""
    data = issue.model_dump(exclude_defaults=True)
    lines = [f"{key} = {_toml_value(value)}" for key, value in data.items() if key != "pages"]
    for page in data["pages"]:
        lines += ["", "[[pages]]", *(f"{key} = {_toml_value(value)}" for key, value in page.items())]
    return "\n".join(lines) + "\n"


def _toml_value(value) -> str:
    if isinstance(value, (dt.date, int)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return toml_string(str(value))


def write_document(document: IssueDocument, folder: Path | str, *, force: bool = False) -> Path:
    """Write the document as an issue folder: issue.toml and articles/<slug>.json."""
    def fill(staging: Path) -> None:
        (staging / "issue.toml").write_text(issue_toml(document.issue), encoding="utf-8")
        for article in document.articles:
            record = article.model_dump(mode="json", exclude_defaults=True)
            (staging / "articles" / f"{article.slug}.json").write_text(dumps(record), encoding="utf-8")

    return write_records(Path(folder), fill, force=force)
