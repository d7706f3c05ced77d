"""Article records: the typed data every stage speaks (issue, pages, articles, pictures).

typeset.sources.issue_folder loads them from an issue folder; the limits here make an absurd
record fail in a second with a message naming the field.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# strict: true is no number and "2023-08-04" in quotes no date (a typo the build must not guess)
Date = Annotated[dt.date, Strict()]
WEEKDAYS = "一二三四五六日"

# Size limits: far beyond any real record, low enough that an absurd one fails in a second
# with a message naming the field, instead of a composition that runs for minutes.
FILE_MAX_BYTES = 4_000_000     # a record or dump file (200,000 Han characters are 0.6 MB of UTF-8)
ARTICLE_MAX_CHARS = 200_000    # body characters of one article: more than a whole issue holds
HEAD_MAX = 100                 # 引题 主题 副题 电头 署名
CAPTION_MAX = 500              # 图片说明, 摄影署名
NAME_MAX = 40                  # 报名 版名 责任编辑 美编 校对
COLUMN_MAX = 12                # 栏目名 (题花)
KINDS = ("article", "briefs", "photo", "comment")


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Picture(Record):
    """A picture (图片): the file relative to the issue folder, its caption and credit."""

    file: Text
    caption: str | None = Field(None, max_length=CAPTION_MAX)
    credit: str | None = Field(None, max_length=CAPTION_MAX)


class Pin(Record):
    """A page designer's manual placement of an article's module (all fields optional)."""

    column: StrictInt | None = Field(None, ge=1, description="first 基本栏, counted from 1")
    row: StrictInt | None = Field(None, ge=1, description="first grid line of the module, counted from 1")
    columns: StrictInt | None = Field(None, ge=1, description="module width in 基本栏")
    lines: StrictInt | None = Field(None, ge=1, description="module height in grid lines")
    text_columns: StrictInt | None = Field(None, ge=1, description="columns the body is set in (变栏)")


class Article(Record):
    """One article (稿件)."""

    # a body is needed, but for a photo item (the model's _body_needed; said here for JSON Schema)
    model_config = ConfigDict(json_schema_extra={
        "if": {"not": {"properties": {"kind": {"const": "photo"}}, "required": ["kind"]}},
        "then": {"properties": {"paragraphs": {"minItems": 1}}}})

    slug: str = Field(description="file name without .md: the article's id in the issue")
    kicker: str | None = Field(None, max_length=HEAD_MAX, description="引题")
    title: Text = Field(max_length=HEAD_MAX, description="主题")
    subtitle: str | None = Field(None, max_length=HEAD_MAX, description="副题")
    dateline: str | None = Field(None, max_length=HEAD_MAX, description="run-in, e.g. 本报讯（通讯员 纪哲）")
    byline: str | None = Field(None, max_length=HEAD_MAX, description="end byline, e.g. 通讯员 纪哲")
    kind: Literal["article", "briefs", "photo", "comment"] = Field(
        "article", description="article; briefs (简讯: items, each a 小标题 and its text); photo (图片新闻: "
                               "pictures and a long caption, a short body or none); comment (短评 / 编者按: boxed, 楷体)")
    column: str | None = Field(None, max_length=COLUMN_MAX, description="栏目名 (题花) above the headline, e.g. 鄄城简讯")
    paragraphs: tuple[Text, ...] = Field(description="body paragraphs (and 小标题, see subheads), plain text")
    subheads: tuple[int, ...] = Field((), description="indexes of the paragraphs that are 小标题 (## in Markdown)")
    bold: tuple[tuple[int, int, int], ...] = Field(
        (), description="bold run-ins (**…** in Markdown): (paragraph index, first character, end)")
    pictures: tuple[Picture, ...] = Field((), max_length=4, description="one picture, or 2–4 for a 组图")
    priority: StrictInt = Field(5, ge=1, le=9, description="1 = lead (头条)")
    pin: Pin | None = None
    headline: Literal["vertical", "horizontal"] | None = Field(
        None, description="vertical: a 竖题 beside the text; horizontal: never one; none: the design decides")

    @model_validator(mode="after")
    def _structure(self) -> Article:
        n = len(self.paragraphs)
        if self.kind == "photo" and not self.pictures:
            raise ValueError("a photo item (kind: photo) needs its pictures: add a pictures: list")
        if self.kind == "briefs" and (not self.subheads or self.subheads[0] != 0):
            raise ValueError("a briefs item (kind: briefs) is a list of items: start each with a ## 小标题")
        if any(not 0 <= i < n for i in self.subheads) or list(self.subheads) != sorted(set(self.subheads)):
            raise ValueError("subheads: each is the index of a paragraph, in order")
        for i, start, end in self.bold:
            if not (0 <= i < n and 0 <= start < end <= len(self.paragraphs[i])) or i in self.subheads:
                raise ValueError(f"bold: ({i}, {start}, {end}) is not a stretch of a body paragraph")
        return self

    @field_validator("paragraphs")
    @classmethod
    def _body_needed(cls, value: tuple[str, ...], info) -> tuple[str, ...]:
        if not value and info.data.get("kind") != "photo":
            raise ValueError("is empty: write the article's text below the front matter (only a "
                             "photo item, kind: photo, may have no body)")
        return value

    @field_validator("kicker", "subtitle", "dateline", "byline")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    def text(self) -> str:
        """Every character a reader sees of the article, in reading order."""
        parts = [self.column, self.kicker, self.title, self.subtitle, self.dateline, *self.paragraphs,
                 self.byline, *(p.caption for p in self.pictures), *(p.credit for p in self.pictures)]
        return "".join(p for p in parts if p)


class Page(Record):
    """One page (版): 版次, section (版名), layout folder and credits."""

    number: StrictInt = Field(ge=1, description="版次")
    section: Text = Field(max_length=NAME_MAX, description="版名, e.g. 魅力鄄城")
    layout: Text = "duikai"
    editor: str | None = Field(None, max_length=NAME_MAX, description="责任编辑")
    designer: str | None = Field(None, max_length=NAME_MAX, description="美编")
    proofreader: str | None = Field(None, max_length=NAME_MAX, description="校对")
    articles: tuple[Text, ...] = Field(min_length=1, description="article slugs on this page")


class Issue(Record):
    """An issue (期): paper name, date, issue number and its pages."""

    paper: Text = Field(max_length=NAME_MAX, description="报名")
    date: Date
    number: StrictInt | None = Field(None, ge=1, description="总期号")
    assets: Text | None = Field(None, description="a shared pictures folder, relative to the issue folder, "
                                "that records may name pictures in (e.g. ../shared-pictures)")
    pages: tuple[Page, ...] = Field(min_length=1)

    def date_line(self) -> str:
        """The date as a Chinese newspaper prints it: 2023年8月4日 星期五."""
        d = self.date
        return f"{d.year}年{d.month}月{d.day}日 星期{WEEKDAYS[d.weekday()]}"


class IssueDocument(Record):
    """A whole issue as one JSON document, as an editorial system exchanges it: the issue record
    (issue.toml) and its articles. `paiban import DUMP --json` prints one; `paiban import
    issue.json -o content/<issue>` writes it as an issue folder; `paiban export` prints a folder
    as one."""

    issue: Issue
    articles: tuple[Article, ...] = Field(min_length=1)


class LoadedIssue(BaseModel):
    """An issue with its articles loaded, ready for composition."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    folder: Path
    issue: Issue
    articles: dict[str, Article]
    files: dict[str, Path] = Field(default_factory=dict)    # slug → its record file, .md or .json
    inputs: tuple[Path, ...] = ()    # the files the loader read: issue.toml, the articles, the pictures

    @property
    def name(self) -> str:
        """The folder's own name, also for `.` or `..` (the outputs are named by it)."""
        return Path(os.path.abspath(self.folder)).name

    def record_file(self, slug: str) -> Path:
        """The file an article was read from: articles/<slug>.md or articles/<slug>.json."""
        return self.files.get(slug) or self.folder / "articles" / f"{slug}.md"

    def page_articles(self, page: Page) -> list[Article]:
        return [self.articles[slug] for slug in page.articles]
