"""Loading an issue folder: `issue.toml` (paper, date, issue number, pages) and one record file
per article: Markdown (YAML front matter for the fields, then the body, one paragraph per
blank-line-separated block) or JSON (the article record of `paiban schema`, slug included). Every problem is a UserError naming the file and the field, so a build with an
invalid record stops before anything is written.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

import yaml
from pydantic import ValidationError

from typeset.model.errors import UserError
from typeset.model.layout import Layout
from typeset.model.records import ARTICLE_MAX_CHARS, FILE_MAX_BYTES, Article, Issue, LoadedIssue

from .designs import known_layouts, load_layout
from .markdown_body import Subhead, parse_body
from .messages import describe, describe_character
from .pictures import picture_problem, save_verified_pictures


def read_bytes(path: Path, limit: int) -> bytes:
    """A file's bytes, at most `limit` + 1 of them (so a caller sees it is too large without
    reading it all); a UserError for a missing or unreadable file."""
    try:
        with path.open("rb") as f:
            return f.read(limit + 1)
    except FileNotFoundError:
        raise UserError("file not found", where=str(path)) from None
    except OSError as e:
        raise UserError(f"cannot read file ({e.strerror or e})", where=str(path)) from None


def read_text(path: Path, *, separators: bool = False) -> str:
    """A text file as UTF-8, or a UserError that says how to fix the encoding; `separators`: a
    line/paragraph separator or bidi control is one too (str.splitlines breaks lines at some)."""
    data = read_bytes(path, FILE_MAX_BYTES)
    if len(data) > FILE_MAX_BYTES:
        raise UserError(f"file is larger than {FILE_MAX_BYTES // 1_000_000} MB, more than any record or page "
                        f"dump (an article holds at most {ARTICLE_MAX_CHARS:,} characters): split it or check "
                        "that it is the right file", where=str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise UserError(f"not UTF-8 text (line {line}, byte {e.start}); save the file as UTF-8 "
                        "(e.g. iconv -f GBK -t UTF-8)", where=str(path)) from None
    if separators and (found := separator_problem(text)):
        raise UserError(found[1], where=f"{path}:{found[0]}")
    return text


def _separator_in(value, field: str = "") -> tuple[str, str] | None:
    """(field, message) of the first separator or bidi control in a parsed TOML value: typed
    in the file or written as an escape (\\u2028), it would reach the 报眉 either way."""
    if isinstance(value, str):
        found = separator_problem(value)
        return (field, found[1]) if found else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if found := _separator_in(item, f"{field}.{key}" if field else str(key)):
            return found
    return None


def _value_problem(error: Exception) -> str:
    """A parser's ValueError as one short line."""
    text = " ".join(str(error).split())
    if "integer string conversion" in text:
        return "a number with thousands of digits"
    return text[:200] or type(error).__name__


# libyaml's parser when PyYAML has it (5× the pure-Python one), with the same safe constructor
_YAML_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ALIASES_MAX = 100       # YAML aliases (*name) in one front matter: a record needs none, a bomb has millions
_ALIAS = re.compile(r"(?:^|[\s\[{,:])\*[^\s,\[\]{}]")


class _RecordLoader(_YAML_BASE):
    """The safe loader, refusing a key given twice in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"field '{key}' is given twice (duplicate key): keep one", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


# line and paragraph separators (YAML and str.splitlines break lines at them) and the bidi controls
# (they reorder what a proofreader sees): never part of a record, named by code point
SEPARATORS = re.compile("[\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def separator_problem(text: str) -> tuple[int, str] | None:
    """(line, message) of the first line/paragraph separator or bidi control in `text`."""
    if m := SEPARATORS.search(text):
        line = text.count("\n", 0, m.start()) + 1
        return line, (f"{describe_character(m.group())} in the text: a line/paragraph separator or a "
                      "bidi control is no part of a record; delete it (or use a line break)")
    return None


def _strings(value, field: str = "", seen: set[int] | None = None):
    """(field, text) of every string in a parsed front matter; a list or table an alias repeats
    is walked once (the billion laughs stay cheap)."""
    seen = set() if seen is None else seen
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, (dict, list, tuple)) and id(value) not in seen:
        seen.add(id(value))
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            yield from _strings(v, f"{field}.{k}" if field else str(k), seen)


def split_front_matter(source: str, path: Path) -> tuple[dict, str]:
    """YAML front matter between '---' lines, and the Markdown body after it."""
    lines = source.splitlines()
    if not lines or lines[0].strip() != "---":
        raise UserError("no front matter: the file must start with a '---' line", where=str(path))
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise UserError("front matter is not closed by a '---' line", where=str(path)) from None
    front = "\n".join(lines[1:end])
    aliases = 0
    for _ in _ALIAS.finditer(front):
        aliases += 1
        if aliases > ALIASES_MAX:
            raise UserError(f"malformed front matter: more than {ALIASES_MAX} YAML aliases (*name); write the "
                            "values out", where=str(path))
    try:
        meta = yaml.load(front, Loader=_RecordLoader) or {}
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


def body_fields(body: str, path: Path, source: str) -> dict:
    """The body, read as Markdown: its paragraphs (plain text), which of them are 小标题, and
    the bold run-ins; unsupported Markdown is one error naming the file's line."""
    offset = len(source.splitlines()) - len(body.split("\n"))     # the lines before the body
    paragraphs, subheads, bold = [], [], []
    for block in parse_body(body, where=str(path), line_offset=offset):
        if isinstance(block, Subhead):
            subheads.append(len(paragraphs))
        else:
            at = 0
            for run in block.runs:
                if run.bold:
                    bold.append((len(paragraphs), at, at + len(run.text)))
                at += len(run.text)
        paragraphs.append(block.text)
    return {"paragraphs": paragraphs, "subheads": subheads, "bold": bold}


_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Cc but tab, LF, CR


def load_article(path: Path) -> Article:
    """An article record from articles/<slug>.md (front matter and body) or <slug>.json."""
    if path.suffix == ".json":
        return _make_article(path, json_record(read_text(path, separators=True), path, "an article record"))
    source = read_text(path, separators=True)
    # A control character typed into the file, named with its line (YAML would reject it in the
    # front matter with a message of several lines). An escaped one ("\a" in quotes) or a tab in
    # a paragraph reaches preflight.check_records, which rejects it naming the article and field.
    if m := _RAW_CONTROL.search(source):
        line = source.count("\n", 0, m.start()) + 1
        raise UserError(f"control character {describe_character(m.group())} in the file: delete it",
                        where=f"{path}:{line}")
    meta, body = split_front_matter(source, path)
    for field, text in _strings(meta):
        if found := separator_problem(text):
            raise UserError(f"field '{field}': {found[1]}", where=str(path))
    for name in ("slug", "paragraphs"):
        if name in meta:
            raise UserError(f"field '{name}' cannot be set in the front matter: the "
                            f"{'slug is the file name' if name == 'slug' else 'paragraphs are the body'}",
                            where=str(path))
    return _make_article(path, {"slug": path.stem, **meta, **body_fields(body, path, source)})


def json_record(source: str, path: Path, what: str) -> dict:
    """A JSON file's one object, or a UserError with the line and column of what is wrong."""
    try:
        record = json.loads(source)
    except json.JSONDecodeError as e:
        raise UserError(f"malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}", where=str(path)) from None
    except RecursionError:
        raise UserError("malformed JSON: lists or objects nested too deep", where=str(path)) from None
    if not isinstance(record, dict):
        raise UserError(f"must hold one JSON object ({{…}}), {what}", where=str(path))
    return record


def _make_article(path: Path, record: dict) -> Article:
    """The article of a record's fields; in a JSON record the slug is written and must be the
    file name, so a record moved or copied under another name is noticed."""
    if record.get("slug", path.stem) != path.stem:
        raise UserError(f"field 'slug': '{record['slug']}' is not the file name '{path.stem}': make them the same",
                        where=str(path))
    paragraphs = record.get("paragraphs")
    size = sum(len(p) for p in paragraphs if isinstance(p, str)) if isinstance(paragraphs, list) else 0
    if size > ARTICLE_MAX_CHARS:
        raise UserError(f"the body has {size:,} characters, more than a whole issue holds (at most "
                        f"{ARTICLE_MAX_CHARS:,}): split the article or check that it is the right file",
                        where=str(path))
    try:
        return Article(**record)
    except ValidationError as e:
        message = describe(e)
        raise UserError(message.replace("'paragraphs'", "body (paragraphs)") if path.suffix == ".md" else message,
                        where=str(path)) from None
    except TypeError as e:
        raise UserError(f"front matter: {e}", where=str(path)) from None


def article_file(folder: Path, slug: str) -> Path:
    """articles/<slug>.md or articles/<slug>.json, whichever there is (both: one clear error)."""
    md, js = (folder / "articles" / f"{slug}{suffix}" for suffix in (".md", ".json"))
    if md.is_file() and js.is_file():
        raise UserError(f"article '{slug}' has two records, {md.name} and {js.name}: keep one",
                        where=str(folder / "articles"))
    return js if js.is_file() else md


def _check_pages(issue: Issue, issue_file: Path) -> dict[int, Layout]:
    """Page numbers unique, article slugs plain file names, layouts known; the layout of each
    page (by 版次)."""
    seen: dict[int, int] = {}
    found: dict[int, Layout] = {}
    for p, page in enumerate(issue.pages):
        if page.number in seen:
            raise UserError(f"field 'pages.{p}.number': 版次 {page.number} is used twice (pages.{seen[page.number]} "
                            f"and pages.{p}); give every page its own number", where=str(issue_file))
        seen[page.number] = p
        for a, slug in enumerate(page.articles):
            if any(c in slug for c in "/\\\0") or slug.startswith("."):
                raise UserError(f"field 'pages.{p}.articles.{a}': '{slug}' is not an article name (the "
                                "file name in articles/ without .md or .json)", where=str(issue_file))
        name = page.layout
        try:
            if any(c in name for c in "/\\") or name.startswith("."):
                raise UserError(f"unknown layout '{name}'")
            found[page.number] = load_layout(name)
        except UserError as e:
            if not e.message.startswith("unknown layout"):
                raise                       # the design itself is broken: its error names its file
            known = ", ".join(known_layouts())
            raise UserError(f"field 'pages.{p}.layout': unknown layout '{name}' (layouts: {known})",
                            where=str(issue_file)) from None
    return found


def _check_pin(article: Article, layout: Layout, path: Path) -> None:
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


def confined_picture(folder: Path, issue: Issue, file: str, field: str, record: Path) -> Path:
    """The picture a record names, if it lies (symlinks followed) inside the issue folder or the
    shared assets folder issue.toml declares; else a UserError naming the record and field."""
    if "\0" in file:
        raise UserError(f"field '{field}': the picture path holds a NUL character (U+0000): delete it",
                        where=str(record))
    path = folder / file
    real = Path(os.path.realpath(path))
    roots = [Path(os.path.realpath(folder))]
    if issue.assets:
        roots.append(Path(os.path.realpath(folder / issue.assets)))
    if not any(real.is_relative_to(root) for root in roots):
        shared = f" or its assets folder ({issue.assets})" if issue.assets else ""
        raise UserError(f"field '{field}': picture {file} lies outside the issue folder{shared}: copy it into "
                        "the issue folder (e.g. images/), or declare a shared folder with assets = \"…\" in "
                        "issue.toml", where=str(record))
    return path


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
    if found := _separator_in(data):
        field, problem = found
        raise UserError(f"field '{field}': {problem}", where=str(issue_file))
    try:
        issue = Issue(**data)
    except ValidationError as e:
        raise UserError(describe(e), where=str(issue_file)) from None
    page_layouts = _check_pages(issue, issue_file)
    articles: dict[str, Article] = {}
    files: dict[str, Path] = {}
    read = [issue_file]         # every file the build reads of the issue, for an honest content hash
    for page in issue.pages:
        for slug in page.articles:
            if slug in articles:
                raise UserError(f"article '{slug}' is listed twice", where=str(issue_file))
            files[slug] = path = article_file(folder, slug)
            article = load_article(path)
            read.append(path)
            for i, picture in enumerate(article.pictures):
                picture_path = confined_picture(folder, issue, picture.file, f"pictures.{i}.file",
                                                folder / "articles" / f"{slug}.md")
                if not picture_path.is_file() and not allow_missing_pictures:
                    raise UserError(f"field 'pictures.{i}.file': picture file {picture.file} does not exist",
                                    where=str(path))
                if picture_path.is_file() and (problem := picture_problem(picture_path)):
                    raise UserError(f"field 'pictures.{i}.file': {picture.file} {problem}", where=str(path))
                read.append(picture_path)
            _check_pin(article, page_layouts[page.number], path)
            articles[slug] = article
    save_verified_pictures()
    return LoadedIssue(folder=folder, issue=issue, articles=articles, files=files, inputs=tuple(dict.fromkeys(read)))

