"""Article records: the data model every stage speaks, and loading an issue folder.

An issue folder (`content/<issue>/`) holds `issue.toml` (paper, date, issue number, pages) and
one Markdown file per article: YAML front matter for the fields, then the body, one paragraph
per blank-line-separated block. Every problem is reported as a UserError naming the file and
the field, so a build with an invalid record stops before anything is written.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tomllib
import unicodedata
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from typeset import diskcache
from typeset.errors import UserError

if TYPE_CHECKING:
    from typeset.layouts import Layout

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
WEEKDAYS = "一二三四五六日"

# Size limits: far beyond any real record, low enough that an absurd one fails in a second
# with a message naming the field, instead of a composition that runs for minutes.
FILE_MAX_BYTES = 4_000_000     # a record or dump file (200,000 Han characters are 0.6 MB of UTF-8)
ARTICLE_MAX_CHARS = 200_000    # body characters of one article: more than a whole issue holds
HEAD_MAX = 100                 # 引题 主题 副题 电头 署名
CAPTION_MAX = 500              # 图片说明, 摄影署名
NAME_MAX = 40                  # 报名 版名 责任编辑 美编 校对


def describe_character(ch: str) -> str:
    """A control character for a message: U+0007 BEL."""
    names = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x00": "NUL", "\x07": "BEL",
             "\x1b": "ESC", "\x7f": "DEL"}
    name = names.get(ch) or unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}".strip()


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Picture(Record):
    """A picture (图片): the file relative to the issue folder, its caption and credit."""

    file: Text
    caption: str | None = Field(None, max_length=CAPTION_MAX)
    credit: str | None = Field(None, max_length=CAPTION_MAX)


class Pin(Record):
    """A page designer's manual placement of an article's module (all fields optional)."""

    column: int | None = Field(None, ge=1, description="first 基本栏, counted from 1")
    row: int | None = Field(None, ge=1, description="first grid line of the module, counted from 1")
    columns: int | None = Field(None, ge=1, description="module width in 基本栏")
    lines: int | None = Field(None, ge=1, description="module height in grid lines")
    text_columns: int | None = Field(None, ge=1, description="columns the body is set in (变栏)")


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
    section: Text = Field(max_length=NAME_MAX, description="版名, e.g. 魅力鄄城")
    layout: Text = "duikai"
    editor: str | None = Field(None, max_length=NAME_MAX, description="责任编辑")
    designer: str | None = Field(None, max_length=NAME_MAX, description="美编")
    proofreader: str | None = Field(None, max_length=NAME_MAX, description="校对")
    articles: tuple[Text, ...] = Field(min_length=1, description="article slugs on this page")


class Issue(Record):
    """An issue (期): paper name, date, issue number and its pages."""

    paper: Text = Field(max_length=NAME_MAX, description="报名")
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
    elif first["type"] == "string_type":
        got = first.get("input")
        kind = ("empty" if got is None else "a list" if isinstance(got, (list, tuple))
                else "a table" if isinstance(got, dict) else "true/false" if isinstance(got, bool)
                else "a number" if isinstance(got, (int, float)) else "a date" if isinstance(got, dt.date)
                else f"a {type(got).__name__}")
        message = f"must be text, not {kind}: write the text in quotes (\"…\")"
    elif first["type"] == "string_unicode":
        message = "holds a character that is not valid Unicode (a lone surrogate): delete it"
    elif first["type"] == "value_error":
        message = message.removeprefix("Value error, ")
    elif first["type"] == "string_too_long" and isinstance(first.get("input"), str):
        message = (f"is {len(first['input'].strip()):,} characters long, at most "
                   f"{first['ctx']['max_length']} are allowed: shorten it")
    elif first["type"] == "too_short" and field == "paragraphs":
        message = "is empty: write the article's text below the front matter"
    return " ".join(f"field '{field}' {message}".split())


def read_text(path: Path) -> str:
    """A text file as UTF-8, or a UserError that says how to fix the encoding."""
    try:
        with path.open("rb") as f:
            data = f.read(FILE_MAX_BYTES + 1)
    except FileNotFoundError:
        raise UserError("file not found", where=str(path)) from None
    except OSError as e:
        raise UserError(f"cannot read file ({e.strerror or e})", where=str(path)) from None
    if len(data) > FILE_MAX_BYTES:
        raise UserError(f"file is larger than {FILE_MAX_BYTES // 1_000_000} MB, more than any record or page "
                        f"dump (an article holds at most {ARTICLE_MAX_CHARS:,} characters): split it or check "
                        "that it is the right file", where=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise UserError(f"not UTF-8 text (line {line}, byte {e.start}); save the file as UTF-8 "
                        "(e.g. iconv -f GBK -t UTF-8)", where=str(path)) from None


def _value_problem(error: Exception) -> str:
    """A parser's ValueError as one short line."""
    text = " ".join(str(error).split())
    if "integer string conversion" in text:
        return "a number with thousands of digits"
    return text[:200] or type(error).__name__


# libyaml's parser when PyYAML has it (5× the pure-Python one), with the same safe constructor
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        meta = yaml.load("\n".join(lines[1:end]), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        at = f" at line {line + 2}" if line is not None else ""
        problem = " ".join(str(getattr(e, "problem", None) or e).split())
        raise UserError(f"malformed front matter{at}: {problem}", where=str(path)) from None
    except (ValueError, OverflowError) as e:  # a date like 2024-13-45, an integer of 5,000 digits
        raise UserError(f"malformed front matter: {_value_problem(e)}", where=str(path)) from None
    except RecursionError:
        raise UserError("malformed front matter: lists or tables nested too deep", where=str(path)) from None
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


_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Cc but tab, LF, CR


def load_article(path: Path) -> Article:
    source = read_text(path)
    # A control character typed into the file, named with its line (YAML would reject it in the
    # front matter with a message of several lines). An escaped one ("\a" in quotes) or a tab in
    # a paragraph reaches preflight.check_records, which rejects it naming the article and field.
    if m := _RAW_CONTROL.search(source):
        line = source.count("\n", 0, m.start()) + 1
        raise UserError(f"control character {describe_character(m.group())} in the file: delete it",
                        where=f"{path}:{line}")
    meta, body = split_front_matter(source, path)
    for name in ("slug", "paragraphs"):
        if name in meta:
            raise UserError(f"field '{name}' cannot be set in the front matter: the "
                            f"{'slug is the file name' if name == 'slug' else 'paragraphs are the body'}",
                            where=str(path))
    paragraphs = body_paragraphs(body)
    if (size := sum(len(p) for p in paragraphs)) > ARTICLE_MAX_CHARS:
        raise UserError(f"the body has {size:,} characters, more than a whole issue holds (at most "
                        f"{ARTICLE_MAX_CHARS:,}): split the article or check that it is the right file",
                        where=str(path))
    try:
        return Article(slug=path.stem, paragraphs=paragraphs, **meta)
    except ValidationError as e:
        raise UserError(_describe(e).replace("'paragraphs'", "body (paragraphs)"), where=str(path)) from None
    except TypeError as e:
        raise UserError(f"front matter: {e}", where=str(path)) from None


_VERIFIED_MAX = 20_000      # pictures remembered as sound (the cache file stays under 2 MB)


@functools.cache
def _verified_pictures() -> dict[str, None]:
    found = diskcache.read_json(diskcache.cache_dir() / "pictures.json")
    return dict.fromkeys(found) if isinstance(found, list) else {}


def picture_problem(path: Path) -> str | None:
    """None if `path` is a picture Pillow reads to the end, else what is wrong with it (a text
    file named .jpg, a truncated JPEG, a picture of absurd size). A sound picture is remembered
    in the cache folder by its path, size and time, so an unchanged one is read once."""
    try:
        key = diskcache.identity(path)
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    verified = _verified_pictures()
    if key in verified:
        return None
    problem = _inspect_picture(path)
    if problem is None:
        verified[key] = None
        while len(verified) > _VERIFIED_MAX:
            del verified[next(iter(verified))]        # the oldest
        _new_pictures.append(key)
    return problem


_new_pictures: list[str] = []     # verified since the cache file was last written


def _save_verified_pictures() -> None:
    if _new_pictures:
        diskcache.atomic_write(diskcache.cache_dir() / "pictures.json",
                               json.dumps(list(_verified_pictures())).encode("utf-8"))
        _new_pictures.clear()


def _inspect_picture(path: Path) -> str | None:
    from PIL import Image, ImageFile

    truncated_ok = ImageFile.LOAD_TRUNCATED_IMAGES  # `import weasyprint` sets it to True
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.verify()              # structure and checksums (PNG CRCs)
            with Image.open(path) as image:
                if image.format == "JPEG":  # decode at 1/8 scale: fast, and still reads every byte
                    image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()                # a truncated file fails here
    except Image.DecompressionBombError:
        return f"has too many pixels (more than {2 * Image.MAX_IMAGE_PIXELS:,}): scale it down"
    except Image.UnidentifiedImageError:
        return "is not a picture Pillow can read (JPEG, PNG, TIFF …): export it as JPEG or PNG"
    except Exception as e:  # noqa: BLE001 - a decoder's error on a damaged file is the user's problem
        reason = " ".join(str(e).split())[:120] or type(e).__name__
        return f"is damaged or truncated ({reason}): export it again"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated_ok
    return None


def _check_pages(issue: Issue, issue_file: Path) -> dict[int, "Layout"]:
    """Page numbers unique, article slugs plain file names, layouts known; the layout of each
    page (by 版次)."""
    from typeset.layouts import LAYOUTS_DIR, load_layout

    seen: dict[int, int] = {}
    found: dict[int, "Layout"] = {}
    for p, page in enumerate(issue.pages):
        if page.number in seen:
            raise UserError(f"field 'pages.{p}.number': 版次 {page.number} is used twice (pages.{seen[page.number]} "
                            f"and pages.{p}); give every page its own number", where=str(issue_file))
        seen[page.number] = p
        for a, slug in enumerate(page.articles):
            if any(c in slug for c in "/\\") or slug.startswith("."):
                raise UserError(f"field 'pages.{p}.articles.{a}': '{slug}' is not an article name (the "
                                "file name in articles/ without .md)", where=str(issue_file))
        name = page.layout
        try:
            if any(c in name for c in "/\\") or name.startswith("."):
                raise UserError(f"unknown layout '{name}'")
            found[page.number] = load_layout(name)
        except UserError as e:
            if not e.message.startswith("unknown layout"):
                raise                       # the design itself is broken: its error names its file
            known = ", ".join(sorted(d.name for d in LAYOUTS_DIR.iterdir() if (d / "layout.toml").is_file()))
            raise UserError(f"field 'pages.{p}.layout': unknown layout '{name}' (layouts: {known})",
                            where=str(issue_file)) from None
    return found


def _check_pin(article: Article, layout: "Layout", path: Path) -> None:
    """A pin inside the page's grid (its 基本栏 and grid lines)."""
    pin = article.pin
    if pin is None:
        return
    columns, lines = layout.grid.columns, layout.grid.lines
    problems = [
        ("column", pin.column, pin.column is not None and pin.column > columns,
         f"the layout '{layout.key}' has {columns} 栏 (columns)"),
        ("columns", pin.columns, pin.columns is not None and pin.columns > columns,
         f"the layout '{layout.key}' has {columns} 栏 (columns)"),
        ("columns", pin.columns, None not in (pin.column, pin.columns) and pin.column + pin.columns - 1 > columns,
         f"from column {pin.column} the module runs past column {columns}"),
        ("row", pin.row, pin.row is not None and pin.row >= lines,
         f"the layout '{layout.key}' has {lines} grid lines (rows 0–{lines - 1})"),
        ("lines", pin.lines, pin.lines is not None and pin.lines > lines,
         f"the layout '{layout.key}' has {lines} grid lines"),
        ("lines", pin.lines, None not in (pin.row, pin.lines) and pin.row + pin.lines > lines,
         f"from row {pin.row} the module runs past the foot of the page ({lines} grid lines)"),
        ("text_columns", pin.text_columns, pin.text_columns is not None and pin.text_columns > (pin.columns or columns),
         f"the text cannot be set in more columns than the module's {pin.columns or columns} 栏"),
    ]
    for name, value, bad, why in problems:
        if bad:
            raise UserError(f"field 'pin.{name}': {value} does not fit: {why}", where=str(path))


def load_issue(folder: Path | str, *, allow_missing_pictures: bool = False) -> LoadedIssue:
    """Load and validate an issue folder; every error names the file and the field.
    allow_missing_pictures: a picture file that does not exist is no error (the proof shows a
    framed placeholder for it)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError("not an issue folder (expected a folder with issue.toml)", where=str(folder))
    issue_file = folder / "issue.toml"
    try:
        data = tomllib.loads(read_text(issue_file))
    except (ValueError, OverflowError) as e:  # TOMLDecodeError, or an integer of 5,000 digits
        raise UserError(f"malformed TOML: {_value_problem(e)}", where=str(issue_file)) from None
    except RecursionError:
        raise UserError("malformed TOML: arrays or tables nested too deep", where=str(issue_file)) from None
    try:
        issue = Issue(**data)
    except ValidationError as e:
        raise UserError(_describe(e), where=str(issue_file)) from None
    page_layouts = _check_pages(issue, issue_file)
    articles: dict[str, Article] = {}
    for page in issue.pages:
        for slug in page.articles:
            if slug in articles:
                raise UserError(f"article '{slug}' is listed twice", where=str(issue_file))
            article = load_article(folder / "articles" / f"{slug}.md")
            for i, picture in enumerate(article.pictures):
                picture_path = folder / picture.file
                if not picture_path.is_file() and not allow_missing_pictures:
                    raise UserError(f"field 'pictures.{i}.file': picture file {picture.file} does not exist",
                                    where=str(folder / "articles" / f"{slug}.md"))
                if picture_path.is_file() and (problem := picture_problem(picture_path)):
                    raise UserError(f"field 'pictures.{i}.file': {picture.file} {problem}",
                                    where=str(folder / "articles" / f"{slug}.md"))
            _check_pin(article, page_layouts[page.number], folder / "articles" / f"{slug}.md")
            articles[slug] = article
    _save_verified_pictures()
    return LoadedIssue(folder=folder, issue=issue, articles=articles)
