"""Article records: the data model every stage speaks, and loading an issue folder.

An issue folder (`content/<issue>/`) holds `issue.toml` (paper, date, issue number, pages) and
one Markdown file per article: YAML front matter for the fields, then the body, one paragraph
per blank-line-separated block. Every problem is reported as a UserError naming the file and
the field, so a build with an invalid record stops before anything is written.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from typeset.errors import UserError

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
WEEKDAYS = "一二三四五六日"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Picture(Record):
    """A picture (图片): the file relative to the issue folder, its caption and credit."""

    file: Text
    caption: str | None = None
    credit: str | None = None


class Pin(Record):
    """A page designer's manual placement of an article's module (all fields optional)."""

    column: int | None = Field(None, ge=1, description="first 基本栏, counted from 1")
    row: int | None = Field(None, ge=0, description="first grid line of the module")
    columns: int | None = Field(None, ge=1, description="module width in 基本栏")
    lines: int | None = Field(None, ge=1, description="module height in grid lines")
    text_columns: int | None = Field(None, ge=1, description="columns the body is set in (变栏)")


class Article(Record):
    """One article (稿件)."""

    slug: str = Field(description="file name without .md: the article's id in the issue")
    kicker: str | None = Field(None, description="引题")
    title: Text = Field(description="主题")
    subtitle: str | None = Field(None, description="副题")
    dateline: str | None = Field(None, description="run-in, e.g. 本报讯（通讯员 纪哲）")
    byline: str | None = Field(None, description="end byline, e.g. 通讯员 纪哲")
    paragraphs: tuple[Text, ...] = Field(min_length=1, description="body paragraphs")
    pictures: tuple[Picture, ...] = ()
    priority: int = Field(5, ge=1, le=9, description="1 = lead (头条)")
    pin: Pin | None = None

    @field_validator("kicker", "subtitle", "dateline", "byline")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    def text(self) -> str:
        """Every character a reader sees of the article, in reading order."""
        parts = [self.kicker, self.title, self.subtitle, self.dateline, *self.paragraphs,
                 self.byline, *(p.caption for p in self.pictures), *(p.credit for p in self.pictures)]
        return "".join(p for p in parts if p)


class Page(Record):
    """One page (版): 版次, section (版名), layout folder and credits."""

    number: int = Field(ge=1, description="版次")
    section: Text = Field(description="版名, e.g. 魅力鄄城")
    layout: Text = "duikai"
    editor: str | None = Field(None, description="责任编辑")
    designer: str | None = Field(None, description="美编")
    proofreader: str | None = Field(None, description="校对")
    articles: tuple[Text, ...] = Field(min_length=1, description="article slugs on this page")


class Issue(Record):
    """An issue (期): paper name, date, issue number and its pages."""

    paper: Text = Field(description="报名")
    date: dt.date
    number: int | None = Field(None, ge=1, description="总期号")
    pages: tuple[Page, ...] = Field(min_length=1)

    def date_line(self) -> str:
        """The date as a Chinese newspaper prints it: 2023年8月4日 星期五."""
        d = self.date
        return f"{d.year}年{d.month}月{d.day}日 星期{WEEKDAYS[d.weekday()]}"


class LoadedIssue(BaseModel):
    """An issue with its articles loaded, ready for composition."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    folder: Path
    issue: Issue
    articles: dict[str, Article]

    @property
    def name(self) -> str:
        return self.folder.name

    def page_articles(self, page: Page) -> list[Article]:
        return [self.articles[slug] for slug in page.articles]


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "(top level)"
    message = first["msg"]
    if first["type"] == "missing":
        message = "is required but missing"
    elif first["type"] == "extra_forbidden":
        message = "is not a known field (check the spelling)"
    return f"field '{field}' {message}"


def read_text(path: Path) -> str:
    """A text file as UTF-8, or a UserError that says how to fix the encoding."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError("file not found", where=str(path)) from None
    except OSError as e:
        raise UserError(f"cannot read file ({e.strerror})", where=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserError(f"not UTF-8 text (byte {e.start}); save the file as UTF-8 "
                        "(e.g. iconv -f GBK -t UTF-8)", where=str(path)) from None


def split_front_matter(source: str, path: Path) -> tuple[dict, str]:
    """YAML front matter between '---' lines, and the Markdown body after it."""
    lines = source.splitlines()
    if not lines or lines[0].strip() != "---":
        raise UserError("no front matter: the file must start with a '---' line", where=str(path))
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise UserError("front matter is not closed by a '---' line", where=str(path)) from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        at = f" at line {line + 2}" if line is not None else ""
        raise UserError(f"malformed front matter{at}: {getattr(e, 'problem', e)}", where=str(path)) from None
    if not isinstance(meta, dict):
        raise UserError("front matter must be 'field: value' lines", where=str(path))
    return meta, "\n".join(lines[end + 1:])


def body_paragraphs(body: str) -> list[str]:
    """Blank-line-separated blocks; the lines of one block are joined with nothing between."""
    blocks, current = [], []
    for line in body.splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append("".join(current))
            current = []
    if current:
        blocks.append("".join(current))
    return blocks


def load_article(path: Path) -> Article:
    meta, body = split_front_matter(read_text(path), path)
    try:
        return Article(slug=path.stem, paragraphs=body_paragraphs(body), **meta)
    except ValidationError as e:
        raise UserError(_describe(e).replace("'paragraphs'", "body (paragraphs)"), where=str(path)) from None
    except TypeError as e:
        raise UserError(f"front matter: {e}", where=str(path)) from None


def load_issue(folder: Path | str) -> LoadedIssue:
    """Load and validate an issue folder; every error names the file and the field."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError("not an issue folder (expected a folder with issue.toml)", where=str(folder))
    issue_file = folder / "issue.toml"
    try:
        data = tomllib.loads(read_text(issue_file))
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"malformed TOML: {e}", where=str(issue_file)) from None
    try:
        issue = Issue(**data)
    except ValidationError as e:
        raise UserError(_describe(e), where=str(issue_file)) from None
    articles: dict[str, Article] = {}
    for page in issue.pages:
        for slug in page.articles:
            if slug in articles:
                raise UserError(f"article '{slug}' is listed twice", where=str(issue_file))
            article = load_article(folder / "articles" / f"{slug}.md")
            for i, picture in enumerate(article.pictures):
                picture_path = folder / picture.file
                if not picture_path.is_file():
                    raise UserError(f"field 'pictures.{i}.file': picture file {picture.file} does not exist",
                                    where=str(folder / "articles" / f"{slug}.md"))
            articles[slug] = article
    return LoadedIssue(folder=folder, issue=issue, articles=articles)
