"""Article records: the typed data every stage speaks (issue, pages, articles, pictures).

typeset.sources.issue_folder loads them from an issue folder; the limits here make an absurd
record fail in a second with a message naming the field.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictInt, StringConstraints, field_validator

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

    slug: str = Field(description="file name without .md: the article's id in the issue")
    kicker: str | None = Field(None, max_length=HEAD_MAX, description="引题")
    title: Text = Field(max_length=HEAD_MAX, description="主题")
    subtitle: str | None = Field(None, max_length=HEAD_MAX, description="副题")
    dateline: str | None = Field(None, max_length=HEAD_MAX, description="run-in, e.g. 本报讯（通讯员 纪哲）")
    byline: str | None = Field(None, max_length=HEAD_MAX, description="end byline, e.g. 通讯员 纪哲")
    paragraphs: tuple[Text, ...] = Field(min_length=1, description="body paragraphs")
    pictures: tuple[Picture, ...] = ()
    priority: StrictInt = Field(5, ge=1, le=9, description="1 = lead (头条)")
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


class LoadedIssue(BaseModel):
    """An issue with its articles loaded, ready for composition."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    folder: Path
    issue: Issue
    articles: dict[str, Article]
    files: tuple[Path, ...] = ()     # the files the loader read: issue.toml, the articles, the pictures

    @property
    def name(self) -> str:
        """The folder's own name, also for `.` or `..` (the outputs are named by it)."""
        return Path(os.path.abspath(self.folder)).name

    def page_articles(self, page: Page) -> list[Article]:
        return [self.articles[slug] for slug in page.articles]
